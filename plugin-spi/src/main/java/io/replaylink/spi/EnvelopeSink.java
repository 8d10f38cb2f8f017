package io.replaylink.spi;

import java.util.concurrent.CompletionStage;

/**
 * Where accepted envelopes go. {@link #send} completes normally once the sink has taken responsibility for the
 * envelope (delivered it, or stored it durably); the client is answered only then. It completes exceptionally with
 * {@link SinkUnavailableException} when the sink cannot take more now (the client is told to retry), or with any
 * other exception when delivery failed.
 *
 * @since 1
 */
public interface EnvelopeSink extends AutoCloseable {

    CompletionStage<Void> send(OutgoingEnvelope envelope);

    /**
     * Takes a replay {@code event_link} message; only called when {@link #takesLinkMessages()} says so. Sinks that
     * write Sentry's Kafka topics or a file override both.
     *
     * @since 1
     */
    default CompletionStage<Void> sendLink(ReplayLinkMessage link) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /**
     * Whether this sink carries {@code event_link} messages to Sentry. A sink that does not (an HTTP upstream: Relay
     * has no HTTP ingest for them) gets late links as event ids in {@code error_ids} of a later {@code
     * replay_event} of the replay instead. The default: whether the sink overrides {@link #sendLink} (so a sink
     * written for version 1 that takes links keeps getting them).
     *
     * @since 2
     */
    default boolean takesLinkMessages() {
        try {
            return getClass().getMethod("sendLink", ReplayLinkMessage.class).getDeclaringClass() != EnvelopeSink.class;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /**
     * Takes a Relay outcome. Sinks that write Relay's Kafka topics override this; the default ignores it.
     *
     * @since 1
     */
    default CompletionStage<Void> sendOutcome(OutcomeMessage outcome) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /** Finishes what is in flight and releases resources; called once at shutdown. */
    default CompletionStage<Void> shutdown() {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    @Override
    default void close() {
    }
}
