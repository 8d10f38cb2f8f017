package io.replaylink.replay;

import io.replaylink.metrics.Metrics;
import io.replaylink.spi.EnvelopeProcessor;
import io.replaylink.spi.PluginConfig;
import io.replaylink.spi.PluginConfigException;
import io.replaylink.spi.PluginContext;
import io.replaylink.spi.ProcessorProvider;
import io.replaylink.spi.ReplayIndex;

/**
 * {@code processors: [{name: replay-linker, config: {...}}]}: {@code lookup_timeout_ms} (default 100: the longest an
 * envelope waits for the index before it goes on unlinked) and {@code emit_links_for_inline} (default false: an
 * event enriched inline carries {@code contexts.replay}, so Sentry links it without an event_link message).
 * The index is the one configured under {@code index:}.
 */
public final class ReplayLinkerProvider implements ProcessorProvider {
    @Override
    public String name() {
        return "replay-linker";
    }

    @Override
    public EnvelopeProcessor create(PluginContext context) {
        PluginConfig c = context.config();
        long timeout = c.number("lookup_timeout_ms", 100);
        if (timeout < 1 || timeout > 60_000) {
            throw new PluginConfigException(c.path() + ".lookup_timeout_ms", "must be between 1 and 60000");
        }
        ReplayIndex index = context.hostService(ReplayIndex.class).orElseThrow(() ->
                new IllegalStateException("replay-linker needs the host's replay index"));
        Metrics metrics = context.hostService(Metrics.class).orElseGet(Metrics::new);
        return new ReplayLinker(index, context.outputs(), metrics, timeout, c.bool("emit_links_for_inline", false),
                () -> System.currentTimeMillis() / 1000);
    }
}
