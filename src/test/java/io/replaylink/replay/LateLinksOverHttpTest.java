package io.replaylink.replay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.netty.buffer.Unpooled;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeLimits;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.envelope.Item;
import io.replaylink.envelope.JsonValues;
import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.RedisServers;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Late links through an HTTP upstream, which has no ingest for Sentry's event_link message: two sidecars on one real
 * Redis in front of a real capturing upstream. A backend error that arrives before its replay is known reaches the
 * upstream unlinked; its id then reaches it in {@code error_ids} of a replay_event of that replay: the one whose
 * arrival linked it, or, when a browser error's tag linked it, the replay's next segment, whichever sidecar sees it.
 */
class LateLinksOverHttpTest {
    static final EnvelopeParser PARSER = new EnvelopeParser(EnvelopeLimits.relayDefaults());
    static final JsonFactory JSON = new JsonFactory();

    CapturingUpstream upstream;
    List<TestSidecar> sidecars = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        upstream = CapturingUpstream.start();
        String namespace = "late-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 2; i++) {
            sidecars.add(TestSidecar.start(TestSidecar.httpConfig(upstream.url(), """
                    index: {name: redis, config: {uri: "%s", namespace: %s}}
                    processors: [{name: replay-linker, config: {lookup_timeout_ms: 2000}}]
                    """.formatted(RedisServers.shared().uri(), namespace))));
        }
        SharedRedisLinkingTest.awaitConnected(sidecars);
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

    /** What the upstream received so far: the payloads of its event and replay_event items. */
    record Received(List<Map<String, Object>> events, List<Map<String, Object>> replayEvents) {
        /** The error_ids of every replay_event of {@code replayId} received, one list per replay_event. */
        List<List<Object>> errorIds(String replayId) {
            List<List<Object>> out = new ArrayList<>();
            for (Map<String, Object> r : replayEvents) {
                if (replayId.equals(r.get("replay_id"))) {
                    out.add(r.get("error_ids") instanceof List<?> l ? new ArrayList<>(l) : List.of());
                }
            }
            return out;
        }
    }

    Received received() throws Exception {
        List<Map<String, Object>> events = new ArrayList<>();
        List<Map<String, Object>> replayEvents = new ArrayList<>();
        for (CapturingUpstream.Captured c : upstream.drain()) {
            Envelope envelope = PARSER.parse(Unpooled.wrappedBuffer(c.body()));
            try {
                for (Item item : envelope.items()) {
                    String type = item.type().wireName();
                    if (type.equals("event") || type.equals("replay_event")) {
                        String json = item.payload().toString(StandardCharsets.UTF_8);
                        try (JsonParser p = JSON.createParser(json)) {
                            p.nextToken();
                            @SuppressWarnings("unchecked")
                            Map<String, Object> payload = (Map<String, Object>) JsonValues.read(p);
                            (type.equals("event") ? events : replayEvents).add(payload);
                        }
                    }
                }
            } finally {
                envelope.release();
            }
        }
        return new Received(events, replayEvents);
    }

    @Test
    void anEventBeforeItsReplayRidesThatReplayEventsErrorIds() throws Exception {
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        String event = Envelopes.id();
        send(0, Envelopes.backendError(event, trace));
        send(1, Envelopes.replayEvent(replay, trace));
        send(0, Envelopes.replaySegment(replay, 1));

        Received r = received();
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

        Received r = received();
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
        Received r = received();
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
        for (Map<String, Object> re : r.replayEvents()) {
            if (re.get("error_ids") instanceof List<?> ids) {
                for (Object id : ids) {
                    assertThat(replayOf.get(id)).as("carried by its own replay").isEqualTo(re.get("replay_id"));
                    linked.merge((String) id, 1, Integer::sum);
                }
            }
        }
        List<String> wrong = new ArrayList<>();
        replayOf.keySet().forEach(id -> {
            if (linked.getOrDefault(id, 0) != 1) {
                wrong.add(id + " linked " + linked.getOrDefault(id, 0) + " times");
            }
        });
        assertThat(wrong).as("backend errors not linked exactly once").isEmpty();
        assertThat(inline).as("replay-first traces link inline").isEqualTo(traces / 3);
        System.out.printf("http upstream, two sidecars: %d traces, %d linked inline, %d by error_ids%n", traces,
                inline, replayOf.size() - inline);
    }
}
