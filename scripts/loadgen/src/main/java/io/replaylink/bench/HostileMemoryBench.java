package io.replaylink.bench;

import io.replaylink.testing.SidecarProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

/**
 * The sidecar's memory under hostile load, with its default limits and in-flight budget and the JVM options of the
 * run ({@code SIDECAR_JVM}; scripts/run's heap is {@code -Xmx1g}): 64 connections keep requests in flight for
 * {@code seconds}, each one of the worst legal or nearly legal bodies: a gzip bomb that decodes past
 * {@code max_envelope_size}, a header of 150,000 tiny fields (a small body, a large tree), an envelope of 10,000
 * items, a 1 MB event, and a 19 MiB attachment (under {@code max_request_size}); the http sink forwards to a local
 * upstream that discards. Reports the answers per kind, failed requests, the sidecar's peak RSS (sampled) and
 * high-water mark, and whether it logged an OutOfMemoryError. Run by {@code scripts/bench hostile}.
 */
public final class HostileMemoryBench {
    private HostileMemoryBench() {
    }

    record Kind(String name, byte[] body, String encoding) {
    }

    public static String run(double seconds) throws Exception {
        Vertx vertx = Vertx.vertx();
        Path dir = Files.createTempDirectory("replaylink-hostile");
        try {
            HttpServer upstream = vertx.createHttpServer().requestHandler(r -> r.body()
                    .onComplete(b -> r.response().end("{}"))).listen(0, "127.0.0.1").await();
            Path config = Files.writeString(dir.resolve("hostile.yaml"), """
                    server: {port: 0}
                    projects: [{id: 1, public_keys: []}]
                    processors: [replay-linker]
                    sinks: [{name: http, config: {url: "http://127.0.0.1:%d"}}]
                    """.formatted(upstream.actualPort()));
            List<Kind> kinds = kinds();
            Map<String, Map<Integer, Long>> answers = new ConcurrentHashMap<>();
            AtomicLong failed = new AtomicLong();
            AtomicLong peak = new AtomicLong();
            try (SidecarProcess sidecar = SidecarProcess.start(config, dir.resolve("sidecar.log"),
                    SideBySideBench.PINNED)) {
                long rssBefore = OverloadBench.rssKib(sidecar.pid());
                HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                        new PoolOptions().setHttp1MaxSize(64));
                long end = System.nanoTime() + (long) (seconds * 1e9);
                CountDownLatch done = new CountDownLatch(64);
                for (int c = 0; c < 64; c++) {
                    loop(client, sidecar.port(), kinds, end, answers, failed, done);
                }
                while (done.getCount() > 0) {
                    peak.accumulateAndGet(OverloadBench.rssKib(sidecar.pid()), Math::max);
                    Thread.sleep(250);
                }
                boolean alive = sidecar.pid() > 0 && ProcessHandle.of(sidecar.pid()).map(ProcessHandle::isAlive)
                        .orElse(false);
                long hwm = OverloadBench.highWaterKib(sidecar.pid());
                boolean oom = Files.readString(dir.resolve("sidecar.log")).contains("OutOfMemoryError");
                StringBuilder out = new StringBuilder(String.format(Locale.ROOT, """
                        Hostile memory (default limits and in-flight budget, sidecar JVM %s, 64 connections for \
                        %.0f s): RSS %d MiB before, %d MiB peak sampled, %d MiB high-water mark; alive at the end: \
                        %s; OutOfMemoryError logged: %s; requests failed (no answer): %d.

                        | body | answers (status: count) |
                        |---|---|
                        """, String.join(" ", SidecarProcess.jvmOptions()), seconds, rssBefore / 1024,
                        peak.get() / 1024, hwm / 1024, alive, oom, failed.get()));
                for (Kind k : kinds) {
                    out.append("| ").append(k.name()).append(" | ").append(answers.getOrDefault(k.name(), Map.of()))
                            .append(" |\n");
                }
                client.close().await();
                return out.toString();
            } finally {
                upstream.close().await();
            }
        } finally {
            vertx.close().await();
            io.replaylink.testing.TempDirs.delete(dir);
        }
    }

    private static void loop(HttpClient client, int port, List<Kind> kinds, long end,
                             Map<String, Map<Integer, Long>> answers, AtomicLong failed, CountDownLatch done) {
        if (System.nanoTime() > end) {
            done.countDown();
            return;
        }
        Kind k = kinds.get(ThreadLocalRandom.current().nextInt(kinds.size()));
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                .setURI("/api/1/envelope/?sentry_key=0123456789abcdef0123456789abcdef").setIdleTimeout(60_000);
        if (k.encoding() != null) {
            options.putHeader("Content-Encoding", k.encoding());
        }
        Future<Integer> status = client.request(options)
                .compose(req -> req.send(Buffer.buffer(k.body())))
                .compose(resp -> resp.body().map(b -> resp.statusCode()));
        status.onComplete(ar -> {
            if (ar.succeeded()) {
                answers.computeIfAbsent(k.name(), n -> new TreeMap<>()).merge(ar.result(), 1L, Long::sum);
            } else {
                failed.incrementAndGet();
            }
            loop(client, port, kinds, end, answers, failed, done);
        });
    }

    static List<Kind> kinds() throws Exception {
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bomb)) {
            gz.write("{}\n{\"type\":\"attachment\"}\n".getBytes(StandardCharsets.UTF_8));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 400; i++) {
                gz.write(zeros);
            }
        }
        StringBuilder tree = new StringBuilder("{");
        for (int i = 0; i < 150_000; i++) {
            tree.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":0");
        }
        tree.append("}\n{\"type\":\"event\"}\n{}\n");
        StringBuilder items = new StringBuilder("{}\n");
        for (int i = 0; i < 10_000; i++) {
            items.append("{\"type\":\"x\"}\n{}\n");
        }
        String event = "{\"message\":\"" + "m".repeat(1_000_000) + "\",\"contexts\":{\"trace\":{\"trace_id\":"
                + "\"0af7651916cd43dd8448eb211c80319c\"}}}";
        String attachment = "a".repeat(19 << 20);
        return List.of(
                new Kind("gzip bomb (400 MiB of zeros, 0.4 MiB sent)", bomb.toByteArray(), "gzip"),
                new Kind("header of 150,000 tiny fields", utf8(tree), null),
                new Kind("10,000 items", utf8(items), null),
                new Kind("1 MB event", utf8("{}\n{\"type\":\"event\",\"length\":" + event.length() + "}\n" + event
                        + "\n"), null),
                new Kind("19 MiB attachment", utf8("{}\n{\"type\":\"attachment\",\"length\":" + attachment.length()
                        + "}\n" + attachment + "\n"), null));
    }

    private static byte[] utf8(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }
}
