package io.replaylink.envelope;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The writer's own JSON for changed headers against jackson's (the oracle): on random header values of every type
 * JsonValues reads and some it does not, strings with every character up to U+0100; wherever the plain writer takes
 * a value, its bytes must be jackson's.
 */
class EnvelopeWriterJsonTest {
    @Test
    void plainWritingIsJacksonsByteForByte() {
        Random random = new Random(5);
        int plain = 0;
        int total = 40_000;
        for (int n = 0; n < total; n++) {
            Map<String, Object> header = map(random, 0);
            EnvelopeWriter.PlainJson out = new EnvelopeWriter.PlainJson();
            if (EnvelopeWriter.plainJson(out, header)) {
                plain++;
                assertThat(out.toString()).isEqualTo(
                        new String(EnvelopeWriter.jacksonJson(header), StandardCharsets.ISO_8859_1));
                assertThat(EnvelopeWriter.toJson(header)).isEqualTo(EnvelopeWriter.jacksonJson(header));
            } else {
                assertThat(EnvelopeWriter.toJson(header)).isEqualTo(EnvelopeWriter.jacksonJson(header));
            }
        }
        assertThat(plain).isGreaterThan(total / 5);
    }

    @Test
    void sdkHeadersAreWrittenPlain() {
        Map<String, Object> trace = new LinkedHashMap<>();
        trace.put("trace_id", "771a43a4192642f0b136d5159a501700");
        trace.put("sample_rate", new BigDecimal("0.25"));
        trace.put("sampled", true);
        trace.put("replay_id", "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("event_id", "9ec79c33ec9942ab8353589fcb2e04dc");
        header.put("sdk", Map.of("name", "sentry.java"));
        header.put("trace", trace);
        header.put("length", 1995L);
        EnvelopeWriter.PlainJson out = new EnvelopeWriter.PlainJson();
        assertThat(EnvelopeWriter.plainJson(out, header)).isTrue();
        assertThat(out.toString()).isEqualTo("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"sdk\":{\"name\":"
                + "\"sentry.java\"},\"trace\":{\"trace_id\":\"771a43a4192642f0b136d5159a501700\",\"sample_rate\":0.25,"
                + "\"sampled\":true,\"replay_id\":\"0f1e2d3c4b5a69788796a5b4c3d2e1f0\"},\"length\":1995}");
    }

    private static Map<String, Object> map(Random random, int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        int n = random.nextInt(depth > 2 ? 2 : 6);
        for (int k = 0; k < n; k++) {
            m.put(text(random), value(random, depth + 1));
        }
        return m;
    }

    private static Object value(Random random, int depth) {
        return switch (random.nextInt(depth > 3 ? 9 : 12)) {
            case 0, 1 -> text(random);
            case 2 -> random.nextLong();
            case 3 -> (long) random.nextInt(3000);
            case 4 -> new BigDecimal(new String[] {"0.25", "-0.0", "1E+3", "1e-10", "123456789.123456789", "5E-7",
                "0.000001", "1.0", "-12.5e2", "0"}[random.nextInt(10)]);
            case 5 -> new BigInteger("123456789012345678901234567890").negate();
            case 6 -> random.nextBoolean();
            case 7 -> null;
            case 8 -> random.nextInt(4) == 0 ? random.nextDouble() : random.nextInt(100);
            case 9, 10 -> map(random, depth);
            default -> {
                List<Object> list = new ArrayList<>();
                int n = random.nextInt(4);
                for (int k = 0; k < n; k++) {
                    list.add(value(random, depth + 1));
                }
                yield random.nextBoolean() ? list : Arrays.asList(list.toArray());
            }
        };
    }

    private static String text(Random random) {
        String[] plain = {"event_id", "trace", "sentry.java", "2026-12-04T10:00:00.000Z", "a b", "x/y", "~", ""};
        if (random.nextInt(4) > 0) {
            return plain[random.nextInt(plain.length)];
        }
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(5);
        for (int k = 0; k < n; k++) {
            s.append((char) random.nextInt(0x101));
        }
        return s.toString();
    }
}
