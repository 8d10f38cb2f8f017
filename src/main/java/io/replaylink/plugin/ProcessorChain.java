package io.replaylink.plugin;

import io.replaylink.envelope.Envelope;
import io.replaylink.metrics.Metrics;
import io.replaylink.plugin.PluginLoader.NamedPlugin;
import io.replaylink.spi.EnvelopeProcessor;
import io.replaylink.spi.ProcessResult;
import io.vertx.core.Context;
import io.vertx.core.Future;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the configured processors over an envelope, one after the other in config order, each bounded by a timeout.
 * A processor that fails or times out is skipped (logged and counted) and the envelope goes on as it was: a broken
 * plugin must not lose accepted data. A {@link ProcessResult.Reject} stops the chain.
 */
public final class ProcessorChain {
    private static final System.Logger LOG = System.getLogger(ProcessorChain.class.getName());

    private final List<NamedPlugin<EnvelopeProcessor>> processors;
    private final long timeoutMs;
    private final Metrics metrics;

    public ProcessorChain(List<NamedPlugin<EnvelopeProcessor>> processors, long timeoutMs, Metrics metrics) {
        this.processors = List.copyOf(processors);
        this.timeoutMs = timeoutMs;
        this.metrics = metrics;
    }

    /** What the chain decided: the envelope to forward (owned by the caller) or a rejection. */
    public record Outcome(Envelope envelope, ProcessResult.Reject rejection) {
    }

    /**
     * Processes {@code envelope}, which the chain takes over: the outcome's envelope is the one the caller must
     * release (also when rejected).
     */
    public Future<Outcome> run(Envelope envelope, ProcessingRequest request, Context context) {
        if (processors.isEmpty()) {
            return Future.succeededFuture(new Outcome(envelope, null));
        }
        ProcessedEnvelopeView view = new ProcessedEnvelopeView(envelope, request);
        Future<ProcessResult.Reject> chain = Future.succeededFuture(null);
        for (NamedPlugin<EnvelopeProcessor> p : processors) {
            chain = chain.compose(rejected -> rejected != null ? Future.succeededFuture(rejected) : step(p, view, context));
        }
        return chain.map(rejected -> {
            Envelope result = view.finish();
            view.drops().forEach((reason, count) -> metrics.itemsDropped(reason, count));
            return new Outcome(result, rejected);
        });
    }

    private Future<ProcessResult.Reject> step(NamedPlugin<EnvelopeProcessor> p, ProcessedEnvelopeView view,
                                              Context context) {
        Future<ProcessResult> result;
        try {
            result = Future.fromCompletionStage(p.plugin().process(view), context);
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        return result.timeout(timeoutMs, TimeUnit.MILLISECONDS).transform(ar -> {
            if (ar.failed()) {
                LOG.log(Level.WARNING, "processor " + p.name() + " failed, envelope passed on as it was: "
                        + ar.cause());
                metrics.processorFailed(p.name());
                return Future.succeededFuture(null);
            }
            return Future.succeededFuture(ar.result() instanceof ProcessResult.Reject r ? r : null);
        });
    }

    public void close() {
        for (NamedPlugin<EnvelopeProcessor> p : processors) {
            try {
                p.plugin().close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing processor " + p.name() + ": " + e);
            }
        }
    }
}
