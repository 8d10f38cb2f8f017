package io.replaylink.replay;

import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.TestSidecar;
import io.replaylink.testing.UpstreamItems;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Late links through an HTTP upstream, which has no ingest for Sentry's event_link message: two sidecars on one real
 * Redis in front of a real capturing upstream. A backend error that arrives before its replay is known reaches the
 * upstream unlinked; its id then reaches it in {@code error_ids} of a replay_event of that replay: the one whose
 * arrival linked it, or, when a browser error's tag linked it, the replay's next segment, whichever sidecar sees it.
 */
class LateLinksOverHttpTest {
    CapturingUpstream upstream;
    List<TestSidecar> sidecars = List.of();

    @BeforeEach
    void start() throws Exception {
        upstream = CapturingUpstream.start();
        sidecars = SharedRedisLinkingTest.twoOnRedis(upstream, "{lookup_timeout_ms: 2000}");
        upstream.drain();
    }

    @AfterEach
    void stop() {
        sidecars.forEach(TestSidecar::close);
        upstream.close();
    }

    void send(int sidecar, byte[] envelope) throws Exception {
        assertThat(sidecars.get(sidecar).post("/api/1/envelope/?sentry_key=" + KEY, envelope).statusCode())
                .isEqualTo(200);
    }

    UpstreamItems received() throws Exception {
        return UpstreamItems.of(upstream.drain());
    }

    @Test
    void anEventBeforeItsReplayRidesThatReplayEventsErrorIds() throws Exception {
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        String event = Envelopes.id();
        send(0, Envelopes.backendError(event, trace));
        send(1, Envelopes.replayEvent(replay, trace));
        send(0, Envelopes.replaySegment(replay, 1));

        UpstreamItems r = received();
        assertThat(r.events()).hasSize(1);
        assertThat(r.events().get(0)).doesNotContainKey("replay");
        assertThat(r.errorIds(replay)).as("segment 0 carries it, segment 1 (after the acknowledgement) not again")
                .containsExactly(List.of(event), List.of());
    }

    @Test
    void bufferModeTheBrowserErrorLinksAndTheNextSegmentCarries() throws Exception {
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        String backend = Envelopes.id();
        send(0, Envelopes.backendError(backend, trace));
        send(1, Envelopes.browserError(Envelopes.id(), trace, replay));
        assertThat(sidecars.get(1).get("/metrics").body()).contains("replaylink_late_links_total{form=\"held\"} 1.0");
        send(0, Envelopes.replaySegment(replay, 0));
        send(1, Envelopes.replaySegment(replay, 1));

        UpstreamItems r = received();
        assertThat(r.errorIds(replay)).containsExactly(List.of(backend), List.of());
        assertThat(sidecars.get(0).get("/metrics").body())
                .contains("replaylink_late_links_total{form=\"error_ids\"} 1.0");
    }

    @Test
    void aSegmentCarriesAtMostFiftyIdsAndTheRestWaitForTheNext() throws Exception {
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        List<String> backend = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            backend.add(Envelopes.id());
            send(i % 2, Envelopes.backendError(backend.get(i), trace));
        }
        send(1, Envelopes.browserError(Envelopes.id(), trace, replay));
        send(0, Envelopes.replaySegment(replay, 0));
        send(1, Envelopes.replaySegment(replay, 1));
        send(0, Envelopes.replaySegment(replay, 2));

        List<List<Object>> carried = received().errorIds(replay);
        assertThat(carried).hasSize(3);
        assertThat(carried.get(0)).hasSize(ReplayLinker.MAX_ERROR_IDS);
        assertThat(carried.get(1)).hasSize(70 - ReplayLinker.MAX_ERROR_IDS);
        assertThat(carried.get(2)).isEmpty();
        List<Object> all = new ArrayList<>(carried.get(0));
        all.addAll(carried.get(1));
        assertThat(all).containsExactlyInAnyOrderElementsOf(backend);
    }

    /**
     * Hundreds of traces through two sidecars in the three arrival orders of a backend error, its browser error and
     * its replay: every backend error is linked at the upstream exactly once (inline in its own payload, or in the
     * error_ids of exactly one replay_event of its replay), never to another replay.
     */
    @Test
    void everyBackendErrorIsLinkedAtTheUpstreamExactlyOnce() throws Exception {
        Random random = new Random(7);
        Map<String, String> replayOf = new HashMap<>();
        int traces = 300;
        for (int i = 0; i < traces; i++) {
            String trace = Envelopes.id();
            String replay = Envelopes.id();
            String backend = Envelopes.id();
            replayOf.put(backend, replay);
            byte[] event = Envelopes.backendError(backend, trace);
            byte[] browser = Envelopes.browserError(Envelopes.id(), trace, replay);
            byte[] segment0 = Envelopes.replayEvent(replay, trace);
            byte[] segment1 = Envelopes.replaySegment(replay, 1);
            List<byte[]> order = switch (i % 3) {
                case 0 -> List.of(segment0, event, segment1);
                case 1 -> List.of(event, segment0, segment1);
                default -> List.of(event, browser, segment0, segment1);
            };
            for (byte[] e : order) {
                send(random.nextInt(2), e);
            }
        }
        UpstreamItems r = received();
        Map<String, Integer> linked = new HashMap<>();
        for (Map<String, Object> e : r.events()) {
            String id = (String) e.get("event_id");
            if (replayOf.containsKey(id) && e.get("contexts") instanceof Map<?, ?> contexts
                    && contexts.get("replay") instanceof Map<?, ?> replay) {
                assertThat(replay.get("replay_id")).isEqualTo(replayOf.get(id));
                linked.merge(id, 1, Integer::sum);
            }
        }
        int inline = linked.size();
        r.carried(replayOf).forEach((id, n) -> linked.merge(id, n, Integer::sum));
        List<String> wrong = new ArrayList<>();
        replayOf.keySet().forEach(id -> {
            if (linked.getOrDefault(id, 0) != 1) {
                wrong.add(id + " linked " + linked.getOrDefault(id, 0) + " times");
            }
        });
        assertThat(wrong).as("backend errors not linked exactly once").isEmpty();
        assertThat(linked.keySet()).as("carried by another replay").noneMatch(k -> k.startsWith("wrong replay"));
        assertThat(inline).as("replay-first traces link inline").isEqualTo(traces / 3);
        System.out.printf("http upstream, two sidecars: %d traces, %d linked inline, %d by error_ids%n", traces,
                inline, replayOf.size() - inline);
    }
}
