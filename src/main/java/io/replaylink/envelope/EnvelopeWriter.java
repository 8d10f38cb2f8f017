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
        PlainJson plain = new PlainJson();
        if (plainJson(plain, fields)) {
            return plain.toBytes();
        }
        return jacksonJson(fields);
    }

    /** {@link #toJson} by jackson alone (also what {@link #plainJson} is tested against). */
    static byte[] jacksonJson(Map<String, Object> fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (JsonGenerator gen = JSON.createGenerator(bytes)) {
            JsonValues.write(gen, fields);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Writes {@code value} as jackson writes it ({@link JsonValues#write}) when it takes no escaping and no number
     * formatting of jackson's own: strings and keys of printable ASCII without a quote or backslash, whole numbers,
     * BigDecimals (their {@code toString}, as jackson's default), booleans, null, maps and lists of those. False (and
     * {@code out} in any state) for anything else: jackson writes it. A header that changed is written once per
     * envelope (an item's new length, the DSC's replay id): a generator per header cost more than the writing.
     */
    static boolean plainJson(PlainJson out, Object value) {
        if (value == null) {
            return out.ascii("null");
        } else if (value instanceof String s) {
            return out.string(s);
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte
                || value instanceof java.math.BigInteger || value instanceof java.math.BigDecimal) {
            return out.ascii(value.toString());
        } else if (value instanceof Boolean b) {
            return out.ascii(b ? "true" : "false");
        } else if (value instanceof Map<?, ?> map) {
            out.put('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    out.put(',');
                }
                first = false;
                if (!out.string(String.valueOf(e.getKey()))) {
                    return false;
                }
                out.put(':');
                if (!plainJson(out, e.getValue())) {
                    return false;
                }
            }
            out.put('}');
        } else if (value instanceof java.util.List<?> list) {
            out.put('[');
            for (int k = 0; k < list.size(); k++) {
                if (k > 0) {
                    out.put(',');
                }
                if (!plainJson(out, list.get(k))) {
                    return false;
                }
            }
            out.put(']');
        } else {
            return false;
        }
        return true;
    }

    /** The bytes {@link #plainJson} writes: ASCII only, checked as it is copied. */
    static final class PlainJson {
        private byte[] bytes = new byte[256];
        private int size;

        void put(char c) {
            if (size == bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, 2 * size);
            }
            bytes[size++] = (byte) c;
        }

        /** Printable ASCII without a quote or backslash, else false (a string jackson would escape or encode). */
        boolean ascii(String s) {
            int n = s.length();
            if (size + n > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(2 * bytes.length, size + n + 2));
            }
            for (int k = 0; k < n; k++) {
                char c = s.charAt(k);
                if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                    return false;
                }
                bytes[size + k] = (byte) c;
            }
            size += n;
            return true;
        }

        boolean string(String s) {
            put('"');
            boolean plain = ascii(s);
            put('"');
            return plain;
        }

        byte[] toBytes() {
            return java.util.Arrays.copyOf(bytes, size);
        }

        @Override
        public String toString() {
            return new String(bytes, 0, size, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }
}
