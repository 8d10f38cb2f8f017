package io.replaylink.forward.spool;

import io.replaylink.spi.OutcomeMessage;
import io.replaylink.spi.ReplayLinkMessage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the spool keeps: an accepted envelope (project, receive time, the headers to forward, the serialised
 * envelope), or an event_link message or a Relay outcome that processing emitted ({@code body} their encoding). On
 * disk each record is framed as {@code magic, length, crc32, body} (see {@link Spool}); an envelope record starts
 * with its project id (always positive), the others with their kind's negative code, so envelope records written
 * before the other kinds existed read as they were written.
 */
public record SpoolRecord(Kind kind, long projectId, long receivedAtMillis, Map<String, String> forwardHeaders,
                          byte[] body) {

    public enum Kind {
        ENVELOPE(0), LINK(-1), OUTCOME(-2);

        final long code;

        Kind(long code) {
            this.code = code;
        }
    }

    public static SpoolRecord envelope(long projectId, long receivedAtMillis, Map<String, String> forwardHeaders,
                                       byte[] envelope) {
        return new SpoolRecord(Kind.ENVELOPE, projectId, receivedAtMillis, forwardHeaders, envelope);
    }

    public static SpoolRecord link(ReplayLinkMessage link, long receivedAtMillis) {
        return new SpoolRecord(Kind.LINK, link.projectId(), receivedAtMillis, Map.of(), write(out -> {
            out.writeUTF(link.replayId());
            out.writeUTF(link.eventId());
            out.writeInt(link.message().length);
            out.write(link.message());
        }));
    }

    public static SpoolRecord outcome(OutcomeMessage o, long receivedAtMillis) {
        return new SpoolRecord(Kind.OUTCOME, o.projectId(), receivedAtMillis, Map.of(), write(out -> {
            out.writeLong(o.timestampSeconds());
            out.writeUTF(o.eventId() == null ? "" : o.eventId());
            out.writeInt(o.outcome());
            out.writeUTF(o.reason() == null ? "" : o.reason());
            out.writeInt(o.category());
            out.writeLong(o.quantity());
            out.writeUTF(o.remoteAddr() == null ? "" : o.remoteAddr());
        }));
    }

    /** The event_link message of a {@link Kind#LINK} record. */
    public ReplayLinkMessage toLink() throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
            String replayId = in.readUTF();
            String eventId = in.readUTF();
            return new ReplayLinkMessage(projectId, replayId, eventId, readBytes(in, body.length));
        }
    }

    /** The outcome of an {@link Kind#OUTCOME} record. */
    public OutcomeMessage toOutcome() throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(body))) {
            long timestamp = in.readLong();
            String eventId = in.readUTF();
            int outcome = in.readInt();
            String reason = in.readUTF();
            int category = in.readInt();
            long quantity = in.readLong();
            String remoteAddr = in.readUTF();
            return new OutcomeMessage(timestamp, projectId, eventId.isEmpty() ? null : eventId, outcome,
                    reason.isEmpty() ? null : reason, category, quantity, remoteAddr.isEmpty() ? null : remoteAddr);
        }
    }

    /** The size {@link #encode()} produces, without encoding. */
    public int encodedSize() {
        int size = (kind == Kind.ENVELOPE ? 0 : 8) + 8 + 8 + 2 + 4 + body.length;
        for (Map.Entry<String, String> h : forwardHeaders.entrySet()) {
            size += 8 + h.getKey().getBytes(StandardCharsets.UTF_8).length
                    + h.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        return size;
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encodedSize());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            if (kind != Kind.ENVELOPE) {
                out.writeLong(kind.code);
            }
            out.writeLong(projectId);
            out.writeLong(receivedAtMillis);
            out.writeShort(forwardHeaders.size());
            for (Map.Entry<String, String> h : forwardHeaders.entrySet()) {
                writeString(out, h.getKey());
                writeString(out, h.getValue());
            }
            out.writeInt(body.length);
            out.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static SpoolRecord decode(byte[] encoded) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            long first = in.readLong();
            Kind kind = Kind.ENVELOPE;
            if (first <= 0) {
                kind = first == Kind.LINK.code ? Kind.LINK : first == Kind.OUTCOME.code ? Kind.OUTCOME : null;
                if (kind == null) {
                    throw new IOException("unknown record kind " + first);
                }
                first = in.readLong();
            }
            long received = in.readLong();
            int headers = in.readUnsignedShort();
            Map<String, String> forward = new LinkedHashMap<>();
            for (int i = 0; i < headers; i++) {
                forward.put(readString(in), readString(in));
            }
            return new SpoolRecord(kind, first, received, forward, readBytes(in, encoded.length));
        }
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A length-prefixed byte array of at most {@code max} bytes. */
    private static byte[] readBytes(DataInputStream in, int max) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > max) {
            throw new IOException("bad length " + length);
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) {
            throw new IOException("truncated record");
        }
        return bytes;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1 << 20) {
            throw new IOException("bad string length " + n);
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
