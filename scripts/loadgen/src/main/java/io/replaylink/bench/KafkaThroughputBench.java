package io.replaylink.bench;

import io.replaylink.forward.spool.Spool;
import io.replaylink.forward.spool.SpoolRecord;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.KafkaBroker;
import io.replaylink.testing.TestSidecar;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sustained 2 KB error envelopes per second into Kafka: ReplayLink (HTTP ingest, linking on, kafka sink), with and
 * without the spool, beside a pass-through that writes the same raw bodies straight to the same broker with the
 * same producer settings, in the same run; and the spool's write cost per envelope.
 */
public final class KafkaThroughputBench {
    private KafkaThroughputBench() {
    }

    static final Map<String, Object> PRODUCER = Map.of("acks", "all", "enable.idempotence", "true", "linger.ms", "5",
            "batch.size", "262144", "compression.type", "none");

    public static String run(long seconds) throws Exception {
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            bodies.add(EnvelopeCodecBenchmark.Payloads.errorEnvelope(2 * 1024));
        }
        StringBuilder out = new StringBuilder("| path (2 KB error envelopes, same broker, same run) | envelopes/s "
                + "| ratio to pass-through |\n|---|---:|---:|");
        try (KafkaBroker broker = KafkaBroker.start()) {
            double raw = passThrough(broker.bootstrap(), bodies, seconds);
            double plain = sidecarToKafka(broker.bootstrap(), seconds, false, false);
            double linked = sidecarToKafka(broker.bootstrap(), seconds, false);
            double spooled = sidecarToKafka(broker.bootstrap(), seconds, true);
            out.append(String.format(Locale.ROOT, "%n| pass-through: raw bodies straight to Kafka (baseline) | %.0f | 1.00 |",
                    raw));
            out.append(String.format(Locale.ROOT, "%n| ReplayLink, processing off: HTTP, kafka sink | %.0f | %.2f |",
                    plain, plain / raw));
            out.append(String.format(Locale.ROOT, "%n| ReplayLink: HTTP, linking, kafka sink | %.0f | %.2f (%.2f of "
                    + "processing off) |", linked, linked / raw, linked / plain));
            out.append(String.format(Locale.ROOT, "%n| ReplayLink with the spool (fsync interval) | %.0f | %.2f |",
                    spooled, spooled / raw));
        }
        Path dir = Files.createTempDirectory("replaylink-spool-bench");
        out.append("\n\n| spool append, 2 KB envelope | appends/s | µs per envelope |\n|---|---:|---:|");
        try {
            for (Spool.Fsync fsync : Spool.Fsync.values()) {
                double rate = spoolAppends(dir.resolve(fsync.name()), fsync, seconds);
                out.append(String.format(Locale.ROOT, "%n| fsync %s | %.0f | %.1f |",
                        fsync.name().toLowerCase(Locale.ROOT), rate, 1e6 / rate));
            }
        } finally {
            io.replaylink.testing.TempDirs.delete(dir);
        }
        return out.toString();
    }

    static double passThrough(String bootstrap, List<byte[]> bodies, long seconds) throws Exception {
        Map<String, Object> config = new java.util.HashMap<>(PRODUCER);
        config.put("bootstrap.servers", bootstrap);
        String topic = "raw-" + UUID.randomUUID();
        KafkaBroker.createTopicsAt(bootstrap, topic);
        Semaphore window = new Semaphore(2000);
        AtomicLong done = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            long end = warmEnd + TimeUnit.SECONDS.toNanos(seconds);
            long startCount = -1;
            long startTime = 0;
            List<byte[]> keys = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                keys.add(HexFormat.of().parseHex(Envelopes.id()));
            }
            for (int i = 0; System.nanoTime() < end; i++) {
                if (startCount < 0 && System.nanoTime() > warmEnd) {
                    startCount = done.get();
                    startTime = System.nanoTime();
                }
                window.acquire();
                byte[] key = keys.get(i % keys.size());
                producer.send(new ProducerRecord<>(topic, key, bodies.get(i % bodies.size())), (m, e) -> {
                    done.incrementAndGet();
                    window.release();
                });
            }
            return (done.get() - startCount) / ((System.nanoTime() - startTime) / 1e9);
        }
    }

    static double sidecarToKafka(String bootstrap, long seconds, boolean spool) throws Exception {
        return sidecarToKafka(bootstrap, seconds, spool, true);
    }

    static double sidecarToKafka(String bootstrap, long seconds, boolean spool, boolean linking) throws Exception {
        String topic = "bench-" + UUID.randomUUID();
        KafkaBroker.createTopicsAt(bootstrap, topic);
        return sidecar(linking, "  - {name: kafka, config: {bootstrap_servers: \"" + bootstrap + "\", topics: {events: "
                + topic + "}}}", seconds, spool);
    }

    static double sidecar(String sinks, long seconds, boolean spool) throws Exception {
        return sidecar(true, sinks, seconds, spool);
    }

    static double sidecar(boolean linking, String sinks, long seconds, boolean spool) throws Exception {
        Path dir = Files.createTempDirectory("replaylink-bench");
        String config = """
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                processors: [%s]
                spool: {enabled: %s, dir: "%s"}
                sinks:
                %s
                """.formatted(linking ? "replay-linker" : "", spool, dir.resolve("spool"), sinks);
        try (TestSidecar sidecar = TestSidecar.start(config)) {
            io.vertx.core.Vertx client = io.vertx.core.Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(1));
            io.vertx.core.http.HttpClient http = client.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                    .setKeepAlive(true).setTcpNoDelay(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(256));
            String path = "/api/1/envelope/?sentry_key=" + TestSidecar.KEY;
            List<io.vertx.core.buffer.Buffer> prepared = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                prepared.add(io.vertx.core.buffer.Buffer.buffer(pad(Envelopes.backendError(Envelopes.id(),
                        Envelopes.id()))));
            }
            int next = 0;
            Semaphore window = new Semaphore(256);
            AtomicLong ok = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            long end = warmEnd + TimeUnit.SECONDS.toNanos(seconds);
            long startCount = -1;
            long startTime = 0;
            while (System.nanoTime() < end) {
                if (startCount < 0 && System.nanoTime() > warmEnd) {
                    startCount = accepted(sidecar);
                    startTime = System.nanoTime();
                }
                window.acquire();
                io.vertx.core.buffer.Buffer body = prepared.get(next++ % prepared.size());
                http.request(new io.vertx.core.http.RequestOptions().setMethod(io.vertx.core.http.HttpMethod.POST)
                                .setPort(sidecar.port()).setHost("127.0.0.1").setURI(path).setIdleTimeout(10_000))
                        .compose(req -> req.send(body)).compose(resp -> resp.body().map(b -> resp.statusCode()))
                        .onComplete(ar -> {
                            if (ar.succeeded() && ar.result() == 200) {
                                ok.incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                            }
                            window.release();
                        });
            }
            double rate = (accepted(sidecar) - startCount) / ((System.nanoTime() - startTime) / 1e9);
            if (!window.tryAcquire(256, 30, TimeUnit.SECONDS)) {
                System.out.println("requests still open after 30 s: " + (256 - window.availablePermits()));
                sidecar.get("/metrics").body().lines().filter(l -> l.startsWith("replaylink_requests_total")
                        || l.startsWith("replaylink_inflight") || l.startsWith("replaylink_sink_inflight")
                        || l.contains("request_duration_seconds_count")).forEach(System.out::println);
                System.out.println("client ok " + ok.get() + " failed " + failed.get());
            }
            client.close().await();
            if (failed.get() > 0) {
                System.out.println("non-200 answers: " + failed.get());
            }
            return rate;
        } finally {
            io.replaylink.testing.TempDirs.delete(dir);
        }
    }

    /** Envelopes the sidecar answered 200, from its own metrics (the client's view can lag). */
    static long accepted(TestSidecar sidecar) throws Exception {
        return sidecar.get("/metrics").body().lines()
                .filter(l -> l.startsWith("replaylink_requests_total{endpoint=\"envelope\",outcome=\"accepted\""))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Pads a backend error envelope's event to about 2 KB (a `extra` field) so both paths carry the same size. */
    static byte[] pad(byte[] envelope) {
        String text = new String(envelope, java.nio.charset.StandardCharsets.UTF_8);
        String[] lines = text.split("\n");
        String event = lines[2].substring(0, lines[2].length() - 1) + ",\"extra\":{\"pad\":\""
                + "x".repeat(Math.max(0, 2048 - lines[2].length() - 24)) + "\"}}";
        return (lines[0] + "\n{\"type\":\"event\",\"length\":" + event.length() + "}\n" + event + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static double spoolAppends(Path dir, Spool.Fsync fsync, long seconds) throws Exception {
        byte[] envelope = EnvelopeCodecBenchmark.Payloads.errorEnvelope(2 * 1024);
        try (Spool spool = new Spool(dir, 1L << 40, 64L << 20, fsync, 100)) {
            Semaphore window = new Semaphore(256);
            AtomicLong done = new AtomicLong();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(2, seconds / 2));
            long t0 = System.nanoTime();
            while (System.nanoTime() < end) {
                window.acquire();
                spool.append(SpoolRecord.envelope(1, System.currentTimeMillis(), Map.of("X-Sentry-Auth", "Sentry x"),
                        envelope)).whenComplete((v, e) -> {
                            done.incrementAndGet();
                            window.release();
                        });
            }
            window.acquire(256);
            return done.get() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 1 && args[1].equals("diag")) {
            System.out.println("collect sink: " + sidecar("  - {name: test-collect, config: {id: diag}}", 5, false));
            return;
        }
        System.out.println(run(args.length > 0 ? Long.parseLong(args[0]) : 10));
    }
}
