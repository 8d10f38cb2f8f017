package io.replaylink.replay;

import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.RedisServers;
import io.replaylink.testing.TestSidecar;
import io.replaylink.testing.UpstreamItems;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One organisation's data never links to, nor evicts, another's. Projects 1 and 2 belong to organisation 7 (a
 * browser project and an API project, the usual pair), project 3 to organisation 8; a replay links events of any
 * project of its organisation and none of another, in both arrival orders, with the in-process index and with Redis.
 */
class OrganizationTenancyTest {
    static CapturingUpstream upstream;

    @BeforeAll
    static void start() {
        upstream = CapturingUpstream.start();
    }

    @AfterAll
    static void stop() {
        upstream.close();
    }

    static TestSidecar sidecar(String index) {
        String indexConfig = index.equals("memory") ? "{name: memory, config: {max_traces: 50}}"
                : "{name: redis, config: {uri: \"" + RedisServers.shared().uri() + "\", namespace: tenancy-"
                + UUID.randomUUID().toString().substring(0, 8) + "}}";
        return TestSidecar.start("""
                server: {port: 0}
                projects:
                  - {id: 1, organization_id: 7, public_keys: []}
                  - {id: 2, organization_id: 7, public_keys: []}
                  - {id: 3, organization_id: 8, public_keys: []}
                index: %s
                processors: [{name: replay-linker, config: {lookup_timeout_ms: 1000}}]
                sinks: [{name: http, config: {url: "%s"}}]
                """.formatted(indexConfig, upstream.url()));
    }

    static void send(TestSidecar s, int project, byte[] envelope) throws Exception {
        assertThat(s.post("/api/" + project + "/envelope/?sentry_key=" + KEY, envelope).statusCode()).isEqualTo(200);
    }

    static boolean linkedInline(UpstreamItems items, String eventId, String replayId) {
        return items.events().stream().filter(e -> eventId.equals(e.get("event_id")))
                .anyMatch(e -> String.valueOf(e.get("contexts")).contains("replay={replay_id=" + replayId + "}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "redis"})
    void replaysLinkWithinTheirOrganisationOnly(String index) throws Exception {
        try (TestSidecar s = sidecar(index)) {
            if (index.equals("redis")) {
                SharedRedisLinkingTest.awaitConnected(java.util.List.of(s));
            }
            upstream.drain();
            // replay first: the browser project's replay links the API project's error of the same organisation
            String trace = Envelopes.id();
            String replay = Envelopes.id();
            String sameOrg = Envelopes.id();
            String otherOrg = Envelopes.id();
            send(s, 1, Envelopes.replayEvent(replay, trace));
            send(s, 2, Envelopes.backendError(sameOrg, trace));
            send(s, 3, Envelopes.backendError(otherOrg, trace));
            // event first: another organisation's error waiting on the same trace id is not drained by this replay
            String trace2 = Envelopes.id();
            String replay2 = Envelopes.id();
            String waitingOtherOrg = Envelopes.id();
            String waitingSameOrg = Envelopes.id();
            send(s, 3, Envelopes.backendError(waitingOtherOrg, trace2));
            send(s, 2, Envelopes.backendError(waitingSameOrg, trace2));
            send(s, 1, Envelopes.replayEvent(replay2, trace2));

            UpstreamItems items = UpstreamItems.of(upstream.drain());
            assertThat(linkedInline(items, sameOrg, replay)).as("same organisation, another project").isTrue();
            assertThat(linkedInline(items, otherOrg, replay)).as("another organisation").isFalse();
            Map<String, Integer> carried = items.carried(Map.of(waitingSameOrg, replay2, waitingOtherOrg, replay2));
            assertThat(carried).containsEntry(waitingSameOrg, 1).doesNotContainKey(waitingOtherOrg);
        }
    }

    /** One organisation filling its index (in-process: max_traces 50) evicts none of another's mappings. */
    @ParameterizedTest
    @ValueSource(strings = {"memory"})
    void anOrganisationFillingItsIndexEvictsNoneOfAnothers(String index) throws Exception {
        try (TestSidecar s = sidecar(index)) {
            upstream.drain();
            String trace = Envelopes.id();
            String replay = Envelopes.id();
            send(s, 1, Envelopes.replayEvent(replay, trace));
            for (int i = 0; i < 10; i++) {
                String[] traces = new String[20];
                Arrays.setAll(traces, n -> Envelopes.id());
                send(s, 3, Envelopes.replayEvent(Envelopes.id(), traces));
            }
            String event = Envelopes.id();
            send(s, 2, Envelopes.backendError(event, trace));
            assertThat(linkedInline(UpstreamItems.of(upstream.drain()), event, replay)).isTrue();
        }
    }

    /** A replay_event records at most max_trace_ids_per_replay_event (100) trace ids; the rest are counted. */
    @ParameterizedTest
    @ValueSource(strings = {"memory"})
    void aReplayEventRecordsABoundedNumberOfTraces(String index) throws Exception {
        try (TestSidecar s = sidecar(index)) {
            String[] traces = new String[150];
            Arrays.setAll(traces, n -> Envelopes.id());
            String replay = Envelopes.id();
            send(s, 1, Envelopes.replayEvent(replay, traces));
            assertThat(s.get("/metrics").body()).contains("replaylink_trace_ids_dropped_total 50.0");
        }
    }
}
