package io.replaylink.forward;

import io.replaylink.envelope.Envelope;
import io.replaylink.spi.OutcomeMessage;
import io.replaylink.spi.ReplayLinkMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;

import java.util.Map;

/**
 * Where an accepted envelope, and what processing emitted beside it (event_link messages, outcomes), goes: straight
 * to the sinks ({@link DirectDelivery}) or into the spool first ({@code SpooledDelivery}). The one choice the
 * endpoint used to make itself; a failure is a {@link SinkFailure} or the spool's own exception.
 */
public interface Delivery {

    /**
     * @param accepted delivered to every sink, or in the spool: the client may be answered 200
     * @param settled  nothing holds the envelope any more: the caller may release it
     */
    record Taken(Future<Void> accepted, Future<Void> settled) {
    }

    /** Takes {@code envelope}, which the caller keeps owning until {@link Taken#settled()}. */
    Taken envelope(long projectId, Envelope envelope, Map<String, String> forwardHeaders, Context context);

    /** Takes an event_link message for the sinks that carry them; completes once it is theirs (or spooled). */
    Future<Void> link(ReplayLinkMessage link, Context context);

    /** Takes a Relay outcome for every sink; completes once it is theirs (or spooled). */
    Future<Void> outcome(OutcomeMessage outcome, Context context);
}
