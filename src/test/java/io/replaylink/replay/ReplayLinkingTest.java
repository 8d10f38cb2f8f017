package io.replaylink.replay;

import io.replaylink.testing.CollectingSinkProvider;
import io.replaylink.testing.CollectingSinkProvider.Collected;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.TestSidecar;
import io.replaylink.spi.ReplayLinkMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.replaylink.testing.Envelopes.id;
import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/** Linking end to end through a real sidecar (in-process index), every path of the contract. */
class ReplayLinkingTest {
    static TestSidecar sidecar;
    static Collected out;

    @BeforeAll
    static void start() {
        sidecar = TestSidecar.start("""
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                index: {name: memory}
                processors: [replay-linker]
                sinks: [{name: test-collect, config: {id: linking}}]
                """);
        out = CollectingSinkProvider.get("linking");
    }

    @AfterAll
    static void stop() {
        sidecar.close();
    }

    @BeforeEach
    void clear() {
        out.envelopes().clear();
        out.links().clear();
    }

    static String send(byte[] envelope) throws Exception {
        var r = sidecar.post("/api/1/envelope/?sentry_key=" + KEY, envelope);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        byte[] forwarded = out.envelopes().poll(5, TimeUnit.SECONDS);
        assertThat(forwarded).isNotNull();
        return new String(forwarded, StandardCharsets.UTF_8);
    }

    static String replayContext(String replayId) {
        return "\"contexts\":{\"replay\":{\"replay_id\":\"" + replayId + "\"},";
    }

    @Test
    void replayFirstThenBackendErrorIsEnrichedInline() throws Exception {
        String trace = id();
        String replay = id();
        String event = id();
        send(Envelopes.replayEvent(replay, trace));
        String forwarded = send(Envelopes.backendError(event, trace));
        assertThat(forwarded).contains(replayContext(replay))
                .contains("\"trace\":{\"trace_id\":\"" + trace + "\",\"public_key\":\"" + KEY
                        + "\",\"sample_rate\":\"1\",\"sampled\":\"true\",\"environment\":\"prod\",\"replay_id\":\""
                        + replay + "\"}");
        String[] lines = forwarded.split("\n");
        assertThat(lines[1]).isEqualTo("{\"type\":\"event\",\"length\":" + lines[2].getBytes(StandardCharsets.UTF_8)
                .length + "}");
        assertThat(out.links()).isEmpty();
    }

    @Test
    void backendErrorFirstIsLinkedByAnEventLinkWhenTheReplayArrivesExactlyOnce() throws Exception {
        String trace = id();
        String replay = id();
        String event = id();
        byte[] error = Envelopes.backendError(event, trace, "warning", true);
        String forwarded = send(error);
        assertThat(forwarded).isEqualTo(new String(error, StandardCharsets.UTF_8));
        assertThat(out.links()).isEmpty();
        send(Envelopes.replayEvent(replay, trace));
        ReplayLinkMessage link = out.links().poll(5, TimeUnit.SECONDS);
        assertThat(link).isNotNull();
        assertThat(link.replayId()).isEqualTo(replay);
        assertThat(link.eventId()).isEqualTo(event);
        assertThat(link.projectId()).isEqualTo(1);
        String message = new String(link.message(), StandardCharsets.UTF_8);
        assertThat(message).contains("\"replay_id\":\"" + replay + "\"", "\"project_id\":1", "\"segment_id\":null");
        assertThat(innerPayload(message)).isEqualTo("{\"type\":\"event_link\",\"replay_id\":\"" + replay
                + "\",\"event_hash\":\"" + EventLinkMessages.eventHash(event) + "\",\"timestamp\":1732600000,"
                + "\"warning_id\":\"" + event + "\"}");
        send(Envelopes.replayEvent(replay, trace));
        assertThat(out.links().poll(300, TimeUnit.MILLISECONDS)).as("no second link").isNull();
    }

    @Test
    void bufferModeSequenceLinksThroughTheBrowserErrorsReplayIdTag() throws Exception {
        String trace = id();
        String replay = id();
        String backend = id();
        String browser = id();
        send(Envelopes.backendError(backend, trace));
        String browserForwarded = send(Envelopes.browserError(browser, trace, replay));
        assertThat(browserForwarded).as("the browser error itself gains contexts.replay and DSC replay_id")
                .contains(replayContext(replay)).contains("\"replay_id\":\"" + replay + "\"}");
        ReplayLinkMessage link = out.links().poll(5, TimeUnit.SECONDS);
        assertThat(link).isNotNull();
        assertThat(link.eventId()).isEqualTo(backend);
        send(Envelopes.replayEvent(replay, trace));
        assertThat(out.links().poll(300, TimeUnit.MILLISECONDS)).isNull();
        String metrics = sidecar.get("/metrics").body();
        assertThat(metrics).containsPattern("replaylink_links_total\\{path=\"backfill\"} [1-9]")
                .containsPattern("replaylink_backend_error_events_linked_total\\{path=\"backfill\"} [1-9]");
    }

    @Test
    void baggageInTheEventsRequestHeadersLinksAndFillsTheDsc() throws Exception {
        String trace = id();
        String replay = id();
        String event = id();
        String header = "{\"event_id\":\"" + event + "\",\"trace\":{\"trace_id\":\"" + trace + "\",\"sample_rate\":"
                + "\"0.25\"}}";
        String payload = "{\"event_id\":\"" + event + "\",\"platform\":\"node\",\"request\":{\"headers\":[[\"baggage\","
                + "\"sentry-trace_id=" + trace + ",sentry-replay_id=" + replay + "\"]]}}";
        String forwarded = send((header + "\n{\"type\":\"event\"}\n" + payload + "\n").getBytes(StandardCharsets.UTF_8));
        assertThat(forwarded).startsWith("{\"event_id\":\"" + event + "\",\"trace\":{\"trace_id\":\"" + trace
                + "\",\"sample_rate\":\"0.25\",\"replay_id\":\"" + replay + "\"}}\n");
        assertThat(forwarded).contains("{\"contexts\":{\"replay\":{\"replay_id\":\"" + replay + "\"}},\"event_id\"");
        // and the pair now feeds the index: a later event of the trace without any replay id is linked
        String later = send(Envelopes.backendError(id(), trace));
        assertThat(later).contains(replayContext(replay));
    }

    @Test
    void eventWithContextsReplayIsForwardedByteForByte() throws Exception {
        String trace = id();
        String replay = id();
        String header = "{\"event_id\":\"" + id() + "\"}";
        String payload = "{\"contexts\":{\"replay\":{\"replay_id\":\"" + replay + "\"},\"trace\":{\"trace_id\":\""
                + trace + "\"}}}";
        byte[] envelope = (header + "\n{\"type\":\"event\"}\n" + payload + "\n").getBytes(StandardCharsets.UTF_8);
        assertThat(send(envelope)).isEqualTo(new String(envelope, StandardCharsets.UTF_8));
        assertThat(send(Envelopes.backendError(id(), trace))).as("and it fed the index").contains(replayContext(replay));
    }

    @Test
    void dscReplayIdLinksAndFeedsTheIndex() throws Exception {
        String trace = id();
        String replay = id();
        String header = "{\"trace\":{\"trace_id\":\"" + trace + "\",\"replay_id\":\"" + replay.toUpperCase() + "\"}}";
        String payload = "{\"event_id\":\"" + id() + "\",\"platform\":\"python\"}";
        String forwarded = send((header + "\n{\"type\":\"event\"}\n" + payload + "\n").getBytes(StandardCharsets.UTF_8));
        assertThat(forwarded).startsWith(header + "\n").contains(replayContext(replay).replace(",", "}"));
        assertThat(send(Envelopes.backendTransaction(id(), trace))).contains(replayContext(replay));
    }

    @Test
    void spansFeedTheIndexAndSpanOnlyEnvelopesGetTheDscReplayId() throws Exception {
        String trace = id();
        String replay = id();
        String spans = "{\"items\":[{\"trace_id\":\"" + trace + "\",\"span_id\":\"a0e6f15b45c36b12\",\"attributes\":"
                + "{\"sentry.replay_id\":{\"type\":\"string\",\"value\":\"" + replay + "\"}}}]}";
        send(("{}\n{\"type\":\"span\",\"item_count\":1,\"content_type\":\"application/vnd.sentry.items.span.v2+json\"}\n"
                + spans + "\n").getBytes(StandardCharsets.UTF_8));
        String otherSpans = "{\"items\":[{\"trace_id\":\"" + trace + "\",\"span_id\":\"c0e6f15b45c36b12\"}]}";
        String forwarded = send(("{\"trace\":{\"trace_id\":\"" + trace + "\",\"sampled\":\"true\"}}\n"
                + "{\"type\":\"span\",\"item_count\":1}\n" + otherSpans + "\n").getBytes(StandardCharsets.UTF_8));
        assertThat(forwarded).startsWith("{\"trace\":{\"trace_id\":\"" + trace + "\",\"sampled\":\"true\","
                + "\"replay_id\":\"" + replay + "\"}}\n").endsWith(otherSpans + "\n");
    }

    @Test
    void storeEventWithOnlyASentryTraceHeaderIsLinkedThroughTheIndex() throws Exception {
        String trace = id();
        String replay = id();
        send(Envelopes.replayEvent(replay, trace));
        String event = "{\"event_id\":\"" + id() + "\",\"platform\":\"php\",\"request\":{\"headers\":{\"sentry-trace\":\""
                + trace + "-b0e6f15b45c36b12-1\"}}}";
        var r = sidecar.post("/api/1/store/?sentry_key=" + KEY, event.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(out.envelopes().poll(5, TimeUnit.SECONDS), StandardCharsets.UTF_8))
                .contains("{\"contexts\":{\"replay\":{\"replay_id\":\"" + replay + "\"}},\"event_id\"");
    }

    @Test
    void invalidIdsAreIgnoredAndCounted() throws Exception {
        String header = "{\"trace\":{\"trace_id\":\"not-a-trace\",\"replay_id\":\"nope\"}}";
        String payload = "{\"tags\":{\"replayId\":\"xyz\"},\"contexts\":{\"trace\":{\"trace_id\":12}}}";
        byte[] envelope = (header + "\n{\"type\":\"event\"}\n" + payload + "\n").getBytes(StandardCharsets.UTF_8);
        assertThat(send(envelope)).isEqualTo(new String(envelope, StandardCharsets.UTF_8));
        assertThat(sidecar.get("/metrics").body()).contains("replaylink_invalid_ids_total{field=\"dsc.replay_id\"}")
                .contains("replaylink_invalid_ids_total{field=\"tags.replayId\"}");
    }

    @Test
    void metricsCountLinksByPathAndBackendErrorsSeen() throws Exception {
        java.util.function.ToDoubleFunction<String> value = series -> {
            try {
                return sidecar.get("/metrics").body().lines().filter(l -> l.startsWith(series + " "))
                        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1))).sum();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        String seen = "replaylink_backend_error_events_total";
        String linked = "replaylink_links_total{path=\"index\"}";
        String lookups = "replaylink_index_operations_total{op=\"lookup\",outcome=\"hit\"}";
        double seenBefore = value.applyAsDouble(seen);
        double linkedBefore = value.applyAsDouble(linked);
        double lookupsBefore = value.applyAsDouble(lookups);
        String trace = Envelopes.id();
        send(Envelopes.replayEvent(Envelopes.id(), trace));
        send(Envelopes.backendError(Envelopes.id(), trace, "error", false));
        assertThat(value.applyAsDouble(seen)).isEqualTo(seenBefore + 1);
        assertThat(value.applyAsDouble(linked)).isEqualTo(linkedBefore + 1);
        assertThat(value.applyAsDouble(lookups)).isEqualTo(lookupsBefore + 1);
    }

    @Test
    void inlineLinksAlsoEmitAnEventLinkWhenConfigured(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        try (TestSidecar s = TestSidecar.start("""
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                processors: [{name: replay-linker, config: {emit_links_for_inline: true}}]
                sinks: [{name: file, config: {dir: "%s"}}]
                """.formatted(dir))) {
            String trace = id();
            String replay = id();
            String event = id();
            assertThat(s.post("/api/1/envelope/?sentry_key=" + KEY, Envelopes.replayEvent(replay, trace)).statusCode())
                    .isEqualTo(200);
            assertThat(s.post("/api/1/envelope/?sentry_key=" + KEY, Envelopes.backendError(event, trace)).statusCode())
                    .isEqualTo(200);
            String link = null;
            long deadline = System.currentTimeMillis() + 5000;
            while (link == null && System.currentTimeMillis() < deadline) {
                link = java.nio.file.Files.readAllLines(dir.resolve("envelopes-000001.jsonl")).stream()
                        .filter(l -> l.startsWith("{\"kind\":\"event_link\"")).findFirst().orElse(null);
                Thread.sleep(20);
            }
            assertThat(link).isNotNull().contains("\"replay_id\":\"" + replay + "\"", "\"event_id\":\"" + event + "\"");
            Map<String, Object> line = JsonSpliceTest.parse(link);
            @SuppressWarnings("unchecked")
            Map<String, Object> message = (Map<String, Object>) line.get("message");
            assertThat(message).containsEntry("type", "replay_event").containsEntry("replay_id", replay)
                    .containsEntry("project_id", 1L).containsEntry("retention_days", 90L);
            assertThat(message.get("segment_id")).isNull();
        }
    }

    static String innerPayload(String message) {
        Map<String, Object> outer = JsonSpliceTest.parse(message);
        @SuppressWarnings("unchecked")
        List<Long> bytes = (List<Long>) outer.get("payload");
        byte[] b = new byte[bytes.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = bytes.get(i).byteValue();
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    static List<String> drainEnvelopes() {
        List<byte[]> all = new ArrayList<>();
        out.envelopes().drainTo(all);
        return all.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }
}
