package io.replaylink.plugin;

import io.replaylink.envelope.Envelope;
import io.replaylink.loop.LoopDeadlines;
import io.replaylink.metrics.Metrics;
import io.replaylink.plugin.PluginLoader.NamedPlugin;
import io.replaylink.spi.EnvelopeProcessor;
import io.replaylink.spi.ProcessResult;
import io.vertx.core.Context;
import io.vertx.core.Future;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

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

    private final io.replaylink.envelope.EnvelopeLimits limits;

    /** {@code limits}: the per-item size limits a processor's new payload must keep too. */
    public ProcessorChain(List<NamedPlugin<EnvelopeProcessor>> processors, long timeoutMs, Metrics metrics,
                          io.replaylink.envelope.EnvelopeLimits limits) {
        this.limits = limits;
        this.processors = List.copyOf(processors);
        this.timeoutMs = timeoutMs;
        this.metrics = metrics;
    }

    /**
     * What the chain decided: the envelope to forward (owned by the caller) or a rejection; what the answer waits for
     * besides the envelope's delivery (processors' hand-offs of links and outcomes); who is told, before the client
     * is answered, whether all was accepted ({@link #settle}).
     */
    public record Outcome(Envelope envelope, ProcessResult.Reject rejection, List<CompletionStage<?>> handOffs,
                          List<Function<Boolean, CompletionStage<?>>> beforeAnswer) {

        /** Tells the processors whether all was accepted; completes when they are done (never fails). */
        public Future<Void> settle(boolean accepted, Context context, long timeoutMs) {
            if (beforeAnswer.isEmpty()) {
                return Future.succeededFuture();
            }
            List<Future<?>> done = new ArrayList<>(beforeAnswer.size());
            for (Function<Boolean, CompletionStage<?>> action : beforeAnswer) {
                Future<?> f;
                try {
                    f = Future.fromCompletionStage(action.apply(accepted), context);
                } catch (RuntimeException e) {
                    f = Future.failedFuture(e);
                }
                done.add(LoopDeadlines.timeout(f, timeoutMs, context).recover(e -> {
                    LOG.log(Level.WARNING, "a processor did not settle an envelope: " + e);
                    return Future.succeededFuture();
                }));
            }
            return Future.join(done).mapEmpty();
        }
    }

    /**
     * Processes {@code envelope}, which the chain takes over: the outcome's envelope is the one the caller must
     * release (also when rejected). A processor that answers at once (a completed {@link CompletableFuture}, as the
     * replay linker on the in-memory index does) is followed by the next one at once; only one that answers later
     * gets a future of the loop and a deadline.
     */
    public Future<Outcome> run(Envelope envelope, ProcessingRequest request, Context context) {
        if (processors.isEmpty()) {
            return Future.succeededFuture(new Outcome(envelope, null, List.of(), List.of()));
        }
        return from(0, new ProcessedEnvelopeView(envelope, request, limits), context);
    }

    /** Runs the processors from the {@code k}th on. */
    private Future<Outcome> from(int k, ProcessedEnvelopeView view, Context context) {
        for (; k < processors.size(); k++) {
            NamedPlugin<EnvelopeProcessor> p = processors.get(k);
            CompletionStage<ProcessResult> stage;
            try {
                stage = Objects.requireNonNull(p.plugin().process(view), "the processor answered no stage");
            } catch (RuntimeException e) {
                failed(p, e);
                continue;
            }
            if (stage instanceof CompletableFuture<ProcessResult> now && now.isDone()) {
                if (answeredAtOnce(p, now) instanceof ProcessResult.Reject r) {
                    return Future.succeededFuture(finish(view, r));
                }
                continue;
            }
            int next = k + 1;
            Future<ProcessResult> later = Future.fromCompletionStage(stage, context);
            return LoopDeadlines.timeout(later, timeoutMs, context).transform(ar -> {
                if (ar.failed()) {
                    failed(p, ar.cause());
                    return from(next, view, context);
                }
                return ar.result() instanceof ProcessResult.Reject r ? Future.succeededFuture(finish(view, r))
                        : from(next, view, context);
            });
        }
        return Future.succeededFuture(finish(view, null));
    }

    /** The result of a stage that is done already; null (counted as the processor's failure) when it failed. */
    private ProcessResult answeredAtOnce(NamedPlugin<EnvelopeProcessor> p, CompletableFuture<ProcessResult> done) {
        try {
            return done.join();
        } catch (CompletionException e) {
            failed(p, e.getCause() != null ? e.getCause() : e);
        } catch (CancellationException e) {
            failed(p, e);
        }
        return null;
    }

    private Outcome finish(ProcessedEnvelopeView view, ProcessResult.Reject rejected) {
        Envelope result = view.finish();
        view.drops().forEach((reason, count) -> metrics.itemsDropped(reason, count));
        return new Outcome(result, rejected, view.handOffs(), view.beforeAnswer());
    }

    /** A processor that failed or timed out is skipped: the envelope goes on as it was. */
    private void failed(NamedPlugin<EnvelopeProcessor> p, Throwable cause) {
        LOG.log(Level.WARNING, "processor " + p.name() + " failed, envelope passed on as it was: " + cause);
        metrics.processorFailed(p.name());
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
