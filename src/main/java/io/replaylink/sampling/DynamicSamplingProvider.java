package io.replaylink.sampling;

import io.replaylink.metrics.Metrics;
import io.replaylink.spi.EnvelopeProcessor;
import io.replaylink.spi.PluginConfig;
import io.replaylink.spi.PluginConfigException;
import io.replaylink.spi.PluginContext;
import io.replaylink.spi.ProcessorProvider;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.time.Instant;

/**
 * {@code processors: [..., {name: dynamic-sampling, config: {rules_file: config/sampling.yaml}}]}; put it after
 * {@code replay-linker} so rules see the linked DSC. {@code reload_interval_ms} (default 1000): how often the file
 * is checked for changes (on a worker thread).
 */
public final class DynamicSamplingProvider implements ProcessorProvider {
    @Override
    public String name() {
        return "dynamic-sampling";
    }

    @Override
    public EnvelopeProcessor create(PluginContext context) {
        PluginConfig c = context.config();
        String file = c.string("rules_file").orElseThrow(() -> new PluginConfigException(c.path() + ".rules_file",
                "missing (a YAML or JSON file with default: and projects: rules)"));
        RulesFile rules;
        try {
            rules = new RulesFile(Path.of(file));
        } catch (IllegalArgumentException e) {
            throw new PluginConfigException(c.path() + ".rules_file", e.getMessage());
        }
        long interval = c.number("reload_interval_ms", 1000);
        if (interval < 10) {
            throw new PluginConfigException(c.path() + ".reload_interval_ms", "must be at least 10");
        }
        Vertx vertx = context.hostService(Vertx.class).orElse(null);
        Runnable stopReload = () -> { };
        if (vertx != null) {
            long timer = vertx.setPeriodic(interval, t -> vertx.executeBlocking(rules::reloadIfChanged, false));
            stopReload = () -> vertx.cancelTimer(timer);
        }
        Metrics metrics = context.hostService(Metrics.class).orElseGet(Metrics::new);
        // a transaction dropped by sampling gets its why-note ("sampled_out") in the replay index, when there is one
        io.replaylink.spi.ReplayIndex index = context.hostService(io.replaylink.spi.ReplayIndex.class).orElse(null);
        DynamicSampling.SampledOut noted = (envelope, eventId, traceId) -> { };
        if (index != null && c.bool("why_notes", true)) {
            io.replaylink.why.EventNotes notes = new io.replaylink.why.EventNotes(true, 0,
                    System::currentTimeMillis, metrics);
            noted = (envelope, eventId, traceId) -> notes.unlinked(index.forOrganization(envelope.organizationId()),
                    io.replaylink.envelope.Uuids.normalize(eventId), io.replaylink.envelope.Uuids.normalize(traceId),
                    envelope.projectId(), null, Double.NaN, io.replaylink.why.UnlinkedReason.SAMPLED_OUT);
        }
        return new DynamicSampling(rules::rules, context.outputs(), metrics, Instant::now, stopReload, noted);
    }
}
