package io.replaylink.forward.spool;

import io.netty.buffer.Unpooled;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.forward.Forwarder;
import io.replaylink.forward.SinkFailure;
import io.replaylink.metrics.Metrics;
import io.replaylink.spi.SinkUnavailableException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Delivers what the {@link Spool} holds to the sinks: reads records in order, at most {@code window} at a time,
 * hands each to the {@link Forwarder} (an envelope as the bytes that were spooled, an event_link message, an
 * outcome) and acknowledges it once every sink asked took it; a retry goes only to the sinks that have not taken it
 * yet, so one sink's outage does not multiply copies in the others. A failure is retried with exponential backoff
 * (up to 30 s, or an upstream rate limit's Retry-After) until it succeeds; only a final refusal by an upstream (a 4xx
 * other than 429) drops the record, counted. Runs on one Vert.x context.
 */
public final class SpoolDrain {
    private static final System.Logger LOG = System.getLogger(SpoolDrain.class.getName());

    private final Vertx vertx;
    private final Spool spool;
    private final Forwarder forwarder;
    private final EnvelopeParser parser;
    private final int window;
    private final Metrics metrics;
    private Context context;
    private int inFlight;
    private boolean reading;
    private boolean stopped;
    private long timer = -1;

    public SpoolDrain(Vertx vertx, Spool spool, Forwarder forwarder, EnvelopeParser parser, int window,
                      Metrics metrics) {
        this.vertx = vertx;
        this.spool = spool;
        this.forwarder = forwarder;
        this.parser = parser;
        this.window = window;
        this.metrics = metrics;
    }

    public void start() {
        context = vertx.getOrCreateContext();
        context.runOnContext(v -> {
            timer = vertx.setPeriodic(20, t -> pump());
            pump();
        });
    }

    /** Asks for more records now (after an append), instead of at the next tick. */
    public void wake() {
        if (context != null) {
            context.runOnContext(v -> pump());
        }
    }

    private void pump() {
        metrics.spool(spool.unackedBytes(), spool.records(), spool.oldestUnackedMillis());
        if (stopped || reading || inFlight >= window) {
            return;
        }
        reading = true;
        Future.fromCompletionStage(spool.next(window - inFlight), context).onComplete(ar -> {
            reading = false;
            if (ar.failed()) {
                LOG.log(Level.WARNING, "spool: cannot read: " + ar.cause());
                return;
            }
            List<Spool.Entry> entries = ar.result();
            for (Spool.Entry e : entries) {
                inFlight++;
                deliver(e, 0, new HashSet<>());
            }
            if (!entries.isEmpty()) {
                pump();
            }
        });
    }

    /** {@code done}: the sinks (by index) that took this record already; a retry goes to the others only. */
    private void deliver(Spool.Entry entry, int attempt, Set<Integer> done) {
        if (stopped) {
            inFlight--;
            return;
        }
        SpoolRecord r = entry.record();
        Forwarder.Sent sent;
        try {
            sent = switch (r.kind()) {
                case ENVELOPE -> forwarder.forwardSerialized(r.projectId(), Unpooled.wrappedBuffer(r.body()),
                        r.forwardHeaders(), parser, context, done);
                case LINK -> forwarder.sendLink(r.toLink(), context, done);
                case OUTCOME -> forwarder.sendOutcome(r.toOutcome(), context, done);
            };
        } catch (IOException e) {
            LOG.log(Level.ERROR, "spool: a spooled " + r.kind() + " record does not decode, dropped: " + e);
            metrics.spoolDelivery("unreadable");
            finish(entry);
            return;
        }
        sent.accepted().onComplete(ar -> {
            if (ar.succeeded()) {
                metrics.spoolDelivery("delivered");
                finish(entry);
                return;
            }
            sent.tookInto(done);
            SinkFailure failure = ar.cause() instanceof SinkFailure f ? f : null;
            if (failure != null && failure.kind() == SinkFailure.Kind.REJECTED) {
                LOG.log(Level.WARNING, "spool: refused for good by a sink, dropped: " + failure.getMessage());
                metrics.spoolDelivery("rejected");
                finish(entry);
                return;
            }
            long backoff = Math.min(30_000, 100L << Math.min(9, attempt));
            if (failure != null && failure.getCause() instanceof SinkUnavailableException u && u.rateLimited()
                    && u.retryAfter() != null) {
                backoff = Math.max(backoff, Math.min(300_000, u.retryAfter().toMillis()));
            }
            metrics.spoolDelivery("retry");
            vertx.setTimer(backoff, t -> deliver(entry, attempt + 1, done));
        });
    }

    private void finish(Spool.Entry entry) {
        spool.ack(entry);
        inFlight--;
        pump();
    }

    /** Stops taking records; records in flight may still complete. */
    public void stop() {
        if (context == null) {
            return;
        }
        context.runOnContext(v -> {
            stopped = true;
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
        });
    }
}
