package io.replaylink.spi;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * One item of a {@link ProcessedEnvelope}.
 *
 * @since 1
 */
public interface ProcessedItem {

    /** The item type as sent, e.g. {@code event}, {@code attachment}, or a type this host does not know. */
    String type();

    /** The item header, read-only (JSON values as in {@link ProcessedEnvelope}). */
    Map<String, Object> header();

    /** Sets (or with {@code null} value removes) an item header field; {@code length} is maintained by the host. */
    void setHeader(String field, Object value);

    /** A read-only view of the payload; valid only during the call that obtained it. */
    ByteBuffer payload();

    /**
     * Replaces the payload; the host writes the new {@code length}. A payload over the item type's size limit (e.g.
     * {@code max_event_size}) is refused with {@link IllegalArgumentException}, and the item stays as it was.
     */
    void setPayload(byte[] payload);

    /**
     * Replaces {@code remove} bytes at {@code offset} of the payload with {@code insert}: {@link #setPayload} of the
     * payload so changed (same size limit, same {@link IllegalArgumentException}), but the host keeps the bytes around
     * the change where they are instead of copying them. The default copies.
     *
     * @throws IndexOutOfBoundsException when the range is not within the payload
     * @since 3
     */
    default void splicePayload(int offset, int remove, byte[] insert) {
        ByteBuffer payload = payload();
        int length = payload.remaining();
        java.util.Objects.checkFromIndexSize(offset, remove, length);
        byte[] out = new byte[length - remove + insert.length];
        payload.get(payload.position(), out, 0, offset);
        System.arraycopy(insert, 0, out, offset, insert.length);
        payload.get(payload.position() + offset + remove, out, offset + insert.length, length - offset - remove);
        setPayload(out);
    }

    /** Removes the item from the envelope; {@code reason} is counted in metrics. */
    void drop(String reason);
}
