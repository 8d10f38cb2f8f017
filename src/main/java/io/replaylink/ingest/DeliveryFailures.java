package io.replaylink.ingest;

import io.replaylink.forward.SinkFailure;
import io.replaylink.forward.spool.Spool;
import io.replaylink.spi.SinkUnavailableException;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/**
 * What the client is told when an accepted envelope, or a link or outcome it caused, could not be handed on: the one
 * place where delivery failures become answers, by their type. None of these is the request's fault: each asks the
 * client to retry (429 or 503 with Retry-After), except an upstream's final 4xx, which is passed on.
 */
final class DeliveryFailures {
    private static final System.Logger LOG = System.getLogger(DeliveryFailures.class.getName());
    private static final Duration RETRY = Duration.ofSeconds(5);

    private DeliveryFailures() {
    }

    /** A hand-off a processor asked the answer to wait for (links, outcomes) failed. */
    static final class HandOffFailed extends RuntimeException {
        HandOffFailed(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    /** The answer to a delivery failure, or null when {@code cause} is not one. */
    static IngestError toError(Throwable cause) {
        boolean handOff = cause instanceof HandOffFailed;
        Throwable c = handOff ? cause.getCause() : cause;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof SinkFailure f) {
            return switch (f.kind()) {
                case UNAVAILABLE -> {
                    SinkUnavailableException u = (SinkUnavailableException) f.getCause();
                    yield u.rateLimited()
                            ? new IngestError.RateLimited("Sentry dropped data due to a quota or internal rate "
                            + "limit being reached. This will not affect your application.", u.retryAfter(),
                            u.rateLimits().orElse(null))
                            : new IngestError.Unavailable(u.getMessage(), u.retryAfter(), "sink_unavailable");
                }
                case REJECTED -> {
                    var r = (io.replaylink.spi.SinkRejectedException) f.getCause();
                    yield new IngestError.Rejected(r.status(), r.getMessage(), "upstream_rejected");
                }
                case TIMEOUT -> new IngestError.Unavailable(f.getMessage(), RETRY, "sink_timeout");
                case ERROR -> {
                    LOG.log(Level.WARNING, "sink " + f.sink() + " failed", f.getCause());
                    yield new IngestError.Unavailable("failed to queue envelope: sink " + f.sink() + " failed",
                            RETRY, "sink_error");
                }
            };
        }
        if (c instanceof Spool.SpoolFullException) {
            return new IngestError.Unavailable(c.getMessage(), RETRY, "spool_full");
        }
        if (c instanceof Spool.SpoolFailure) {
            return new IngestError.Unavailable("failed to queue envelope: " + c.getMessage(), RETRY, "spool_error");
        }
        if (handOff) {
            LOG.log(Level.WARNING, "a link or outcome of an envelope could not be handed off: " + c);
            return new IngestError.Unavailable("failed to hand off the links or outcomes this envelope caused: "
                    + c.getMessage(), RETRY, "handoff");
        }
        return null;
    }
}
