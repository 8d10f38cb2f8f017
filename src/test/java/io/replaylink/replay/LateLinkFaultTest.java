package io.replaylink.replay;

import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.CapturingUpstream.Answer;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.RedisServers;
import io.replaylink.testing.SidecarProcess;
import io.replaylink.testing.TestSidecar;
import io.replaylink.testing.UpstreamItems;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Late links under faults, through an HTTP upstream and a real Redis: the upstream down while backfills happen, and
 * a sidecar killed with SIGKILL after it drained an event's link and before that link reached the upstream. Every
 * backend error ends up in error_ids of a replay_event of its replay that the upstream took, exactly once.
 */
class LateLinkFaultTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    CapturingUpstream upstream;
    String namespace;

    @BeforeEach
    void start() {
        upstream = CapturingUpstream.start();
        namespace = "fault-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    String config(Path dir, boolean spool) {
        return config(dir, spool, 1000);
    }

    String config(Path dir, boolean spool, long upstreamTimeoutMs) {
        return """
                server: {port: 0, sink_timeout_ms: %d}
                projects: [{id: 1, public_keys: []}]
                index: {name: redis, config: {uri: "%s", namespace: %s, claim_lease_ms: 1000}}
                processors: [{name: replay-linker, config: {lookup_timeout_ms: 2000}}]
                sinks:
                  - {name: http, config: {url: "%s", timeout_ms: %d, max_attempts: 2, initial_backoff_ms: 20}}
                spool: {enabled: %s, dir: "%s"}
                """.formatted(upstreamTimeoutMs * 5, RedisServers.shared().uri(), namespace, upstream.url(),
                upstreamTimeoutMs, spool, dir.resolve("spool"));
    }

    static int post(int port, byte[] envelope) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/1/envelope/?sentry_key="
                    + KEY)).timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofByteArray(envelope))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    /** Waits until the sidecar reaches Redis: it records a replay successfully. */
    static void awaitIndexConnected(int port) throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            post(port, Envelopes.replayEvent(Envelopes.id(), Envelopes.id()));
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            if (java.util.regex.Pattern.compile("replaylink_index_operations_total\\{op=\"record\",outcome=\"recorded\"} [1-9]")
                    .matcher(metrics).find()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the sidecar did not connect to Redis");
    }

    /**
     * Backend errors first; then, with the upstream answering 503, their browser errors (which link them: held under
     * the replay) and their replays' first segments (which carry them); then the upstream comes back. With the spool
     * the segments were accepted and are delivered from it; without it they were answered 503 and the browser sends
     * them again, as the replay SDK retries a failed segment.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void upstreamDownDuringBackfillsLosesNoLink(boolean spool, @TempDir Path dir) throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        try (TestSidecar one = TestSidecar.start(config(a, spool)); TestSidecar two = TestSidecar.start(config(b, spool))) {
            List<TestSidecar> sidecars = List.of(one, two);
            SharedRedisLinkingTest.awaitConnected(sidecars);
            int traces = 60;
            Map<String, String> replayOf = new HashMap<>();
            List<String[]> ids = new ArrayList<>();
            for (int i = 0; i < traces; i++) {
                String trace = Envelopes.id();
                String replay = Envelopes.id();
                String backend = Envelopes.id();
                replayOf.put(backend, replay);
                ids.add(new String[] {trace, replay, backend});
                assertThat(post(sidecars.get(i % 2).port(), Envelopes.backendError(backend, trace))).isEqualTo(200);
            }
            upstream.respondWith(c -> Answer.status(503));
            Map<Integer, Integer> answers = new HashMap<>();
            List<byte[]> refused = new ArrayList<>();
            for (int i = 0; i < traces; i++) {
                String[] t = ids.get(i);
                answers.merge(post(sidecars.get(i % 2).port(), Envelopes.browserError(Envelopes.id(), t[0], t[1])),
                        1, Integer::sum);
                byte[] segment = Envelopes.replaySegment(t[1], 0, t[0]);
                int status = post(sidecars.get((i + 1) % 2).port(), segment);
                answers.merge(status, 1, Integer::sum);
                if (status != 200) {
                    refused.add(segment);
                }
            }
            upstream.respondWith(c -> Answer.ok());
            for (int i = 0; i < refused.size(); i++) {
                assertThat(post(sidecars.get(i % 2).port(), refused.get(i))).as("the retried segment").isEqualTo(200);
            }
            Map<String, Integer> carried = new HashMap<>();
            List<CapturingUpstream.Captured> all = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 30_000;
            while (carried.size() < traces && System.currentTimeMillis() < deadline) {
                all.addAll(upstream.drain());
                carried = UpstreamItems.of(all).carried(replayOf);
                Thread.sleep(100);
            }
            Map<String, Integer> got = carried;
            long missing = replayOf.keySet().stream().filter(id -> !got.containsKey(id)).count();
            int duplicates = carried.values().stream().mapToInt(n -> n - 1).sum();
            System.out.printf("upstream down during backfills (spool %s): answers %s, %d links carried, %d missing, "
                    + "%d duplicates%n", spool, answers, carried.size(), missing, duplicates);
            assertThat(missing).isZero();
            assertThat(carried.keySet()).noneMatch(k -> k.startsWith("wrong replay"));
            assertThat(duplicates).as("a carried link is acknowledged before the next segment").isZero();
            if (spool) {
                assertThat(refused).as("spooled: accepted").isEmpty();
            } else {
                assertThat(refused).as("no spool: the segments were refused while the upstream was down").hasSize(traces);
            }
        }
    }

    /**
     * A sidecar drains a backend error's link (the replay's first segment arrives) and is killed with SIGKILL while
     * that segment waits for a stalled upstream; the replay's next segment, through the restarted sidecar, carries
     * the link.
     */
    @Test
    void sigkillAfterADrainLosesNoLink(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("replaylink.yaml"), config(dir, false, 20_000));
        int traces = 5;
        try (SidecarProcess sidecar = SidecarProcess.start(config, dir.resolve("sidecar.log"))) {
            awaitIndexConnected(sidecar.port());
            Map<String, String> replayOf = new HashMap<>();
            List<String[]> ids = new ArrayList<>();
            for (int i = 0; i < traces; i++) {
                String[] t = {Envelopes.id(), Envelopes.id(), Envelopes.id()};
                replayOf.put(t[2], t[1]);
                ids.add(t);
                assertThat(post(sidecar.port(), Envelopes.backendError(t[2], t[0]))).isEqualTo(200);
            }
            upstream.respondWith(c -> Answer.ok().delayed(30_000));
            int before = upstream.requestCount();
            int port = sidecar.port();
            List<CompletableFuture<Integer>> stalled = new ArrayList<>();
            for (String[] t : ids) {
                stalled.add(CompletableFuture.supplyAsync(() -> post(port, Envelopes.replaySegment(t[1], 0, t[0]))));
            }
            long deadline = System.currentTimeMillis() + 10_000;
            int redis = RedisServers.shared().port();
            while (System.currentTimeMillis() < deadline && upstream.requestCount() < before + traces) {
                Thread.sleep(20);
            }
            assertThat(upstream.requestCount() - before).as("every segment drained and waiting at the upstream")
                    .isEqualTo(traces);
            for (String[] t : ids) {
                assertThat(RedisServers.command(redis, "HEXISTS", "replaylink:" + namespace + ":{" + t[1] + "}:l",
                        t[2])).as("held under the replay before the kill").contains(":1");
            }
            sidecar.kill();
            for (CompletableFuture<Integer> f : stalled) {
                assertThat(f.get()).as("the killed sidecar's clients got no answer").isEqualTo(-1);
            }
            upstream.drain();
            upstream.respondWith(c -> Answer.ok());
            sidecar.restart();
            awaitIndexConnected(sidecar.port());
            for (String[] t : ids) {
                assertThat(post(sidecar.port(), Envelopes.replaySegment(t[1], 1))).isEqualTo(200);
            }
            Map<String, Integer> carried = UpstreamItems.of(upstream.drain()).carried(replayOf);
            long missing = replayOf.keySet().stream().filter(id -> !carried.containsKey(id)).count();
            System.out.printf("sidecar killed after draining %d links: %d carried after the restart, %d missing, "
                    + "%d duplicates%n", traces, carried.size(), missing,
                    carried.values().stream().mapToInt(n -> n - 1).sum());
            assertThat(missing).isZero();
            assertThat(carried.values()).allMatch(n -> n == 1);
            assertThat(sidecar.stop()).isZero();
        }
    }
}
