package io.replaylink.forward;

import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.CapturingUpstream.Answer;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.KafkaBroker;
import io.replaylink.testing.SidecarProcess;
import io.replaylink.testing.TestSidecar;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Accepted means delivered, under faults: the sidecar killed with SIGKILL under load and restarted, an upstream
 * answering 500s and timing out, a full spool, a Kafka broker stopped for 10 s under load. For each: every envelope
 * answered 200 reaches the sink (counted by event id), the others were answered 503/429 or not at all, and
 * duplicates are counted and bounded by what the fault can repeat: the records in flight (the spool's {@code
 * max_in_flight}) and, after a crash, those acknowledged since the last checkpoint.
 */
class DeliveryFaultTest {
    static final Pattern EVENT_ID = Pattern.compile("\"event_id\":\"([0-9a-f]{32})\"");
    static CapturingUpstream upstream;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void start() {
        upstream = CapturingUpstream.start();
    }

    @AfterAll
    static void stop() {
        upstream.close();
    }

    /** What a load run saw: event ids answered 200, and the other answers by kind. */
    record Load(Set<String> accepted, Map<String, Integer> others) {
        String summary() {
            return accepted.size() + " accepted, others " + others;
        }
    }

    /** Closed while the sidecar restarts, so the load waits instead of failing every request at once. */
    static volatile java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(0);

    static Load load(IntSupplier port, int count, int threads, long pauseMs, Runnable everyTick) throws Exception {
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        Map<String, Integer> others = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger sent = new AtomicInteger();
        for (int i = 0; i < count; i++) {
            pool.submit(() -> {
                String id = Envelopes.id();
                try {
                    gate.await(60, TimeUnit.SECONDS);
                    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                    + port.getAsInt() + "/api/1/envelope/?sentry_key=" + KEY))
                            .timeout(Duration.ofSeconds(20))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(Envelopes.backendError(id, Envelopes.id())))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        accepted.add(id);
                    } else {
                        if (r.statusCode() == 503 || r.statusCode() == 429) {
                            assertThat(r.headers().firstValue("Retry-After")).isPresent();
                        }
                        others.merge(Integer.toString(r.statusCode()), 1, Integer::sum);
                    }
                } catch (Exception e) {
                    others.merge("connection error", 1, Integer::sum);
                }
                sent.incrementAndGet();
                everyTick.run();
                if (pauseMs > 0) {
                    try {
                        Thread.sleep(pauseMs);
                    } catch (InterruptedException ignored) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
        return new Load(accepted, others);
    }

    /** Waits until the upstream received every accepted id; returns how often it received each. */
    static Map<String, Integer> awaitUpstream(Set<String> accepted, Map<String, Integer> received, long seconds)
            throws Exception {
        long deadline = System.currentTimeMillis() + seconds * 1000;
        while (System.currentTimeMillis() < deadline) {
            for (CapturingUpstream.Captured c : upstream.drain()) {
                if (c.status() / 100 != 2) {
                    continue;
                }
                Matcher m = EVENT_ID.matcher(new String(c.body(), StandardCharsets.UTF_8));
                if (m.find()) {
                    received.merge(m.group(1), 1, Integer::sum);
                }
            }
            if (received.keySet().containsAll(accepted)) {
                break;
            }
            Thread.sleep(100);
        }
        return received;
    }

    static void assertDelivered(String fault, Load load, Map<String, Integer> received, int maxDuplicates) {
        Set<String> missing = new java.util.HashSet<>(load.accepted());
        missing.removeAll(received.keySet());
        int duplicates = received.values().stream().mapToInt(n -> n - 1).sum();
        System.out.printf("%s: %s; delivered %d distinct, %d missing, %d duplicates (bound %d)%n", fault,
                load.summary(), received.size(), missing.size(), duplicates, maxDuplicates);
        assertThat(missing).as(fault + ": accepted but not delivered").isEmpty();
        assertThat(duplicates).as(fault + ": duplicates").isLessThanOrEqualTo(maxDuplicates);
    }

    static String spoolConfig(Path dir, String sinks, String spoolExtra) {
        return """
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                spool: {enabled: true, dir: "%s", fsync: interval, fsync_interval_ms: 50 %s}
                sinks:
                %s
                """.formatted(dir.resolve("spool"), spoolExtra, sinks);
    }

    static String httpSink() {
        return "  - {name: http, config: {url: \"" + upstream.url() + "\", timeout_ms: 1000, max_attempts: 2, "
                + "initial_backoff_ms: 20}}";
    }

    @Test
    void sigkillUnderLoadThenRestartLosesNothing(@TempDir Path dir) throws Exception {
        upstream.drain();
        upstream.respondWith(c -> Answer.ok().delayed(20));
        Path config = Files.writeString(dir.resolve("replaylink.yaml"), spoolConfig(dir, httpSink(),
                ", max_in_flight: 16"));
        try (SidecarProcess sidecar = SidecarProcess.start(config, dir.resolve("sidecar.log"))) {
            AtomicInteger port = new AtomicInteger(sidecar.port());
            AtomicInteger ticks = new AtomicInteger();
            long started = System.nanoTime();
            java.util.concurrent.atomic.AtomicLong killedAt = new java.util.concurrent.atomic.AtomicLong();
            Load load = load(port::get, 600, 8, 5, () -> {
                if (ticks.incrementAndGet() == 200) {
                    try {
                        killedAt.set(System.nanoTime());
                        sidecar.kill();
                        gate = new java.util.concurrent.CountDownLatch(1);
                        sidecar.restart();
                        port.set(sidecar.port());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        gate.countDown();
                    }
                }
            });
            // the rate up to the kill, when what was acknowledged after the last checkpoint came in (the average
            // over the whole load includes the restart's pause)
            double perSecond = 200 / ((killedAt.get() - started) / 1e9);
            Map<String, Integer> received = awaitUpstream(load.accepted(), new HashMap<>(), 60);
            assertThat(load.accepted().size()).isGreaterThan(300);
            // a restart delivers again what was in flight (16) and what was acknowledged after the last checkpoint
            // (written every 100 ms; three times that for the write itself and a timer that fires late on a loaded
            // two-core machine: CI once saw 43 against a bound of 41 at twice)
            assertDelivered("sidecar killed with SIGKILL under load", load, received,
                    16 + (int) Math.ceil(perSecond * 0.3));
            assertThat(sidecar.stop()).isZero();
        }
    }

    @Test
    void upstreamFailingAndTimingOutThenRecovering(@TempDir Path dir) throws Exception {
        upstream.drain();
        long t0 = System.currentTimeMillis();
        upstream.respondWith(c -> {
            long t = System.currentTimeMillis() - t0;
            return t < 2000 ? Answer.status(500) : t < 4000 ? Answer.ok().delayed(3000) : Answer.ok();
        });
        try (TestSidecar sidecar = TestSidecar.start(spoolConfig(dir, httpSink(), ", max_in_flight: 16"))) {
            Load load = load(sidecar::port, 200, 4, 20, () -> { });
            assertThat(load.accepted()).hasSize(200);
            Map<String, Integer> received = awaitUpstream(load.accepted(), new HashMap<>(), 60);
            // the upstream takes, too late, what it answers after the sink's 1 s timeout: during the 2 s of slow
            // answers at most 16 attempts are out at once, each at most 3 times
            assertDelivered("upstream 500s then timeouts", load, received, 16 * 3);
        }
    }

    @Test
    void oneSinksOutageDoesNotMultiplyCopiesInTheOthers(@TempDir Path dir) throws Exception {
        upstream.drain();
        long t0 = System.currentTimeMillis();
        upstream.respondWith(c -> System.currentTimeMillis() - t0 < 2500 ? Answer.status(503) : Answer.ok());
        String collect = "fault-" + UUID.randomUUID();
        try (TestSidecar sidecar = TestSidecar.start(spoolConfig(dir, httpSink()
                + "\n  - {name: test-collect, config: {id: " + collect + "}}", ""))) {
            Load load = load(sidecar::port, 50, 2, 10, () -> { });
            assertThat(load.accepted()).hasSize(50);
            Map<String, Integer> received = awaitUpstream(load.accepted(), new HashMap<>(), 60);
            // the upstream refused (503) every attempt it did not take: nothing it took is repeated
            assertDelivered("http sink down 2.5 s, second sink up", load, received, 0);
            Map<String, Integer> copies = new HashMap<>();
            List<byte[]> collected = new java.util.ArrayList<>();
            io.replaylink.testing.CollectingSinkProvider.get(collect).envelopes().drainTo(collected);
            for (byte[] e : collected) {
                Matcher m = EVENT_ID.matcher(new String(e, StandardCharsets.UTF_8));
                if (m.find()) {
                    copies.merge(m.group(1), 1, Integer::sum);
                }
            }
            assertThat(copies.keySet()).containsAll(load.accepted());
            assertThat(copies.values()).as("the healthy sink got each envelope once").allMatch(n -> n == 1);
        }
    }

    @Test
    void fullSpoolAnswers503AndLosesNothing(@TempDir Path dir) throws Exception {
        upstream.drain();
        upstream.respondWith(c -> Answer.status(503));
        try (TestSidecar sidecar = TestSidecar.start(spoolConfig(dir, httpSink(), ", max_bytes: 20KiB"))) {
            Load load = load(sidecar::port, 100, 1, 0, () -> { });
            assertThat(load.others()).containsKey("503");
            assertThat(load.accepted()).isNotEmpty();
            assertThat(sidecar.get("/metrics").body()).contains("replaylink_requests_total{endpoint=\"envelope\","
                    + "outcome=\"rejected\",reason=\"spool_full\"}");
            upstream.respondWith(c -> Answer.ok());
            Map<String, Integer> received = awaitUpstream(load.accepted(), new HashMap<>(), 60);
            assertDelivered("spool full", load, received, 0);
        }
    }

    /** Creates the topic before the sidecar produces to it (see {@link KafkaBroker}); returns the bootstrap. */
    private static String withTopic(KafkaBroker broker, String topic) {
        broker.createTopics(topic);
        return broker.bootstrap();
    }

    @Test
    void kafkaBrokerStoppedForTenSecondsUnderLoad(@TempDir Path dir) throws Exception {
        String topic = "events-fault-" + UUID.randomUUID().toString().substring(0, 8);
        try (KafkaBroker broker = KafkaBroker.start();
             TestSidecar sidecar = TestSidecar.start(spoolConfig(dir, "  - {name: kafka, config: {bootstrap_servers: \""
                     + withTopic(broker, topic) + "\", delivery_timeout_ms: 5000, topics: {events: " + topic
                     + "}}}", ", max_in_flight: 32"))) {
            long t0 = System.currentTimeMillis();
            AtomicInteger phase = new AtomicInteger();
            Load load = load(sidecar::port, 560, 2, 50, () -> {
                long t = System.currentTimeMillis() - t0;
                if (t > 2000 && phase.compareAndSet(0, 1)) {
                    broker.kill();
                } else if (t > 12_000 && phase.compareAndSet(1, 2)) {
                    broker.startAgain();
                }
            });
            if (phase.get() < 2) {
                broker.startAgain();
            }
            Map<String, Integer> received = new HashMap<>();
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                    ConsumerConfig.GROUP_ID_CONFIG, "fault-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                c.subscribe(List.of(topic));
                long deadline = System.currentTimeMillis() + 90_000;
                while (!received.keySet().containsAll(load.accepted()) && System.currentTimeMillis() < deadline) {
                    c.poll(Duration.ofMillis(500)).forEach(r -> {
                        try {
                            Object id = io.replaylink.testing.MsgpackValues.map(r.value()).get("event_id");
                            received.merge(String.valueOf(id), 1, Integer::sum);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                }
            }
            assertThat(load.accepted()).hasSizeGreaterThan(400);
            // the idempotent producer writes a record once per session; a record timed out at the producer and sent
            // again by the spool can be written twice: at most those in flight
            assertDelivered("kafka broker stopped 10 s under load", load, received, 32);
        }
    }
}
