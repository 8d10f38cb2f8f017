package io.replaylink.replay;

import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.TestSidecar;
import io.replaylink.testing.UpstreamItems;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code hold_unlinked_ms}: a backend error whose replay is not known yet is held back, so that the browser error
 * that follows it in buffer mode (the only carrier of the pair) links it inline, the form Sentry shows on the issue
 * page. Two sidecars on one real Redis, in front of a real capturing upstream.
 */
class HeldLinkingTest {
    static final long HOLD_MS = 1500;
    CapturingUpstream upstream;
    List<TestSidecar> sidecars = List.of();

    @BeforeEach
    void start() throws Exception {
        upstream = CapturingUpstream.start();
        sidecars = SharedRedisLinkingTest.twoOnRedis(upstream,
                "{lookup_timeout_ms: 1000, hold_unlinked_ms: " + HOLD_MS + "}");
        upstream.drain();
    }

    @AfterEach
    void stop() {
        sidecars.forEach(TestSidecar::close);
        upstream.close();
    }

    int send(int sidecar, byte[] envelope) {
        try {
            return sidecars.get(sidecar).post("/api/1/envelope/?sentry_key=" + KEY, envelope).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aPairLearnedDuringTheHoldLinksTheBackendErrorInlineOnce() throws Exception {
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        String backend = Envelopes.id();
        long started = System.nanoTime();
        CompletableFuture<Integer> held = CompletableFuture.supplyAsync(() -> send(0,
                Envelopes.backendError(backend, trace)));
        Thread.sleep(300);
        assertThat(held).as("held back").isNotDone();
        assertThat(send(1, Envelopes.browserError(Envelopes.id(), trace, replay))).isEqualTo(200);
        assertThat(held.get()).isEqualTo(200);
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(send(1, Envelopes.replayEvent(replay, trace))).isEqualTo(200);

        UpstreamItems r = UpstreamItems.of(upstream.drain());
        Map<String, Object> event = r.events().stream().filter(e -> backend.equals(e.get("event_id"))).findFirst()
                .orElseThrow();
        assertThat(event.get("contexts")).asString().contains("replay={replay_id=" + replay + "}");
        assertThat(r.carried(Map.of(backend, replay))).as("not linked a second time, late").isEmpty();
        assertThat(tookMs).as("answered after the hold").isGreaterThanOrEqualTo(HOLD_MS);
        assertThat(sidecars.get(0).get("/metrics").body()).contains("replaylink_links_total{path=\"held\"} 1.0");
    }

    @Test
    void anEventWhosePairComesAfterTheHoldGoesOnAndIsLinkedLate() throws Exception {
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        String backend = Envelopes.id();
        assertThat(send(0, Envelopes.backendError(backend, trace))).isEqualTo(200);
        assertThat(send(1, Envelopes.replayEvent(replay, trace))).isEqualTo(200);

        UpstreamItems r = UpstreamItems.of(upstream.drain());
        assertThat(r.events().get(0).get("contexts")).asString().doesNotContain("replay=");
        assertThat(r.carried(Map.of(backend, replay))).containsEntry(backend, 1).hasSize(1);
    }

    @Test
    void transactionsAndBrowserEventsAreNeverHeld() throws Exception {
        long started = System.nanoTime();
        assertThat(send(0, Envelopes.backendTransaction(Envelopes.id(), Envelopes.id()))).isEqualTo(200);
        assertThat(send(0, Envelopes.browserError(Envelopes.id(), Envelopes.id(), Envelopes.id()))).isEqualTo(200);
        assertThat(send(0, Envelopes.backendError(Envelopes.id(), Envelopes.id(), "warning", true))).isEqualTo(200);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(HOLD_MS);
    }
}
