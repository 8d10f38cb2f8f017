package io.replaylink.replay;

import io.replaylink.spi.ReplayLinkMessage;
import io.replaylink.testing.CollectingSinkProvider;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.RedisServers;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A lookup that times out is not a lost link: a real Redis holds the lookup of a backend error whose trace's replay
 * it knows (CLIENT PAUSE, longer than lookup_timeout_ms); the event goes on unlinked, and when Redis answers, the
 * sidecar links it by one event_link message.
 */
class LateLookupTest {

    @Test
    void aHitAfterTheLookupTimeoutLinksTheEventByOneEventLink() throws Exception {
        String id = "late-" + UUID.randomUUID().toString().substring(0, 8);
        try (RedisServers.RedisServer redis = RedisServers.RedisServer.start();
             TestSidecar sidecar = TestSidecar.start("""
                     server: {port: 0}
                     projects: [{id: 1, public_keys: []}]
                     index: {name: redis, config: {uri: "%s", namespace: %s, known_replays_ms: 0}}
                     processors: [{name: replay-linker, config: {lookup_timeout_ms: 100}}]
                     sinks: [{name: test-collect, config: {id: %s}}]
                     """.formatted(redis.uri(), id, id))) {
            var out = CollectingSinkProvider.get(id);
            SharedRedisLinkingTest.awaitConnected(List.of(sidecar));
            String trace = Envelopes.id();
            String replay = Envelopes.id();
            String event = Envelopes.id();
            assertThat(sidecar.post("/api/1/envelope/?sentry_key=" + KEY, Envelopes.replayEvent(replay, trace))
                    .statusCode()).isEqualTo(200);
            assertThat(RedisServers.command(redis.port(), "GET", "replaylink:" + id + ":{" + trace + "}:r"))
                    .contains(replay);
            out.envelopes().clear();
            out.links().clear();

            RedisServers.command(redis.port(), "CLIENT", "PAUSE", "800", "ALL");
            long t0 = System.nanoTime();
            var answer = sidecar.post("/api/1/envelope/?sentry_key=" + KEY, Envelopes.backendError(event, trace));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(millis).as("answered after the lookup timeout, not after Redis").isLessThan(700);
            String forwarded = new String(out.envelopes().poll(5, TimeUnit.SECONDS), StandardCharsets.UTF_8);
            assertThat(forwarded).contains(event).doesNotContain(replay);

            ReplayLinkMessage link = out.links().poll(5, TimeUnit.SECONDS);
            assertThat(link).as("the late hit's event_link").isNotNull();
            assertThat(link.eventId()).isEqualTo(event);
            assertThat(link.replayId()).isEqualTo(replay);
            Thread.sleep(500);
            List<ReplayLinkMessage> more = new ArrayList<>();
            out.links().drainTo(more);
            assertThat(more).as("linked once").isEmpty();
            assertThat(sidecar.get("/metrics").body()).contains("replaylink_links_total{path=\"late\"} 1.0");
        }
    }
}
