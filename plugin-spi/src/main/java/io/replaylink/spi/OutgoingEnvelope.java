package io.replaylink.spi;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An envelope after the pipeline, as sinks see it.
 *
 * @since 1
 */
public interface OutgoingEnvelope {

    long projectId();

    /** The envelope's event id, when its header has one. */
    Optional<String> eventId();

    /**
     * HTTP headers to pass on upstream as Relay does: {@code X-Sentry-Auth} (the client's, or one built from the key
     * that authenticated the request), {@code X-Forwarded-For} (with the client's address appended) and {@code
     * User-Agent} when the client sent one. The body's {@code Content-Type} and {@code Content-Encoding} are the
     * sink's to set.
     */
    Map<String, String> forwardHeaders();

    /** The serialised envelope (uncompressed), read-only; valid until the stage returned by send completes. */
    ByteBuffer body();

    /** The envelope header, read-only. */
    Map<String, Object> header();

    /** The items, read-only. */
    List<Item> items();

    /** One item: its header (read-only) and a read-only view of its payload. */
    record Item(String type, Map<String, Object> header, ByteBuffer payload) {
    }
}
