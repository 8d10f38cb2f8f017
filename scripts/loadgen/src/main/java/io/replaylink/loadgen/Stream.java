package io.replaylink.loadgen;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A generated stream: the requests in send order with their intended send times, and the expected outcome: which
 * backend error must end up linked to which replay, which must stay unlinked, which requests must be rejected and
 * with what status. Written to and read from a file ({@link #write}, {@link #read}), so a stream can be replayed.
 */
public record Stream(List<Request> requests, Map<String, String> expectedLinks, List<String> expectedUnlinked,
                     Map<Integer, Integer> expectedStatus) {

    /**
     * One request: when (microseconds from the start), where ({@code /api/1/envelope/} or {@code /store/}), what.
     */
    public record Request(long atMicros, String path, String contentType, byte[] body) {
    }

    private static final int MAGIC = 0x524c5354;

    public void write(OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(MAGIC);
        d.writeInt(requests.size());
        for (Request r : requests) {
            d.writeLong(r.atMicros());
            d.writeUTF(r.path());
            d.writeUTF(r.contentType());
            d.writeInt(r.body().length);
            d.write(r.body());
        }
        d.writeInt(expectedLinks.size());
        for (Map.Entry<String, String> e : expectedLinks.entrySet()) {
            d.writeUTF(e.getKey());
            d.writeUTF(e.getValue());
        }
        d.writeInt(expectedUnlinked.size());
        for (String e : expectedUnlinked) {
            d.writeUTF(e);
        }
        d.writeInt(expectedStatus.size());
        for (Map.Entry<Integer, Integer> e : expectedStatus.entrySet()) {
            d.writeInt(e.getKey());
            d.writeInt(e.getValue());
        }
        d.flush();
    }

    public static Stream read(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        if (d.readInt() != MAGIC) {
            throw new IOException("not a ReplayLink stream file");
        }
        int n = d.readInt();
        List<Request> requests = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long at = d.readLong();
            String path = d.readUTF();
            String type = d.readUTF();
            byte[] body = new byte[d.readInt()];
            d.readFully(body);
            requests.add(new Request(at, path, type, body));
        }
        Map<String, String> links = new LinkedHashMap<>();
        for (int i = d.readInt(); i > 0; i--) {
            links.put(d.readUTF(), d.readUTF());
        }
        List<String> unlinked = new ArrayList<>();
        for (int i = d.readInt(); i > 0; i--) {
            unlinked.add(d.readUTF());
        }
        Map<Integer, Integer> status = new LinkedHashMap<>();
        for (int i = d.readInt(); i > 0; i--) {
            status.put(d.readInt(), d.readInt());
        }
        if (d.read() != -1) {
            throw new EOFException("trailing bytes in stream file");
        }
        return new Stream(requests, links, unlinked, status);
    }
}
