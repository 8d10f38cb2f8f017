package io.replaylink.replay;

import io.replaylink.envelope.Uuids;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading the replay context out of payloads and headers, in every form Sentry SDKs write it. */
class ContextLiftingTest {
    static ByteBuffer json(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsEveryFieldOfAnEventWithoutATree() {
        EventFacts f = EventFactsReader.read(json("""
                {"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","level":"warning","platform":"java",
                 "timestamp":1732600000.25,"exception":{"values":[{"type":"X","stacktrace":{"frames":[{}]}}]},
                 "contexts":{"os":{"name":"Linux"},"replay":{"replay_id":"R1"},"trace":{"trace_id":"T1","span_id":"s"}},
                 "tags":{"replayId":"R2","other":"x"},
                 "request":{"url":"https://x","headers":{"Baggage":"a=b,sentry-replay_id=R3,c=d","sentry-trace":"ST"}}}
                """));
        assertThat(f.eventId()).isEqualTo("9ec79c33ec9942ab8353589fcb2e04dc");
        assertThat(f.level()).isEqualTo("warning");
        assertThat(f.platform()).isEqualTo("java");
        assertThat(f.timestamp()).isEqualTo(1732600000.25);
        assertThat(f.contextReplayId()).isEqualTo("R1");
        assertThat(f.contextTraceId()).isEqualTo("T1");
        assertThat(f.tagReplayId()).isEqualTo("R2");
        assertThat(f.baggageReplayId()).isEqualTo("R3");
        assertThat(f.sentryTraceHeader()).isEqualTo("ST");
    }

    @Test
    void readsTheSameFromReadOnlyAndDirectBuffersAsTheHostHandsThem() {
        // ItemView.payload() gives read-only views; the parser reads those through its own buffer, not a copy
        String event = "{\"event_id\":\"e1\",\"padding\":\"" + "x".repeat(20_000) + "\",\"level\":\"fatal\","
                + "\"contexts\":{\"trace\":{\"trace_id\":\"T9\"}}}";
        ByteBuffer direct = ByteBuffer.allocateDirect(event.length() + 10);
        direct.put("0123456789".getBytes(StandardCharsets.UTF_8)).put(event.getBytes(StandardCharsets.UTF_8)).flip();
        direct.position(10);
        for (ByteBuffer b : List.of(json(event).asReadOnlyBuffer(), direct.asReadOnlyBuffer(), direct)) {
            int position = b.position();
            EventFacts f = EventFactsReader.read(b);
            assertThat(f.eventId()).isEqualTo("e1");
            assertThat(f.level()).isEqualTo("fatal");
            assertThat(f.contextTraceId()).isEqualTo("T9");
            assertThat(b.position()).as("the caller's buffer is not consumed").isEqualTo(position);
        }
    }

    @Test
    void readsTheListOfPairsFormsOfTagsAndHeaders() {
        EventFacts f = EventFactsReader.read(json("""
                {"tags":[["a","b"],["replayId","R2"]],"timestamp":"2026-11-26T10:00:00.500Z",
                 "request":{"headers":[["Host","x"],["baggage","sentry-replay_id=R3"],["Sentry-Trace","ST"]]}}
                """));
        assertThat(f.tagReplayId()).isEqualTo("R2");
        assertThat(f.baggageReplayId()).isEqualTo("R3");
        assertThat(f.sentryTraceHeader()).isEqualTo("ST");
        assertThat(f.timestamp()).isEqualTo(1795687200.5);
        assertThat(f.level()).isEqualTo("error");
    }

    @Test
    void malformedOrOddEventsYieldWhatWasRead() {
        assertThat(EventFactsReader.read(json("{\"event_id\":\"e1\",\"contexts\":")).eventId()).isEqualTo("e1");
        assertThat(EventFactsReader.read(json("[]")).eventId()).isNull();
        assertThat(EventFactsReader.read(json("{\"tags\":[\"x\",[1,2],[\"replayId\"]],\"contexts\":null}"))
                .tagReplayId()).isNull();
    }

    @Test
    void baggageIsDecodedAndBounded() {
        assertThat(Baggage.value("sentry-trace_id=t, sentry-replay_id=%61bc ;prop=1", "sentry-replay_id"))
                .hasValue("abc");
        assertThat(Baggage.value("other=1", "sentry-replay_id")).isEmpty();
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            many.append("k").append(i).append("=v,");
        }
        assertThat(Baggage.value(many + "sentry-replay_id=late", "sentry-replay_id")).as("65th member").isEmpty();
        String huge = "x=" + "a".repeat(9000) + ",sentry-replay_id=r";
        assertThat(Baggage.value(huge, "sentry-replay_id")).as("beyond 8192 chars").isEmpty();
        assertThat(Baggage.value("a+b=c+d,sentry-replay_id=a+b", "sentry-replay_id")).hasValue("a+b");
    }

    @Test
    void sentryTraceHeader() {
        assertThat(SentryTrace.traceId("771a43a4192642f0b136d5159a501700-b0e6f15b45c36b12-1"))
                .isEqualTo("771a43a4192642f0b136d5159a501700");
        assertThat(SentryTrace.traceId("771A43A4192642F0B136D5159A501700-b0e6f15b45c36b12"))
                .isEqualTo("771a43a4192642f0b136d5159a501700");
        assertThat(SentryTrace.traceId("771a43a4-b0e6f15b45c36b12")).isNull();
        assertThat(SentryTrace.traceId("771a43a4192642f0b136d5159a501700-xyz")).isNull();
    }

    @Test
    void idsAreNormalisedToLowercaseHex() {
        assertThat(Uuids.normalize("9EC79C33-EC99-42AB-8353-589FCB2E04DC")).isEqualTo("9ec79c33ec9942ab8353589fcb2e04dc");
        assertThat(Uuids.normalize("9ec79c33ec9942ab8353589fcb2e04dc")).isEqualTo("9ec79c33ec9942ab8353589fcb2e04dc");
        assertThat(Uuids.normalize("9ec79c33ec9942ab8353589fcb2e04d")).isNull();
        assertThat(Uuids.normalize("9ec79c33ec9942ab8353589fcb2e04dz")).isNull();
        assertThat(Uuids.normalize("00000000000000000000000000000000")).isNull();
        assertThat(Uuids.normalize("9ec79c33-ec9942ab-8353-589fcb2e04dc")).isNull();
    }

    @Test
    void replayEventAndSpanPairs() {
        assertThat(TraceReplayPairs.fromReplayEvent(json("""
                {"type":"replay_event","replay_id":"R","segment_id":0,"trace_ids":["T1","T2"],"urls":["x"]}
                """))).containsExactly(new TraceReplayPairs.Pair("T1", "R"), new TraceReplayPairs.Pair("T2", "R"));
        assertThat(TraceReplayPairs.fromSpans(json("""
                {"items":[{"trace_id":"T1","span_id":"a","attributes":{"sentry.replay_id":{"type":"string","value":"R"},
                 "other":{"value":1}}},{"trace_id":"T2","attributes":{}}]}
                """))).containsExactly(new TraceReplayPairs.Pair("T1", "R"));
        assertThat(TraceReplayPairs.fromSpans(json("""
                {"trace_id":"T3","span_id":"b","data":{"sentry.replay_id":"R3"}}
                """))).containsExactly(new TraceReplayPairs.Pair("T3", "R3"));
        assertThat(TraceReplayPairs.fromReplayEvent(json("{\"trace_ids\":[\"T\"]}"))).isEmpty();
    }

    @Test
    void eventLinkMessageIsSentrysFormat() {
        String eventId = "9ec79c33ec9942ab8353589fcb2e04dc";
        byte[] m = EventLinkMessages.message("0123456789abcdef0123456789abcdef", 42, eventId, "warning",
                1732600000, 1732600100);
        String text = new String(m, StandardCharsets.UTF_8);
        assertThat(text).startsWith("{\"type\":\"replay_event\",\"start_time\":1732600100,\"replay_id\":"
                + "\"0123456789abcdef0123456789abcdef\",\"project_id\":42,\"segment_id\":null,\"retention_days\":90,"
                + "\"payload\":[");
        var outer = JsonSpliceTest.parse(text);
        @SuppressWarnings("unchecked")
        List<Long> payload = (List<Long>) outer.get("payload");
        byte[] inner = new byte[payload.size()];
        for (int i = 0; i < inner.length; i++) {
            inner[i] = payload.get(i).byteValue();
        }
        // md5("9ec79c33ec9942ab8353589fcb2e04dc") as Python's str(uuid.UUID(hexdigest))
        assertThat(new String(inner, StandardCharsets.UTF_8)).isEqualTo("{\"type\":\"event_link\",\"replay_id\":"
                + "\"0123456789abcdef0123456789abcdef\",\"event_hash\":\"" + EventLinkMessages.eventHash(eventId)
                + "\",\"timestamp\":1732600000,\"warning_id\":\"" + eventId + "\"}");
        assertThat(EventLinkMessages.eventHash("abc")).isEqualTo("90015098-3cd2-4fb0-d696-3f7d28e17f72");
        assertThat(new String(EventLinkMessages.message("r", 1, "e", "log", 1, 2), StandardCharsets.UTF_8))
                .as("unknown levels count as error").isNotEmpty();
    }
}
