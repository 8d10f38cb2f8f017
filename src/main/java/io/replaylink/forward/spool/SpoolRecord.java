package io.replaylink.forward.spool;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An accepted envelope as the spool keeps it: project, receive time, the headers to forward, and the serialised
 * envelope. On disk each record is framed as {@code magic, length, crc32, body} (see {@link Spool}).
 */
public record SpoolRecord(long projectId, long receivedAtMillis, Map<String, String> forwardHeaders, byte[] envelope) {

    /** The size {@link #encode()} produces, without encoding. */
    public int encodedSize() {
        int size = 8 + 8 + 2 + 4 + envelope.length;
        for (Map.Entry<String, String> h : forwardHeaders.entrySet()) {
            size += 8 + h.getKey().getBytes(StandardCharsets.UTF_8).length
                    + h.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        return size;
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(encodedSize());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(projectId);
            out.writeLong(receivedAtMillis);
            out.writeShort(forwardHeaders.size());
            for (Map.Entry<String, String> h : forwardHeaders.entrySet()) {
                writeString(out, h.getKey());
                writeString(out, h.getValue());
            }
            out.writeInt(envelope.length);
            out.write(envelope);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static SpoolRecord decode(byte[] body) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(body))) {
            long project = in.readLong();
            long received = in.readLong();
            int headers = in.readUnsignedShort();
            Map<String, String> forward = new LinkedHashMap<>();
            for (int i = 0; i < headers; i++) {
                forward.put(readString(in), readString(in));
            }
            int length = in.readInt();
            if (length < 0 || length > body.length) {
                throw new IOException("bad envelope length " + length);
            }
            byte[] envelope = in.readNBytes(length);
            if (envelope.length != length) {
                throw new IOException("truncated envelope");
            }
            return new SpoolRecord(project, received, forward, envelope);
        }
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
