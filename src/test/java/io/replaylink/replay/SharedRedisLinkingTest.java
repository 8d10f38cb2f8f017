package io.replaylink.replay;

import io.replaylink.spi.ReplayLinkMessage;
import io.replaylink.testing.CollectingSinkProvider;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.RedisServers;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two sidecars on one real Redis (standalone, and a 3-node Cluster): thousands of traces whose replay and backend
 * error reach random instances replay-first, event-first or at the same time. Every backend error is linked
 * exactly once: inline (its forwarded payload carries the replay) or by one event_link message, never both, never
 * neither, never to the wrong replay.
 */
class SharedRedisLinkingTest {
    static final int TRACES = 1500;

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void everyBackendErrorIsLinkedExactlyOnceAcrossTwoInstances(String kind) throws Exception {
        String uri = kind.equals("standalone") ? RedisServers.shared().uri() : RedisServers.sharedCluster().uri();
        String namespace = "shared-" + UUID.randomUUID().toString().substring(0, 8);
        String[] ids = {namespace + "-a", namespace + "-b"};
        List<TestSidecar> sidecars = new ArrayList<>();
        for (String id : ids) {
            sidecars.add(TestSidecar.start("""
                    server: {port: 0}
                    projects: [{id: 1, public_keys: []}]
                    index: {name: redis, config: {uri: "%s", namespace: %s}}
                    processors: [{name: replay-linker, config: {lookup_timeout_ms: 2000}}]
                    sinks: [{name: test-collect, config: {id: %s}}]
                    """.formatted(uri, namespace, id)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            awaitConnected(sidecars);
            Random random = new Random(42);
            Map<String, String> replayOfEvent = new HashMap<>();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            AtomicInteger notOk = new AtomicInteger();
            int[] orders = new int[3];
            for (int i = 0; i < TRACES; i++) {
                String trace = Envelopes.id();
                String replay = Envelopes.id();
                String event = Envelopes.id();
                replayOfEvent.put(event, replay);
                TestSidecar forReplay = sidecars.get(random.nextInt(2));
                TestSidecar forEvent = sidecars.get(random.nextInt(2));
                byte[] replayEnvelope = Envelopes.replayEvent(replay, trace);
                byte[] eventEnvelope = Envelopes.backendError(event, trace);
                int order = i % 3;
                orders[order]++;
                Runnable sendReplay = () -> send(forReplay, replayEnvelope, notOk);
                Runnable sendEvent = () -> send(forEvent, eventEnvelope, notOk);
                all.add(switch (order) {
                    case 0 -> CompletableFuture.runAsync(() -> {
                        sendReplay.run();
                        sendEvent.run();
                    }, pool);
                    case 1 -> CompletableFuture.runAsync(() -> {
                        sendEvent.run();
                        sendReplay.run();
                    }, pool);
                    default -> CompletableFuture.allOf(CompletableFuture.runAsync(sendReplay, pool),
                            CompletableFuture.runAsync(sendEvent, pool));
                });
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            assertThat(notOk.get()).isZero();

            Map<String, Integer> inline = new HashMap<>();
            Map<String, Integer> links = new HashMap<>();
            int forwardedEvents = 0;
            for (String id : ids) {
                var collected = CollectingSinkProvider.get(id);
                List<byte[]> envelopes = new ArrayList<>();
                collected.envelopes().drainTo(envelopes);
                for (byte[] e : envelopes) {
                    String text = new String(e, StandardCharsets.UTF_8);
                    if (!text.contains("\"platform\":\"java\"")) {
                        continue;
                    }
                    forwardedEvents++;
                    String eventId = text.substring(text.indexOf("\"event_id\":\"") + 12).substring(0, 32);
                    String replay = replayOfEvent.get(eventId);
                    if (text.contains("\"contexts\":{\"replay\":{\"replay_id\":\"")) {
                        assertThat(text).contains("\"contexts\":{\"replay\":{\"replay_id\":\"" + replay + "\"}");
                        inline.merge(eventId, 1, Integer::sum);
                    }
                }
                List<ReplayLinkMessage> messages = new ArrayList<>();
                collected.links().drainTo(messages);
                for (ReplayLinkMessage m : messages) {
                    assertThat(m.replayId()).isEqualTo(replayOfEvent.get(m.eventId()));
                    links.merge(m.eventId(), 1, Integer::sum);
                }
            }
            assertThat(forwardedEvents).isEqualTo(TRACES);
            List<String> wrong = new ArrayList<>();
            for (String event : replayOfEvent.keySet()) {
                int n = inline.getOrDefault(event, 0) + links.getOrDefault(event, 0);
                if (n != 1) {
                    wrong.add(event + " linked " + n + " times");
                }
            }
            assertThat(wrong).as("events not linked exactly once").isEmpty();
            assertThat(inline.size()).as("replay-first traces link inline").isGreaterThanOrEqualTo(orders[0]);
            assertThat(links.size()).as("event-first traces link by event_link").isGreaterThanOrEqualTo(orders[1]);
            System.out.printf("%s: %d traces, %d linked inline, %d by event_link%n", kind, TRACES, inline.size(),
                    links.size());
        } finally {
            pool.shutdownNow();
            sidecars.forEach(TestSidecar::close);
        }
    }

    static void send(TestSidecar sidecar, byte[] envelope, AtomicInteger notOk) {
        try {
            if (sidecar.post("/api/1/envelope/?sentry_key=" + KEY, envelope).statusCode() != 200) {
                notOk.incrementAndGet();
            }
        } catch (Exception e) {
            notOk.incrementAndGet();
        }
    }

    /**
     * Two sidecars on the shared Redis (a namespace of their own), forwarding to {@code upstream} with the http sink,
     * the replay-linker configured with {@code linkerConfig}; both connected.
     */
    static List<TestSidecar> twoOnRedis(io.replaylink.testing.CapturingUpstream upstream, String linkerConfig)
            throws Exception {
        String namespace = "pair-" + UUID.randomUUID().toString().substring(0, 8);
        List<TestSidecar> sidecars = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            sidecars.add(TestSidecar.start(TestSidecar.httpConfig(upstream.url(), """
                    index: {name: redis, config: {uri: "%s", namespace: %s}}
                    processors: [{name: replay-linker, config: %s}]
                    """.formatted(RedisServers.shared().uri(), namespace, linkerConfig))));
        }
        awaitConnected(sidecars);
        return sidecars;
    }

    private static final java.util.regex.Pattern RECORDED = java.util.regex.Pattern.compile(
            "replaylink_index_operations_total\\{op=\"record\",outcome=\"recorded\"} [1-9]");

    /** Waits until both instances reach Redis: each records a replay successfully. */
    static void awaitConnected(List<TestSidecar> sidecars) throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        for (TestSidecar s : sidecars) {
            while (!RECORDED.matcher(s.get("/metrics").body()).find()) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("sidecar did not connect to Redis");
                }
                s.post("/api/1/envelope/?sentry_key=" + KEY, Envelopes.replayEvent(Envelopes.id(), Envelopes.id()));
                Thread.sleep(50);
            }
        }
    }
}
