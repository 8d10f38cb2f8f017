package io.replaylink.envelope;

import io.netty.buffer.ByteBuf;

/**
 * One envelope item. {@code payload} is a retained slice of the request body (never copied); whoever owns the
 * {@link Envelope} releases it, once, through {@link Envelope#release()}.
 */
public record Item(ItemHeader header, ByteBuf payload) {

    public ItemType type() {
        return header.type();
    }

    /** True when the header's {@code length} (if any) matches the payload, so the raw header line can be reused. */
    boolean headerMatchesPayload() {
        var length = header.length();
        return length.isEmpty() || length.getAsLong() == payload.readableBytes();
    }
}
