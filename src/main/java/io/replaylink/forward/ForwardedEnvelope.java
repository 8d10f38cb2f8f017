package io.replaylink.forward;

import io.netty.buffer.ByteBuf;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.spi.OutgoingEnvelope;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The host's {@link OutgoingEnvelope}: the serialised body (a composite over the item payloads) plus read-only
 * views. Built-in sinks use {@link #bodyBuf()} to avoid a copy; {@link #body()} makes one contiguous buffer only for
 * plugins that ask for it. A spooled envelope arrives serialised and is parsed only when a sink asks for its
 * header or items (the http sink does not). Owns the body and what is parsed from it: {@link #release()}.
 */
public final class ForwardedEnvelope implements OutgoingEnvelope {
    private final long projectId;
    private final ByteBuf body;
    private final Map<String, String> forwardHeaders;
    private final EnvelopeParser parser;
    private Envelope envelope;
    private boolean parsedHere;
    private ByteBuffer contiguous;
    private List<OutgoingEnvelope.Item> items;

    ForwardedEnvelope(long projectId, Envelope envelope, ByteBuf body, Map<String, String> forwardHeaders) {
        this(projectId, envelope, body, forwardHeaders, null);
    }

    private ForwardedEnvelope(long projectId, Envelope envelope, ByteBuf body, Map<String, String> forwardHeaders,
                              EnvelopeParser parser) {
        this.projectId = projectId;
        this.envelope = envelope;
        this.body = body;
        this.forwardHeaders = Map.copyOf(forwardHeaders);
        this.parser = parser;
    }

    /** An envelope serialised already, parsed with {@code parser} on first use of its header or items. */
    static ForwardedEnvelope serialized(long projectId, ByteBuf body, Map<String, String> forwardHeaders,
                                        EnvelopeParser parser) {
        return new ForwardedEnvelope(projectId, null, body, forwardHeaders, parser);
    }

    /** Releases the body, and the envelope when it was parsed here. */
    synchronized void release() {
        if (parsedHere) {
            envelope.release();
        }
        body.release();
    }

    @Override
    public long projectId() {
        return projectId;
    }

    @Override
    public Optional<String> eventId() {
        return envelope().eventId();
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
        return envelope().header().fields();
    }

    @Override
    public synchronized List<OutgoingEnvelope.Item> items() {
        if (items == null) {
            List<OutgoingEnvelope.Item> out = new ArrayList<>();
            for (io.replaylink.envelope.Item item : envelope().items()) {
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

    /**
     * The envelope this was written from, or parsed from its body (a spooled envelope was checked when it was
     * accepted; one that no longer parses fails the sink that asks, and is retried, counted, like any failure).
     */
    public synchronized Envelope envelope() {
        if (envelope == null) {
            try {
                envelope = parser.parse(body.duplicate());
                parsedHere = true;
            } catch (io.replaylink.envelope.EnvelopeParseException e) {
                throw new IllegalStateException("a spooled envelope does not parse: " + e.getMessage(), e);
            }
        }
        return envelope;
    }
}
