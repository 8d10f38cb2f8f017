package io.replaylink.forward;

import io.netty.buffer.ByteBuf;
import io.replaylink.envelope.Envelope;
import io.replaylink.spi.OutgoingEnvelope;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The host's {@link OutgoingEnvelope}: the serialised body (a composite over the item payloads) plus read-only
 * views. Built-in sinks use {@link #bodyBuf()} to avoid a copy; {@link #body()} makes one contiguous buffer only for
 * plugins that ask for it.
 */
public final class ForwardedEnvelope implements OutgoingEnvelope {
    private final long projectId;
    private final Envelope envelope;
    private final ByteBuf body;
    private final Map<String, String> forwardHeaders;
    private ByteBuffer contiguous;
    private List<OutgoingEnvelope.Item> items;

    ForwardedEnvelope(long projectId, Envelope envelope, ByteBuf body, Map<String, String> forwardHeaders) {
        this.projectId = projectId;
        this.envelope = envelope;
        this.body = body;
        this.forwardHeaders = Map.copyOf(forwardHeaders);
    }

    @Override
    public long projectId() {
        return projectId;
    }

    @Override
    public Optional<String> eventId() {
        return envelope.eventId();
    }

    @Override
    public Map<String, String> forwardHeaders() {
        return forwardHeaders;
    }

    /** The serialised envelope without copying; do not release it (the forwarder does). */
    public ByteBuf bodyBuf() {
        return body.duplicate();
    }

    @Override
    public synchronized ByteBuffer body() {
        if (contiguous == null) {
            contiguous = body.nioBufferCount() == 1
                    ? body.nioBuffer(body.readerIndex(), body.readableBytes())
                    : ByteBuffer.wrap(io.netty.buffer.ByteBufUtil.getBytes(body));
        }
        return contiguous.asReadOnlyBuffer();
    }

    @Override
    public Map<String, Object> header() {
        return envelope.header().fields();
    }

    @Override
    public synchronized List<OutgoingEnvelope.Item> items() {
        if (items == null) {
            List<OutgoingEnvelope.Item> out = new ArrayList<>();
            for (io.replaylink.envelope.Item item : envelope.items()) {
                ByteBuf p = item.payload();
                out.add(new OutgoingEnvelope.Item(item.type().wireName(), item.header().fields(),
                        p.nioBuffer(p.readerIndex(), p.readableBytes())));
            }
            items = List.copyOf(out);
        }
        List<OutgoingEnvelope.Item> views = new ArrayList<>(items.size());
        for (OutgoingEnvelope.Item i : items) {
            views.add(new OutgoingEnvelope.Item(i.type(), i.header(), i.payload().asReadOnlyBuffer()));
        }
        return views;
    }

    /** The envelope this was written from. */
    public Envelope envelope() {
        return envelope;
    }
}
