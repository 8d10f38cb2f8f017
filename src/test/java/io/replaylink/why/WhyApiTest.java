package io.replaylink.why;

import io.replaylink.testing.Envelopes;
import io.replaylink.testing.RedisServers;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The why-API against a real Redis shared by two sidecars (A and B): every reason is produced for real and reported
 * the same by both instances, with the path, late form and instance of each link; the unlinked reasons are counted in
 * {@code replaylink_backend_error_events_unlinked_total}; {@code replaylink why} prints the sentence.
 */
class WhyApiTest {
    static RedisServers.RedisServer redis;
    static TestSidecar a;
    static TestSidecar b;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        redis = RedisServers.RedisServer.start();
        String namespace = "why-" + UUID.randomUUID().toString().substring(0, 8);
        String yaml = """
                server: {port: 0}
                admin: {enabled: true, port: 0, token: s3cret}
                projects:
                  - {id: 1, organization_id: 1, public_keys: []}
                  - {id: 2, organization_id: 2, public_keys: []}
                index: {name: redis, config: {uri: "%s", namespace: %s, pending_ttl_secs: 3, max_pending_per_trace: 1}}
                processors: [{name: replay-linker, config: {lookup_timeout_ms: 150}}]
                sinks: [{name: test-collect, config: {id: %s}}]
                """;
        a = TestSidecar.start(yaml.formatted(redis.uri(), namespace, namespace + "-a"));
        b = TestSidecar.start(yaml.formatted(redis.uri(), namespace, namespace + "-b"));
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
        redis.close();
    }

    static void send(TestSidecar s, int project, byte[] envelope) throws Exception {
        var r = s.post("/api/" + project + "/envelope/?sentry_key=" + KEY, envelope);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    static HttpResponse<String> admin(TestSidecar s, String path, boolean withToken) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.app().adminPort() + path));
        if (withToken) {
            r.header("Authorization", "Bearer s3cret");
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The event's answer from {@code s}, once its note is there (notes are written after the answer). */
    static Map<String, Object> event(TestSidecar s, String eventId, int org) throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        while (true) {
            HttpResponse<String> r = admin(s, "/api/v1/events/" + eventId + "?org=" + org, true);
            if (r.statusCode() == 200 || System.currentTimeMillis() > deadline) {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                Map<String, Object> f = LinkNote.flat(r.body());
                f.put("_body", r.body());
                return f;
            }
            Thread.sleep(20);
        }
    }

    static byte[] error(String eventId, String traceId, String dscReplay) {
        String header = "{\"event_id\":\"" + eventId + "\",\"trace\":{\"trace_id\":\"" + traceId + "\",\"public_key\":\""
                + KEY + "\"" + (dscReplay == null ? "" : ",\"replay_id\":\"" + dscReplay + "\"") + "}}";
        String event = "{\"event_id\":\"" + eventId + "\",\"level\":\"error\",\"platform\":\"java\","
                + "\"contexts\":{\"trace\":{\"trace_id\":\"" + traceId + "\",\"span_id\":\"b0e6f15b45c36b12\"}}}";
        return (header + "\n{\"type\":\"event\"}\n" + event + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] errorWithoutTrace(String eventId, String badTrace) {
        String ctx = badTrace == null ? "" : ",\"contexts\":{\"trace\":{\"trace_id\":\"" + badTrace + "\"}}";
        String event = "{\"event_id\":\"" + eventId + "\",\"level\":\"error\",\"platform\":\"python\"" + ctx + "}";
        return ("{\"event_id\":\"" + eventId + "\"}\n{\"type\":\"event\"}\n" + event + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void linkedInlineByTheDscAndThroughTheIndex() throws Exception {
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        String byDsc = Envelopes.id();
        send(a, 1, error(byDsc, trace, replay));
        Map<String, Object> dsc = event(b, byDsc, 1);
        assertThat(dsc).containsEntry("linked", true).containsEntry("path", "dsc").containsEntry("replay_id", replay)
                .containsEntry("trace_id", trace);
        assertThat((String) dsc.get("sentence")).startsWith("linked by dsc to replay " + replay);

        String viaIndex = Envelopes.id();
        send(b, 1, error(viaIndex, trace, null));
        Map<String, Object> index = event(a, viaIndex, 1);
        assertThat(index).containsEntry("linked", true).containsEntry("path", "index").containsEntry("replay_id", replay);
        // the trace: its replay learned from the first error's DSC, by A; both links listed
        HttpResponse<String> t = admin(a, "/api/v1/traces/" + trace + "?org=1", true);
        assertThat(t.statusCode()).isEqualTo(200);
        assertThat(t.body()).contains("\"replay_id\":\"" + replay + "\"", "\"source\":\"dsc\"",
                "\"event_id\":\"" + byDsc + "\"", "\"event_id\":\"" + viaIndex + "\"", "\"path\":\"index\"");
        assertThat(t.body()).isEqualTo(admin(b, "/api/v1/traces/" + trace + "?org=1", true).body());
    }

    @Test
    void anErrorBeforeItsReplayWaitsThenIsLinkedByBackfillByTheOtherInstance() throws Exception {
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        String early = Envelopes.id();
        send(a, 1, error(early, trace, null));
        Map<String, Object> waiting = event(b, early, 1);
        assertThat(waiting).containsEntry("linked", false).containsEntry("reason", "waiting");
        assertThat(waiting.get("expires_at")).isNotNull();
        assertThat((String) waiting.get("sentence")).startsWith("not linked: its trace has shown no replay yet");
        String waitingBy = (String) waiting.get("noted_by");

        send(b, 1, Envelopes.replayEvent(replay, trace));
        long deadline = System.currentTimeMillis() + 5_000;
        Map<String, Object> linked = event(a, early, 1);
        while (!Boolean.TRUE.equals(linked.get("linked")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            linked = event(a, early, 1);
        }
        assertThat(linked).containsEntry("linked", true).containsEntry("path", "backfill")
                .containsEntry("form", "event_link").containsEntry("replay_id", replay);
        assertThat(linked.get("noted_by")).as("B linked it").isNotEqualTo(waitingBy);
        assertThat((String) linked.get("sentence")).startsWith("linked by backfill to replay " + replay)
                .contains("the replay was learned after the event, from a replay_event")
                .contains("delivered as an event_link message");
        assertThat(linked.get("_body")).isEqualTo(event(b, early, 1).get("_body"));

        // the command line says the same
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = WhyCommand.run(new String[] {early, "--admin", "http://127.0.0.1:" + a.app().adminPort(), "--org", "1",
                "--token", "s3cret"}, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertThat(rc).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("linked by backfill to replay " + replay);
    }

    @Test
    void unlinkedReasonsAreReportedAndCounted() throws Exception {
        String noTrace = Envelopes.id();
        send(a, 1, errorWithoutTrace(noTrace, null));
        assertThat(event(b, noTrace, 1)).containsEntry("reason", "no_trace_id").containsEntry("linked", false);

        String invalid = Envelopes.id();
        send(a, 1, errorWithoutTrace(invalid, "not-a-trace-id"));
        assertThat(event(b, invalid, 1)).containsEntry("reason", "invalid_id");

        // max_pending_per_trace: 1, so a second error of a trace without replay is not remembered
        String crowded = Envelopes.id();
        send(a, 1, error(Envelopes.id(), crowded, null));
        String second = Envelopes.id();
        send(b, 1, error(second, crowded, null));
        assertThat(event(a, second, 1)).containsEntry("reason", "waiting_limit");

        // the trace's replay is in organisation 2 (project 2); the error is in organisation 1
        String shared = Envelopes.id();
        send(b, 2, Envelopes.replayEvent(Envelopes.id(), shared));
        String elsewhere = Envelopes.id();
        send(a, 1, error(elsewhere, shared, null));
        Map<String, Object> other = event(b, elsewhere, 1);
        assertThat(other).containsEntry("reason", "replay_in_other_organization");
        assertThat(((Number) other.get("other_organization")).longValue()).isEqualTo(2);

        // pending_ttl_secs: 3: an error whose trace never shows a replay has waited out its time
        String lonely = Envelopes.id();
        send(a, 1, error(lonely, Envelopes.id(), null));
        assertThat(event(a, lonely, 1)).containsEntry("reason", "waiting");
        Thread.sleep(3_500);
        Map<String, Object> expired = event(b, lonely, 1);
        assertThat(expired).containsEntry("reason", "expired");
        assertThat((String) expired.get("sentence")).contains("its trace never showed a replay");

        // Redis holds every client for a while: the lookup times out, the note (written later) says why
        String slow = Envelopes.id();
        RedisServers.pauseClients(redis.port(), 600);
        send(a, 1, error(slow, Envelopes.id(), null));
        assertThat(event(b, slow, 1)).containsEntry("reason", "index_unavailable");

        String metrics = a.get("/metrics").body() + b.get("/metrics").body();
        for (String reason : List.of("no_trace_id", "invalid_id", "waiting_limit", "waiting", "index_unavailable")) {
            assertThat(metrics).as(reason).containsPattern(
                    "replaylink_backend_error_events_unlinked_total\\{reason=\"" + reason + "\"} [1-9]");
        }
    }

    @Test
    void transactionsAreNotedAndOnesDroppedBySamplingSaySo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // a transaction of a trace without replay: it does not wait (only errors do)
        String lone = Envelopes.id();
        send(a, 1, Envelopes.backendTransaction(lone, Envelopes.id()));
        assertThat(event(b, lone, 1)).containsEntry("reason", "not_an_error").containsEntry("linked", false);
        // one of a trace whose replay is known links through the index
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        send(b, 1, Envelopes.replayEvent(replay, trace));
        String linked = Envelopes.id();
        send(a, 1, Envelopes.backendTransaction(linked, trace));
        assertThat(event(b, linked, 1)).containsEntry("linked", true).containsEntry("path", "index")
                .containsEntry("replay_id", replay);

        // a third sidecar on the same index samples every trace without replay at 0: its transactions are dropped
        java.nio.file.Path rules = java.nio.file.Files.writeString(dir.resolve("sampling.yaml"), """
                default:
                  rules:
                    - {"id": 1000, "type": "trace", "condition": {"op": "and", "inner": []},
                       "samplingValue": {"type": "sampleRate", "value": 0.0}}
                projects: {}
                """);
        String namespace = (String) ((Map<?, ?>) a.app().config().index().config()).get("namespace");
        try (TestSidecar sampler = TestSidecar.start("""
                server: {port: 0}
                admin: {enabled: true, port: 0, token: s3cret}
                projects: [{id: 1, organization_id: 1, public_keys: []}]
                index: {name: redis, config: {uri: "%s", namespace: %s}}
                processors:
                  - {name: replay-linker}
                  - {name: dynamic-sampling, config: {rules_file: "%s"}}
                sinks: [{name: test-collect, config: {id: %s}}]
                """.formatted(redis.uri(), namespace, rules, namespace + "-sampler"))) {
            String dropped = Envelopes.id();
            send(sampler, 1, Envelopes.backendTransaction(dropped, Envelopes.id()));
            long deadline = System.currentTimeMillis() + 5_000;
            Map<String, Object> answer = event(a, dropped, 1);
            while (!"sampled_out".equals(answer.get("reason")) && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
                answer = event(a, dropped, 1);
            }
            assertThat(answer).containsEntry("reason", "sampled_out");
            assertThat((String) answer.get("sentence")).isEqualTo("not linked: dynamic sampling dropped it (its trace "
                    + "was not sampled)");
        }
    }

    @Test
    void theAdminListenerWantsItsTokenAndAnswersUnknownAndInvalidIds() throws Exception {
        String id = Envelopes.id();
        assertThat(admin(a, "/api/v1/events/" + id, false).statusCode()).isEqualTo(401);
        HttpResponse<String> unknown = admin(a, "/api/v1/events/" + id + "?org=1", true);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("\"known\":false", "unknown: no note of event " + id);
        assertThat(admin(a, "/api/v1/events/not-an-id", true).statusCode()).isEqualTo(400);
        assertThat(admin(a, "/api/v1/events/" + id + "?org=x", true).statusCode()).isEqualTo(400);
        assertThat(a.get("/api/v1/events/" + id).statusCode()).as("never on the ingest port").isEqualTo(404);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(WhyCommand.run(new String[] {id, "--admin", "http://127.0.0.1:" + a.app().adminPort(), "--token",
                "s3cret"}, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), System.err)).isEqualTo(1);
        assertThat(WhyCommand.run(new String[] {"--trace"}, Map.of(), System.out,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))).isEqualTo(2);
    }
}
