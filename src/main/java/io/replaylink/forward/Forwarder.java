package io.replaylink.forward;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.envelope.EnvelopeWriter;
import io.replaylink.loop.LoopDeadlines;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Hands what the sidecar emits to the configured sinks: envelopes (to every sink), event_link messages (to the
 * sinks that carry them) and outcomes (to every sink). {@link Sent#accepted()} completes when every sink asked took
 * it (or fails with the first sink's {@link SinkFailure}, after at most {@code timeoutMs}), {@link Sent#settled()}
 * when every sink is done with it, whatever the outcome: only then may the caller release what it lent. An
 * envelope's serialised body is released here, once, when all sinks are done.
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
        sinks.forEach(sink -> metrics.sinkKnown(sink.name()));
    }

    /**
     * @param accepted every sink (that was asked) took it
     * @param settled  every sink is done with it
     * @param perSink  per sink, in config order, whether it took it; null for a sink that was not asked
     */
    public record Sent(Future<Void> accepted, Future<Void> settled, List<Future<Void>> perSink) {

        /** The sinks (by index) that took it, added to {@code done}; a retry skips them. */
        public void tookInto(Set<Integer> done) {
            for (int i = 0; i < perSink.size(); i++) {
                Future<Void> took = perSink.get(i);
                if (took != null && took.succeeded()) {
                    done.add(i);
                }
            }
        }
    }

    /** Whether some sink carries event_link messages. */
    public boolean someSinkTakesLinks() {
        return sinks.stream().anyMatch(s -> s.plugin().takesLinkMessages());
    }

    /** Whether some sink cannot carry event_link messages (late links must then ride replay events). */
    public boolean someSinkTakesNoLinks() {
        return sinks.stream().anyMatch(s -> !s.plugin().takesLinkMessages());
    }

    /** Serialises {@code envelope} once and hands it to every sink but those in {@code skip}. */
    public Sent forward(long projectId, Envelope envelope, Map<String, String> forwardHeaders, Context context,
                        Set<Integer> skip) {
        ByteBuf body = EnvelopeWriter.write(envelope, ByteBufAllocator.DEFAULT);
        return forward(new ForwardedEnvelope(projectId, envelope, body, forwardHeaders), context, skip);
    }

    /**
     * Hands an envelope that is serialised already (a spooled one) to every sink but those in {@code skip}; it is
     * parsed only if a sink asks for its header or items. Takes over {@code body}.
     */
    public Sent forwardSerialized(long projectId, ByteBuf body, Map<String, String> forwardHeaders,
                                  EnvelopeParser parser, Context context, Set<Integer> skip) {
        return forward(ForwardedEnvelope.serialized(projectId, body, forwardHeaders, parser), context, skip);
    }

    private Sent forward(ForwardedEnvelope outgoing, Context context, Set<Integer> skip) {
        Sent sent = toSinks(s -> true, skip, context, sink -> sink.send(outgoing),
                (sink, outcome, started) -> metrics.sinkSend(sink, outcome, started));
        sent.settled().onComplete(ar -> outgoing.release());
        return sent;
    }

    /** Hands an event_link message to every sink that carries such messages, but those in {@code skip}. */
    public Sent sendLink(ReplayLinkMessage link, Context context, Set<Integer> skip) {
        return toSinks(EnvelopeSink::takesLinkMessages, skip, context, sink -> sink.sendLink(link),
                (sink, outcome, started) -> metrics.linkMessage(sink, outcome));
    }

    /** Hands a Relay outcome to every sink but those in {@code skip}. */
    public Sent sendOutcome(OutcomeMessage outcome, Context context, Set<Integer> skip) {
        return toSinks(s -> true, skip, context, sink -> sink.sendOutcome(outcome), (sink, label, started) -> { });
    }

    private interface Counted {
        void count(String sink, String outcome, long startedNanos);
    }

    private Sent toSinks(java.util.function.Predicate<EnvelopeSink> asked, Set<Integer> skip, Context context,
                         Function<EnvelopeSink, CompletionStage<Void>> send, Counted counted) {
        List<Future<Void>> settled = new ArrayList<>(sinks.size());
        List<Future<Void>> accepted = new ArrayList<>(sinks.size());
        List<Future<Void>> perSink = new ArrayList<>(sinks.size());
        for (int index = 0; index < sinks.size(); index++) {
            NamedPlugin<EnvelopeSink> sink = sinks.get(index);
            if (skip.contains(index) || !asked.test(sink.plugin())) {
                perSink.add(null);
                continue;
            }
            long started = System.nanoTime();
            CompletionStage<Void> stage;
            try {
                stage = send.apply(sink.plugin());
            } catch (RuntimeException e) {
                stage = CompletableFuture.failedFuture(e);
            }
            if (stage == null) {
                stage = CompletableFuture.failedFuture(new IllegalStateException("sink " + sink.name()
                        + " returned no completion stage"));
            }
            Future<Void> done = Future.fromCompletionStage(stage, context);
            done.onComplete(ar -> counted.count(sink.name(),
                    ar.succeeded() ? "ok" : SinkFailure.of(sink.name(), ar.cause()).kind().label, started));
            settled.add(done);
            Future<Void> took = LoopDeadlines.timeout(done, timeoutMs, context).recover(e -> Future.failedFuture(
                    done.isComplete() ? SinkFailure.of(sink.name(), e) : SinkFailure.timedOut(sink.name(), timeoutMs)));
            accepted.add(took);
            perSink.add(took);
        }
        Promise<Void> allSettled = Promise.promise();
        Future.join(settled).onComplete(ar -> allSettled.complete());
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
        return new Sent(allAccepted, allSettled.future(), perSink);
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
}
