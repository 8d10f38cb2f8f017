package io.replaylink.spi;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * An envelope on its way through the pipeline, as processors see it.
 *
 * <p>JSON values are exposed as plain Java values: {@code Map<String, Object>} (insertion ordered), {@code
 * List<Object>}, {@code String}, {@code Boolean}, {@code Long} or {@code java.math.BigInteger} for integers, {@code
 * java.math.BigDecimal} for other numbers, and {@code null}. Header fields not changed by any stage are forwarded
 * byte for byte.
 *
 * @since 1
 */
public interface ProcessedEnvelope {

    /** The project id from the request path. */
    long projectId();

    /**
     * The Sentry organisation of the project (from the host's config; 0 when it names none). Replay links stay
     * within one organisation.
     *
     * @since 2
     */
    default long organizationId() {
        return 0;
    }

    /** The public key the request was authenticated with, if any. */
    Optional<String> publicKey();

    /** A header of the HTTP request that carried the envelope (case-insensitive name). */
    Optional<String> requestHeader(String name);

    /** The envelope header (first line), read-only. */
    Map<String, Object> header();

    /** Sets (or with {@code null} value removes) a top-level field of the envelope header. */
    void setHeader(String field, Object value);

    /** The items not dropped so far, in envelope order. */
    List<? extends ProcessedItem> items();

    /**
     * Attributes a stage passes on to the stages after it, for this envelope only; they reach neither sinks nor the
     * upstream.
     */
    Map<String, Object> attributes();

    /**
     * The client is answered only once {@code handOff} completed normally (e.g. the links this envelope caused were
     * handed to {@link SideOutputs}); when it fails, the client is told to retry, as when a sink cannot take the
     * envelope.
     *
     * @since 2
     */
    default void answerAfter(CompletionStage<?> handOff) {
        throw new UnsupportedOperationException("this host does not wait for hand-offs");
    }

    /**
     * Calls {@code action} once, before the client is answered: with {@code true} when the envelope and every {@link
     * #answerAfter} hand-off were accepted (delivered, or spooled), with {@code false} when they were not (the client
     * is told to retry, or a later stage refused the envelope). The answer waits for the stage it returns (within the
     * processor timeout; a failure is logged, the answer stays). For acknowledging, or releasing, what the envelope
     * carried, so that the client's next envelope sees it done.
     *
     * @since 2
     */
    default void beforeAnswer(Function<Boolean, CompletionStage<?>> action) {
        throw new UnsupportedOperationException("this host does not report answers");
    }
}
