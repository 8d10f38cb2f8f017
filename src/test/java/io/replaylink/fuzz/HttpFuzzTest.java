package io.replaylink.fuzz;

import io.netty.buffer.Unpooled;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeLimits;
import io.replaylink.envelope.EnvelopeParseException;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Black-box fuzzing over real HTTP: envelopes the real Java SDK sent, mutated (bytes flipped, inserted, deleted,
 * repeated, cut; numbers made huge; sometimes gzipped, sometimes the gzip cut), sent over keep-alive connections.
 * Properties: no 5xx, every answer's body is JSON (with a {@code detail} when not 200), health answers throughout,
 * and every envelope answered 200 that has items reaches the upstream. {@code -Dreplaylink.httpFuzz.requests=N} runs
 * longer (default 2,000); {@code -Dreplaylink.httpFuzz.seed=S} replays a run.
 */
class HttpFuzzTest {
    @Test
    void mutatedSdkEnvelopesNeverGetA5xxAndEveryAcceptedOneIsDelivered() throws Exception {
        int requests = Integer.getInteger("replaylink.httpFuzz.requests", 2000);
        long seed = Long.getLong("replaylink.httpFuzz.seed", System.nanoTime());
        Random random = new Random(seed);
        List<byte[]> seeds = seeds();
        EnvelopeParser parser = new EnvelopeParser(EnvelopeLimits.relayDefaults());
        TreeMap<Integer, Integer> statuses = new TreeMap<>();
        int expectedDeliveries = 0;
        try (CapturingUpstream upstream = CapturingUpstream.start();
             TestSidecar sidecar = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), ""))) {
            for (int n = 0; n < requests; n++) {
                byte[] body = mutate(random, seeds.get(random.nextInt(seeds.size())));
                boolean gzip = random.nextInt(5) == 0;
                byte[] sent = gzip ? gzip(body, random) : body;
                HttpResponse<String> r = gzip
                        ? sidecar.post("/api/1/envelope/?sentry_key=" + KEY, sent, "Content-Encoding", "gzip")
                        : sidecar.post("/api/1/envelope/?sentry_key=" + KEY, sent);
                String where = "seed " + seed + ", request " + n + ": " + r.statusCode() + " " + r.body();
                assertThat(r.statusCode()).as(where).isLessThan(500);
                statuses.merge(r.statusCode(), 1, Integer::sum);
                io.vertx.core.json.JsonObject answer = new io.vertx.core.json.JsonObject(r.body()); // throws if not
                if (r.statusCode() != 200) {
                    assertThat(answer.getValue("detail")).as(where).isInstanceOf(String.class);
                } else if (hasItems(parser, body)) {
                    expectedDeliveries++;
                }
                if (n % 100 == 0) {
                    assertThat(sidecar.get("/api/relay/healthcheck/live/").statusCode()).as(where).isEqualTo(200);
                }
            }
            long deadline = System.currentTimeMillis() + 10_000;
            while (upstream.requestCount() < expectedDeliveries && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            System.out.printf("http fuzz: %d requests, seed %d, answers %s, %d delivered%n", requests, seed, statuses,
                    upstream.requestCount());
            assertThat(upstream.requestCount()).as("seed %d: every 200 with items delivered, once", seed)
                    .isEqualTo(expectedDeliveries);
            assertThat(statuses).as("the mutations reach both answers").containsKeys(200, 400);
        }
    }

    /** Bytes that make or break JSON and envelope structure. */
    static final byte[] STRUCTURE = "\n\r{}[]\":,\\".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    static boolean hasItems(EnvelopeParser parser, byte[] body) {
        try {
            Envelope e = parser.parse(Unpooled.wrappedBuffer(body));
            boolean items = !e.items().isEmpty();
            e.release();
            return items;
        } catch (EnvelopeParseException e) {
            return false;
        }
    }

    static List<byte[]> seeds() throws Exception {
        Path dir = Path.of("test/resources/io/replaylink/fuzz/EnvelopeFuzzTestInputs/"
                + "envelopesParseOrAreRejectedAndRoundTrip");
        if (!Files.isDirectory(dir)) {
            dir = Path.of("src").resolve(dir);
        }
        List<byte[]> seeds = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                seeds.add(Files.readAllBytes(f));
            }
        }
        assertThat(seeds).isNotEmpty();
        return seeds;
    }

    static byte[] mutate(Random r, byte[] input) {
        byte[] out = input;
        int mutations = r.nextInt(4);
        for (int m = 0; m < mutations && out.length > 0; m++) {
            int at = r.nextInt(out.length);
            switch (r.nextInt(7)) {
                case 0 -> { // flip bits of a byte
                    out = out.clone();
                    out[at] ^= (byte) (1 << r.nextInt(8));
                }
                case 1 -> out = splice(out, at, at, randomBytes(r, 1 + r.nextInt(8)));
                case 2 -> out = splice(out, at, Math.min(out.length, at + 1 + r.nextInt(32)), new byte[0]);
                case 3 -> { // repeat a range
                    int end = Math.min(out.length, at + 1 + r.nextInt(64));
                    out = splice(out, end, end, java.util.Arrays.copyOfRange(out, at, end));
                }
                case 4 -> out = java.util.Arrays.copyOf(out, at); // cut
                case 5 -> { // a digit becomes a huge number
                    for (int i = at; i < out.length; i++) {
                        if (out[i] >= '0' && out[i] <= '9') {
                            out = splice(out, i, i + 1, "99999999999999999999e999".getBytes());
                            break;
                        }
                    }
                }
                default -> out = splice(out, at, at, new byte[] {STRUCTURE[r.nextInt(STRUCTURE.length)]});
            }
        }
        return out;
    }

    static byte[] splice(byte[] in, int from, int to, byte[] with) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + with.length);
        out.write(in, 0, from);
        out.writeBytes(with);
        out.write(in, to, in.length - to);
        return out.toByteArray();
    }

    static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    static byte[] gzip(byte[] body, Random r) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body);
        }
        byte[] z = out.toByteArray();
        return r.nextInt(4) == 0 ? java.util.Arrays.copyOf(z, r.nextInt(z.length)) : z;
    }
}
