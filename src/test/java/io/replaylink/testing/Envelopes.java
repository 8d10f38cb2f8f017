package io.replaylink.testing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import java.util.stream.Collectors;

/** Envelopes shaped as Sentry SDKs send them, for the linking tests. */
public final class Envelopes {
    private Envelopes() {
    }

    public static String id() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    static String item(String type, String payload) {
        return "{\"type\":\"" + type + "\",\"length\":" + payload.getBytes(StandardCharsets.UTF_8).length + "}\n"
                + payload + "\n";
    }

    /** A backend (Java) error whose DSC came from a baggage without replay id (buffer mode). */
    public static byte[] backendError(String eventId, String traceId) {
        return backendError(eventId, traceId, "error", true);
    }

    public static byte[] backendError(String eventId, String traceId, String level, boolean withDsc) {
        String header = "{\"event_id\":\"" + eventId + "\",\"sdk\":{\"name\":\"sentry.java\",\"version\":\"8.63.0\"}"
                + (withDsc ? ",\"trace\":{\"trace_id\":\"" + traceId + "\",\"public_key\":\"" + TestSidecar.KEY
                + "\",\"sample_rate\":\"1\",\"sampled\":\"true\",\"environment\":\"prod\"}" : "") + "}";
        String event = "{\"event_id\":\"" + eventId + "\",\"level\":\"" + level + "\",\"platform\":\"java\","
                + "\"timestamp\":1732600000.5,\"exception\":{\"values\":[{\"type\":\"IllegalStateException\","
                + "\"value\":\"boom\"}]},\"contexts\":{\"trace\":{\"trace_id\":\"" + traceId
                + "\",\"span_id\":\"b0e6f15b45c36b12\"}}}";
        return (header + "\n" + item("event", event)).getBytes(StandardCharsets.UTF_8);
    }

    /** A backend transaction of the trace. */
    public static byte[] backendTransaction(String eventId, String traceId) {
        String header = "{\"event_id\":\"" + eventId + "\",\"trace\":{\"trace_id\":\"" + traceId
                + "\",\"public_key\":\"" + TestSidecar.KEY + "\",\"sample_rate\":\"0.5\"}}";
        String tx = "{\"event_id\":\"" + eventId + "\",\"type\":\"transaction\",\"platform\":\"java\","
                + "\"transaction\":\"GET /checkout\",\"contexts\":{\"trace\":{\"trace_id\":\"" + traceId
                + "\",\"span_id\":\"b0e6f15b45c36b12\",\"op\":\"http.server\"}},\"spans\":[]}";
        return (header + "\n" + item("transaction", tx)).getBytes(StandardCharsets.UTF_8);
    }

    /** A browser error in buffer mode: only tags.replayId and contexts.trace.trace_id carry the pair. */
    public static byte[] browserError(String eventId, String traceId, String replayId) {
        String header = "{\"event_id\":\"" + eventId + "\",\"sdk\":{\"name\":\"sentry.javascript.browser\","
                + "\"version\":\"11.0.0\"},\"trace\":{\"trace_id\":\"" + traceId + "\",\"public_key\":\""
                + TestSidecar.KEY + "\",\"sampled\":\"false\"}}";
        String event = "{\"event_id\":\"" + eventId + "\",\"level\":\"error\",\"platform\":\"javascript\","
                + "\"tags\":{\"replayId\":\"" + replayId + "\"},\"contexts\":{\"trace\":{\"trace_id\":\"" + traceId
                + "\",\"span_id\":\"a0e6f15b45c36b12\"}}}";
        return (header + "\n" + item("event", event)).getBytes(StandardCharsets.UTF_8);
    }

    /** A later segment of a replay (its replay_event and recording), for the given traces. */
    public static byte[] replaySegment(String replayId, int segment, String... traceIds) {
        String traces = Arrays.stream(traceIds).map(t -> "\"" + t + "\"").collect(Collectors.joining(","));
        String header = "{\"event_id\":\"" + replayId + "\",\"sent_at\":\"2026-11-26T10:00:0" + (segment % 10)
                + "Z\"}";
        String replay = "{\"type\":\"replay_event\",\"replay_id\":\"" + replayId + "\",\"segment_id\":" + segment
                + ",\"replay_type\":\"session\",\"trace_ids\":[" + traces + "],\"error_ids\":[],\"urls\":[]}";
        return (header + "\n" + item("replay_event", replay)
                + item("replay_recording", "{\"segment_id\":" + segment + "}\nrrweb")).getBytes(StandardCharsets.UTF_8);
    }

    /** A replay_event (and its recording) for the given traces. */
    public static byte[] replayEvent(String replayId, String... traceIds) {
        String traces = Arrays.stream(traceIds).map(t -> "\"" + t + "\"").collect(Collectors.joining(","));
        String header = "{\"event_id\":\"" + replayId + "\",\"sent_at\":\"2026-11-26T10:00:00Z\"}";
        String replay = "{\"type\":\"replay_event\",\"replay_id\":\"" + replayId + "\",\"segment_id\":0,"
                + "\"replay_type\":\"buffer\",\"trace_ids\":[" + traces + "],\"error_ids\":[],\"urls\":[]}";
        return (header + "\n" + item("replay_event", replay) + item("replay_recording", "{\"segment_id\":0}\nrrweb"))
                .getBytes(StandardCharsets.UTF_8);
    }
}
