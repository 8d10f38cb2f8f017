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
 * envelope waits for the index before it goes on unlinked), {@code emit_links_for_inline} (default false: an
 * event enriched inline carries {@code contexts.replay}, so Sentry links it without an event_link message), {@code
 * hold_unlinked_ms} (default 0: off; how long a backend error whose replay is not known yet is held back so that a
 * pair learned meanwhile links it inline, see {@link Holds}), {@code max_held} (default 1000: events held at
 * once), {@code max_trace_ids_per_replay_event} (default 100: trace ids one replay_event records at most) and
 * {@code why_notes} (default true: what became of each error event is noted in the index, for the why-API).
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
        long hold = c.number("hold_unlinked_ms", 0);
        if (hold < 0 || hold > 30_000) {
            throw new PluginConfigException(c.path() + ".hold_unlinked_ms", "must be between 0 and 30000");
        }
        long maxHeld = c.number("max_held", 1000);
        if (maxHeld < 0 || maxHeld > 100_000) {
            throw new PluginConfigException(c.path() + ".max_held", "must be between 0 and 100000");
        }
        long maxTraceIds = c.number("max_trace_ids_per_replay_event", ReplayLinker.DEFAULT_MAX_TRACE_IDS);
        if (maxTraceIds < 1 || maxTraceIds > 10_000) {
            throw new PluginConfigException(c.path() + ".max_trace_ids_per_replay_event", "must be between 1 and 10000");
        }
        // the index's pending_ttl_secs: how long a waiting event's note says it waits
        long pendingTtlSecs = context.hostService(io.replaylink.config.ReplayLinkConfig.class)
                .map(config -> io.replaylink.index.IndexSettings.pendingTtlSecs(config.index().config()))
                .orElse(5400L);
        io.replaylink.why.EventNotes notes = new io.replaylink.why.EventNotes(c.bool("why_notes", true),
                pendingTtlSecs * 1000, System::currentTimeMillis, metrics);
        return new ReplayLinker(index, context.outputs(), metrics, timeout, c.bool("emit_links_for_inline", false),
                () -> System.currentTimeMillis() / 1000, new Holds(hold, (int) maxHeld, System::currentTimeMillis),
                (int) maxTraceIds, notes);
    }
}
