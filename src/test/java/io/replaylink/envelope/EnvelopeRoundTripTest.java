package io.replaylink.envelope;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property: for every valid envelope, parse then write gives the input back byte for byte. Envelopes are generated
 * from a seeded random source (the seed is in the failure message), with known and unknown item types, explicit and
 * implicit lengths, payloads holding newlines, carriage returns and arbitrary bytes, and with or without the
 * trailing newline.
 */
class EnvelopeRoundTripTest {
    static final String[] TYPES = {"event", "transaction", "attachment", "session", "replay_event",
            "replay_recording", "span", "client_report", "check_in", "profile", "x_unknown", "hologram"};
    static final java.util.Set<String> ONCE = java.util.Set.of("replay_recording", "check_in", "profile");

    @Test
    void parseThenWriteIsIdentityOverGeneratedEnvelopes() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        EnvelopeParser parser = new EnvelopeParser(EnvelopeLimits.relayDefaults());
        for (int n = 0; n < 2000; n++) {
            byte[] input = generate(random);
            Envelope e = parser.parse(Unpooled.wrappedBuffer(input));
            try {
                assertThat(EnvelopeParserTest.written(e))
                        .as("seed %d, envelope %d:%n%s", seed, n, new String(input, StandardCharsets.ISO_8859_1))
                        .isEqualTo(input);
            } finally {
                e.release();
            }
        }
    }

    static byte[] generate(Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder header = new StringBuilder("{");
        if (r.nextBoolean()) {
            header.append("\"event_id\":\"").append(hex(r, 32)).append("\",");
        }
        if (r.nextBoolean()) {
            header.append("\"trace\":{\"trace_id\":\"").append(hex(r, 32))
                    .append("\",\"sample_rate\":\"0.").append(r.nextInt(100)).append("\"},");
        }
        header.append("\"x_").append(r.nextInt(1000)).append("\":[").append(r.nextInt()).append(",1.0e3,null]}");
        write(out, header.toString());
        int items = r.nextInt(6);
        java.util.Set<String> once = new java.util.HashSet<>();
        boolean trailing = r.nextBoolean();
        for (int i = 0; i < items; i++) {
            out.write('\n');
            String type = TYPES[r.nextInt(TYPES.length)];
            // within Relay's per-type budgets: one event-like item in all, one of each once-only type
            boolean eventLike = type.equals("event") || type.equals("transaction") || type.equals("replay_event");
            if (eventLike ? !once.add("event-like") : ONCE.contains(type) && !once.add(type)) {
                type = "x_unknown";
            }
            byte[] payload = new byte[r.nextInt(200)];
            boolean implicit = r.nextInt(3) == 0;
            if (implicit) {
                for (int b = 0; b < payload.length; b++) {
                    byte v;
                    do {
                        v = (byte) r.nextInt(256);
                    } while (v == '\n');
                    payload[b] = v;
                }
                write(out, "{\"type\":\"" + type + "\",\"filename\":\"f" + i + "\"}\n");
            } else {
                r.nextBytes(payload);
                write(out, "{\"type\":\"" + type + "\",\"length\":" + payload.length + ",\"content_type\":\"x\"}\n");
            }
            out.write(payload, 0, payload.length);
        }
        if (trailing) {
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static String hex(Random r, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append(Character.forDigit(r.nextInt(16), 16));
        }
        return s.toString();
    }

    private static void write(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
    }
}
