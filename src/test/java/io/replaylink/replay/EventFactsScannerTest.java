package io.replaylink.replay;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scanner answers for an event only what the jackson reader answers (the oracle), on SDK-shaped events and on
 * many mutations of them and of odd shapes; it gives up rather than differ, and it does answer for the events SDKs
 * send.
 */
class EventFactsScannerTest {
    static final String JAVA_ERROR = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"contexts\":{\"trace\":{"
            + "\"trace_id\":\"771a43a4192642f0b136d5159a501700\",\"span_id\":\"b0e6f15b45c36b12\",\"op\":\"http.server\"},"
            + "\"runtime\":{\"name\":\"OpenJDK\",\"version\":\"17.0.15\"}},\"sdk\":{\"name\":\"sentry.java\",\"packages\":["
            + "{\"name\":\"maven:io.sentry:sentry\",\"version\":\"8.63.0\"}]},\"tags\":{\"http.route\":\"/checkout\"},"
            + "\"platform\":\"java\",\"timestamp\":\"2026-12-04T10:00:00.000Z\",\"threads\":{\"values\":[{\"id\":57,"
            + "\"crashed\":true,\"current\":false,\"daemon\":null}]},\"exception\":{\"values\":[{\"type\":\"E\",\"value\":"
            + "\"SKU 4711 has 0 units left \\\"x\\\" \\u00e9\",\"stacktrace\":{\"frames\":[{\"lineno\":840,\"in_app\":false,"
            + "\"x\":-1.5e-3}]}}]},\"level\":\"error\"}";
    static final String BROWSER_ERROR = "{\"event_id\":\"a1\",\"platform\":\"javascript\",\"timestamp\":1796378405.25,"
            + "\"tags\":{\"replayId\":\"0123456789abcdef0123456789abcdef\"},\"contexts\":{\"replay\":{\"replay_id\":"
            + "\"fedcba9876543210fedcba9876543210\"},\"trace\":{\"trace_id\":5}},\"request\":{\"url\":\"https://ä.example\","
            + "\"headers\":{\"Baggage\":\"sentry-trace_id=1,sentry-replay_id=0123456789abcdef0123456789abcdef\","
            + "\"sentry-trace\":\"771a43a4192642f0b136d5159a501700-b0e6f15b45c36b12-1\"}}}";
    static final String PAIRS = "{\"tags\":[[\"a\",\"b\"],[\"replayId\",\"0123456789abcdef0123456789abcdef\",7],5,"
            + "[\"replayId\",\"x\"]],\"request\":{\"headers\":[[\"BAGGAGE\",\"sentry-replay_id=ab\"],[\"sentry-trace\","
            + "\"t-s\"],{\"k\":1}],\"headers\":{}},\"timestamp\":-0,\"level\":7,\"event_id\":null}";

    @Test
    void answersWhatJacksonAnswersOrGivesUp() {
        List<String> shapes = new ArrayList<>(ReplaySlotTest.SHAPES);
        shapes.addAll(List.of(JAVA_ERROR, BROWSER_ERROR, PAIRS, "{\"timestamp\":12345678901234567890}",
                "{\"timestamp\":1e400,\"platform\":\"\\u006aava\"}", "\uFEFF{}", "{}{}", "{\"a\":01}",
                "{\"ſentry-trace\":1,\"request\":{\"headers\":{\"ſentry-trace\":\"t\"}}}",
                "{\"a\":\"\u0001\"}", "{\"a\":[1,2,]}", "{\"a\":tru}", "{\"a\":\"\u00e9\ud83d\ude00\"}"));
        Random random = new Random(11);
        String alphabet = "{}[]\":,0 1-.eE\\u/ntrepplayidcxs_BAGÿé\u0001";
        int compared = 0;
        int scanned = 0;
        for (String shape : shapes) {
            for (int i = 0; i < 3000; i++) {
                byte[] json = i == 0 ? shape.getBytes(StandardCharsets.UTF_8)
                        : mutate(shape.getBytes(StandardCharsets.UTF_8), random, alphabet);
                ByteBuffer heap = ByteBuffer.wrap(frame(json), 3, json.length).slice();
                ByteBuffer direct = ByteBuffer.allocateDirect(json.length).put(json).flip().asReadOnlyBuffer();
                EventFacts expected = EventFactsReader.readWithJackson(heap);
                for (ByteBuffer payload : List.of(heap, direct)) {
                    EventFacts fast = EventFactsReader.scan(payload);
                    if (fast != null) {
                        scanned++;
                        assertThat(fast).as(new String(json, StandardCharsets.UTF_8)).isEqualTo(expected);
                    }
                    assertThat(EventFactsReader.read(payload)).isEqualTo(expected);
                }
                compared++;
            }
        }
        assertThat(compared).isEqualTo(shapes.size() * 3000);
        // the scanner answers for a good share even of mutated events (each mutation is mostly still JSON)
        assertThat(scanned).isGreaterThan(compared / 5);
    }

    @Test
    void answersForTheEventsSdksSend() {
        for (String event : List.of(JAVA_ERROR, BROWSER_ERROR, PAIRS)) {
            EventFacts fast = EventFactsReader.scan(ByteBuffer.wrap(event.getBytes(StandardCharsets.UTF_8)));
            assertThat(fast).as(event).isNotNull();
        }
        EventFacts browser = EventFactsReader.scan(ByteBuffer.wrap(BROWSER_ERROR.getBytes(StandardCharsets.UTF_8)));
        assertThat(browser.tagReplayId()).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(browser.contextReplayId()).isEqualTo("fedcba9876543210fedcba9876543210");
        assertThat(browser.baggageReplayId()).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(browser.contextTraceId()).isNull();
        assertThat(browser.timestamp()).isEqualTo(1796378405.25);
        assertThat(browser.replaySlot()).isEqualTo(ReplaySlot.PRESENT);
        EventFacts pairs = EventFactsReader.scan(ByteBuffer.wrap(PAIRS.getBytes(StandardCharsets.UTF_8)));
        assertThat(pairs.tagReplayId()).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(pairs.baggageReplayId()).isEqualTo("ab");
        assertThat(pairs.sentryTraceHeader()).isEqualTo("t-s");
        assertThat(pairs.level()).isEqualTo("error");
        // an escape in a name the reader looks at, a byte-order mark, bad JSON: jackson decides
        for (String unsure : List.of("{\"platform\":\"\\u006aava\"}", "\uFEFF{}", "{}{}", "{\"a\":01}")) {
            assertThat(EventFactsReader.scan(ByteBuffer.wrap(unsure.getBytes(StandardCharsets.UTF_8)))).as(unsure)
                    .isNull();
        }
    }

    private static byte[] frame(byte[] json) {
        byte[] framed = new byte[json.length + 6];
        framed[0] = '"';
        framed[framed.length - 1] = '"';
        System.arraycopy(json, 0, framed, 3, json.length);
        return framed;
    }

    private static byte[] mutate(byte[] json, Random random, String alphabet) {
        byte[] bytes = ReplaySlotTest.mutated(new String(json, StandardCharsets.UTF_8), random, alphabet)
                .getBytes(StandardCharsets.UTF_8);
        if (random.nextInt(8) == 0 && bytes.length > 0) {
            // a raw byte that may break UTF-8
            bytes[random.nextInt(bytes.length)] = (byte) (0x80 + random.nextInt(128));
        }
        return bytes;
    }
}
