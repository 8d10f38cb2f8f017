package io.replaylink.replay;

import io.replaylink.testing.CollectingSinkProvider;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.RedisServers;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis paused (slow) and then killed mid-stream: every request is still answered within the lookup timeout and forwarded (unlinked, fail
 * open, counted); when Redis is back, lettuce reconnects by itself and linking resumes.
 */
class RedisOutageTest {

    @Test
    void failsOpenWhileRedisIsDownAndResumesLinkingAfterItsRestart() throws Exception {
        RedisServers.RedisServer redis = RedisServers.RedisServer.start();
        String sinkId = "outage-" + Envelopes.id();
        try (TestSidecar sidecar = TestSidecar.start("""
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                index: {name: redis, config: {uri: "%s", command_timeout_ms: 500, connect_timeout_ms: 300}}
                processors: [{name: replay-linker, config: {lookup_timeout_ms: 100}}]
                sinks: [{name: test-collect, config: {id: %s}}]
                """.formatted(redis.uri(), sinkId))) {
            var collected = CollectingSinkProvider.get(sinkId);
            String trace = Envelopes.id();
            String replay = Envelopes.id();
            awaitLinked(sidecar, collected, trace, replay);
            assertThat(sidecar.get("/metrics").body()).containsPattern("(?m)^replaylink_index_up 1");

            // slow: Redis holds every client for 2 s; answers still come within the lookup timeout
            RedisServers.pauseClients(redis.port(), 2000);
            long slowest = 0;
            for (int i = 0; i < 10; i++) {
                long t0 = System.nanoTime();
                var r = sidecar.post("/api/1/envelope/?sentry_key=" + KEY, Envelopes.backendError(Envelopes.id(),
                        Envelopes.id()));
                slowest = Math.max(slowest, (System.nanoTime() - t0) / 1_000_000);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(collected.envelopes().poll(5, TimeUnit.SECONDS)).as("forwarded").isNotNull();
            }
            assertThat(slowest).as("slowest answer while Redis is paused, ms").isLessThan(600);
            assertThat(sidecar.get("/metrics").body()).containsPattern(
                    "replaylink_index_operations_total\\{op=\"lookup\",outcome=\"timeout\"} [1-9]");
            Thread.sleep(2000);

            redis.stop();
            long worst = 0;
            for (int i = 0; i < 40; i++) {
                long t0 = System.nanoTime();
                var r = sidecar.post("/api/1/envelope/?sentry_key=" + KEY, Envelopes.backendError(Envelopes.id(), trace));
                worst = Math.max(worst, (System.nanoTime() - t0) / 1_000_000);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(collected.envelopes().poll(5, TimeUnit.SECONDS)).as("forwarded").isNotNull();
            }
            assertThat(worst).as("worst answer time while Redis is down, ms").isLessThan(1000);
            assertThat(sidecar.get("/metrics").body()).containsPattern(
                    "replaylink_index_operations_total\\{op=\"lookup\",outcome=\"(error|timeout)\"} [1-9]")
                    .containsPattern("(?m)^replaylink_index_up 0");

            redis.restart();
            String trace2 = Envelopes.id();
            String replay2 = Envelopes.id();
            awaitLinked(sidecar, collected, trace2, replay2);
            assertThat(sidecar.get("/metrics").body()).containsPattern("(?m)^replaylink_index_up 1");
        } finally {
            redis.close();
        }
    }

    /** Records a replay and sends an event of its trace until the event comes out linked (max 15 s). */
    static void awaitLinked(TestSidecar sidecar, CollectingSinkProvider.Collected collected, String trace,
                            String replay) throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            assertThat(sidecar.post("/api/1/envelope/?sentry_key=" + KEY, Envelopes.replayEvent(replay, trace))
                    .statusCode()).isEqualTo(200);
            assertThat(sidecar.post("/api/1/envelope/?sentry_key=" + KEY, Envelopes.backendError(Envelopes.id(), trace))
                    .statusCode()).isEqualTo(200);
            List<byte[]> out = new ArrayList<>();
            collected.envelopes().drainTo(out);
            for (byte[] e : out) {
                if (new String(e, StandardCharsets.UTF_8).contains("\"replay\":{\"replay_id\":\"" + replay + "\"}")) {
                    return;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("linking did not work within 15 s");
    }
}
