package io.replaylink.envelope;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Writes an envelope back. Header lines that were not changed are written as received; changed ones are
 * serialised anew (an item's {@code length} set to its payload's size). Payloads are not copied: the result is a
 * composite buffer over the items' payloads, each retained once more for it.
 */
public final class EnvelopeWriter {
    private static final ByteBuf NEWLINE = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(1).writeByte('\n').asReadOnly());
    private static final JsonFactory JSON = new JsonFactory();

    private EnvelopeWriter() {
    }

    /** The envelope's bytes; the caller owns (and releases) the returned buffer. */
    public static ByteBuf write(Envelope envelope, ByteBufAllocator alloc) {
        int components = 2 + envelope.items().size() * 4;
        CompositeByteBuf out = alloc.compositeBuffer(components);
        out.addComponent(true, Unpooled.wrappedBuffer(headerBytes(envelope.header())));
        for (Item item : envelope.items()) {
            out.addComponent(true, NEWLINE.duplicate());
            out.addComponent(true, Unpooled.wrappedBuffer(itemHeaderBytes(item)));
            out.addComponent(true, NEWLINE.duplicate());
            out.addComponent(true, item.payload().retainedDuplicate());
        }
        if (envelope.trailingNewline()) {
            out.addComponent(true, NEWLINE.duplicate());
        }
        return out;
    }

    public static byte[] headerBytes(EnvelopeHeader header) {
        return header.raw() != null ? header.raw() : toJson(header.fields());
    }

    public static byte[] itemHeaderBytes(Item item) {
        ItemHeader header = item.header();
        if (header.raw() != null && item.headerMatchesPayload()) {
            return header.raw();
        }
        if (header.length().isPresent() || header.raw() == null) {
            header = header.with("length", (long) item.payload().readableBytes());
        }
        return toJson(header.fields());
    }

    static byte[] toJson(Map<String, Object> fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (JsonGenerator gen = JSON.createGenerator(bytes)) {
            JsonValues.write(gen, fields);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
