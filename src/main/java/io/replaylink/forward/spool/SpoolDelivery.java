package io.replaylink.forward.spool;

import io.netty.buffer.Unpooled;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeParseException;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.forward.Forwarder;
import io.replaylink.metrics.Metrics;
import io.replaylink.spi.SinkRejectedException;
import io.replaylink.spi.SinkUnavailableException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.lang.System.Logger.Level;
import java.util.List;

/**
 * Delivers spooled envelopes to the sinks: reads them from the {@link Spool} in order, at most {@code window} at a
 * time, hands each to the {@link Forwarder} and acknowledges it once every sink took it; a retry goes only to the
 * sinks that have not taken it yet, so one sink's outage does not multiply copies in the others. A failure is retried with
 * exponential backoff (up to 30 s, or an upstream rate limit's Retry-After) until it succeeds; only a final refusal by an upstream
 * (a 4xx other than 429) drops the record, counted. Runs on one Vert.x context.
 */
public final class SpoolDelivery {
    private static final System.Logger LOG = System.getLogger(SpoolDelivery.class.getName());

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

    public SpoolDelivery(Vertx vertx, Spool spool, Forwarder forwarder, EnvelopeParser parser, int window,
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
                try {
                    deliver(e, 0, new java.util.HashSet<>());
                } catch (RuntimeException ex) {
                    LOG.log(Level.ERROR, "spool: delivery failed unexpectedly, retried later", ex);
                    inFlight--;
                    vertx.setTimer(1000, t -> {
                        inFlight++;
                        deliver(e, 1, new java.util.HashSet<>());
                    });
                }
            }
            if (!entries.isEmpty()) {
                pump();
            }
        });
    }

    /** {@code done}: the sinks (by index) that took this record already; a retry goes to the others only. */
    private void deliver(Spool.Entry entry, int attempt, java.util.Set<Integer> done) {
        if (stopped) {
            inFlight--;
            return;
        }
        Envelope envelope;
        try {
            envelope = parser.parse(Unpooled.wrappedBuffer(entry.record().envelope()));
        } catch (EnvelopeParseException e) {
            LOG.log(Level.ERROR, "spool: a spooled envelope does not parse, dropped: " + e.getMessage());
            metrics.spoolDelivery("unreadable");
            finish(entry);
            return;
        }
        Forwarder.Delivery d = forwarder.forward(entry.record().projectId(), envelope,
                entry.record().forwardHeaders(), context, done);
        d.settled().onComplete(ar -> envelope.release());
        d.accepted().onComplete(ar -> {
            if (ar.succeeded()) {
                metrics.spoolDelivery("delivered");
                finish(entry);
                return;
            }
            for (int i = 0; i < d.perSink().size(); i++) {
                Future<Void> took = d.perSink().get(i);
                if (took != null && took.succeeded()) {
                    done.add(i);
                }
            }
            Throwable cause = ar.cause() instanceof Forwarder.SinkFailure f ? f.getCause() : ar.cause();
            if (cause instanceof SinkRejectedException) {
                LOG.log(Level.WARNING, "spool: refused for good by a sink, dropped: " + cause.getMessage());
                metrics.spoolDelivery("rejected");
                finish(entry);
                return;
            }
            long backoff = Math.min(30_000, 100L << Math.min(9, attempt));
            if (cause instanceof SinkUnavailableException u && u.rateLimited() && u.retryAfter() != null) {
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
