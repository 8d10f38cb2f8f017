package io.replaylink.spi;

import java.util.concurrent.CompletionStage;

/**
 * What a processor emits besides the envelope, delivered as the host delivers envelopes: with a spool, each stage
 * completes once the message is in the spool (and is delivered from there, across outages and restarts); without
 * one, once every sink that takes such messages took it. A stage fails when it could not be taken (the spool is
 * full, a sink is down); pass it to {@link ProcessedEnvelope#answerAfter} to have the client retry then.
 *
 * @since 2
 */
public interface SideOutputs {

    /** Hands a replay {@code event_link} message to the sinks that carry such messages (if any). */
    CompletionStage<Void> link(ReplayLinkMessage link);

    /** Hands a Relay outcome to every sink. */
    CompletionStage<Void> outcome(OutcomeMessage outcome);

    /**
     * Whether some sink cannot carry {@code event_link} messages (an HTTP upstream), so late links must also travel
     * in {@code error_ids} of a {@code replay_event} (see {@link ReplayIndex#holdLateLinks}).
     */
    boolean linksRideReplayEvents();
}
