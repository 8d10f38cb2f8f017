package io.replaylink.forward;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeWriter;
import io.replaylink.metrics.Metrics;
import io.replaylink.plugin.PluginLoader.NamedPlugin;
import io.replaylink.spi.EnvelopeSink;
import io.replaylink.spi.OutcomeMessage;
import io.replaylink.spi.ReplayLinkMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Hands an envelope to every configured sink. The envelope is serialised once; {@link Delivery#accepted()}
 * completes when every sink took it (or fails with the first sink's reason, after at most {@code timeoutMs}), and
 * {@link Delivery#settled()} when every sink is done with it, whatever the outcome: only then may the caller release
 * the envelope. The serialised body is released here, once, when all sinks are done.
 */
public final class Forwarder {
    private static final System.Logger LOG = System.getLogger(Forwarder.class.getName());

    private final List<NamedPlugin<EnvelopeSink>> sinks;
    private final long timeoutMs;
    private final Metrics metrics;

    public Forwarder(List<NamedPlugin<EnvelopeSink>> sinks, long timeoutMs, Metrics metrics) {
        this.sinks = List.copyOf(sinks);
        this.timeoutMs = timeoutMs;
        this.metrics = metrics;
    }

    /**
     * @param accepted every sink (that was asked) took the envelope
     * @param settled  every sink is done with it
     * @param perSink  per sink, in config order, whether it took it; null for a sink that was skipped
     */
    public record Delivery(Future<Void> accepted, Future<Void> settled, List<Future<Void>> perSink) {
    }

    public Delivery forward(long projectId, Envelope envelope, Map<String, String> forwardHeaders, Context context) {
        return forward(projectId, envelope, forwardHeaders, context, java.util.Set.of());
    }

    /** As {@link #forward(long, Envelope, Map, Context)}, skipping the sinks (by index) that already took it. */
    public Delivery forward(long projectId, Envelope envelope, Map<String, String> forwardHeaders, Context context,
                            java.util.Set<Integer> skip) {
        ByteBuf body = EnvelopeWriter.write(envelope, ByteBufAllocator.DEFAULT);
        ForwardedEnvelope outgoing = new ForwardedEnvelope(projectId, envelope, body, forwardHeaders);
        List<Future<Void>> settled = new ArrayList<>(sinks.size());
        List<Future<Void>> accepted = new ArrayList<>(sinks.size());
        List<Future<Void>> perSink = new ArrayList<>(sinks.size());
        for (int index = 0; index < sinks.size(); index++) {
            NamedPlugin<EnvelopeSink> sink = sinks.get(index);
            if (skip.contains(index)) {
                perSink.add(null);
                continue;
            }
            long started = System.nanoTime();
            CompletionStage<Void> stage;
            try {
                stage = sink.plugin().send(outgoing);
            } catch (RuntimeException e) {
                stage = CompletableFuture.failedFuture(e);
            }
            if (stage == null) {
                stage = CompletableFuture.failedFuture(new IllegalStateException("sink " + sink.name()
                        + " returned no completion stage"));
            }
            Future<Void> done = Future.fromCompletionStage(stage, context);
            done.onComplete(ar -> metrics.sinkSend(sink.name(), ar.succeeded() ? "ok" : outcomeLabel(ar.cause()),
                    started));
            settled.add(done);
            Future<Void> took = done.timeout(timeoutMs, TimeUnit.MILLISECONDS)
                    .recover(e -> Future.failedFuture(new SinkFailure(sink.name(), e)));
            accepted.add(took);
            perSink.add(took);
        }
        Promise<Void> allSettled = Promise.promise();
        Future.join(settled).onComplete(ar -> {
            body.release();
            allSettled.complete();
        });
        Future<Void> allAccepted = Future.join(accepted).transform(ar -> {
            if (ar.succeeded()) {
                return Future.succeededFuture();
            }
            for (Future<Void> f : accepted) {
                if (f.failed()) {
                    return Future.failedFuture(f.cause());
                }
            }
            return Future.failedFuture(ar.cause());
        });
        return new Delivery(allAccepted, allSettled.future(), perSink);
    }

    /** Hands an event_link message to every sink; best effort, counted per sink (no client waits for it). */
    public void emitLink(ReplayLinkMessage message) {
        for (NamedPlugin<EnvelopeSink> sink : sinks) {
            CompletionStage<Void> stage;
            try {
                stage = sink.plugin().sendLink(message);
            } catch (RuntimeException e) {
                stage = CompletableFuture.failedFuture(e);
            }
            stage.whenComplete((v, e) -> {
                metrics.linkMessage(sink.name(), e == null ? "ok" : outcomeLabel(e));
                if (e != null) {
                    LOG.log(Level.WARNING, "sink " + sink.name() + " did not take an event_link message: " + e);
                }
            });
        }
    }

    /** Hands a Relay outcome to every sink; best effort (no client waits for it). */
    public void emitOutcome(OutcomeMessage outcome) {
        for (NamedPlugin<EnvelopeSink> sink : sinks) {
            try {
                sink.plugin().sendOutcome(outcome).whenComplete((v, e) -> {
                    if (e != null) {
                        LOG.log(Level.WARNING, "sink " + sink.name() + " did not take an outcome: " + e);
                    }
                });
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "sink " + sink.name() + " did not take an outcome: " + e);
            }
        }
    }

    private static String outcomeLabel(Throwable cause) {
        return switch (cause.getClass().getSimpleName()) {
            case "SinkUnavailableException" -> "unavailable";
            case "SinkRejectedException" -> "rejected";
            default -> "error";
        };
    }

    /** Shuts every sink down (they finish what they hold), bounded by {@code timeoutMs}. */
    public Future<Void> shutdown(Context context, long timeoutMs) {
        List<Future<Void>> all = new ArrayList<>();
        for (NamedPlugin<EnvelopeSink> sink : sinks) {
            Future<Void> f;
            try {
                f = Future.fromCompletionStage(sink.plugin().shutdown(), context);
            } catch (RuntimeException e) {
                f = Future.failedFuture(e);
            }
            all.add(f.timeout(timeoutMs, TimeUnit.MILLISECONDS).recover(e -> {
                LOG.log(Level.WARNING, "sink " + sink.name() + " did not shut down cleanly: " + e);
                return Future.succeededFuture();
            }).onComplete(ar -> {
                try {
                    sink.plugin().close();
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "closing sink " + sink.name() + ": " + e);
                }
            }));
        }
        return Future.join(all).mapEmpty();
    }

    /** Which sink failed, and why. */
    public static final class SinkFailure extends RuntimeException {
        private final String sink;

        SinkFailure(String sink, Throwable cause) {
            super("sink " + sink + ": " + unwrap(cause).getMessage(), unwrap(cause), false, false);
            this.sink = sink;
        }

        /** A sink's CompletionStage may wrap its exception (e.g. SinkUnavailableException) in CompletionException. */
        private static Throwable unwrap(Throwable e) {
            Throwable t = e;
            while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
                t = t.getCause();
            }
            return t;
        }

        public String sink() {
            return sink;
        }
    }
}
