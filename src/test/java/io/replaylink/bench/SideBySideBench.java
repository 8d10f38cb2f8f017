package io.replaylink.bench;

import io.replaylink.loadgen.LoadGenerator;
import io.replaylink.loadgen.Scenario;
import io.replaylink.loadgen.Stream;
import io.replaylink.loadgen.StreamGenerator;
import io.replaylink.testing.KafkaBroker;
import io.replaylink.testing.RedisServers;
import io.replaylink.testing.SidecarProcess;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Side by side on this machine, in one run: ReplayLink with linking, a shared Redis index and the Kafka sink;
 * ReplayLink with processing off writing the same Kafka; and nginx (Debian's package) proxying to a capturing
 * upstream, the physical reference for HTTP forwarding here. Each gets the same open-loop stream at rising rates
 * (a sweep) until p99 passes 20 ms or a request fails; the highest clean rate is reported, then latency, CPU time
 * per envelope and RSS at half the pass-through's highest rate. Each system is warmed up first (three steps' time at
 * 1,000/s), because the JVM's compiler needs tens of thousands of requests to settle. Run by {@code scripts/bench e2e}.
 */
public final class SideBySideBench {
    private SideBySideBench() {
    }

    record Step(double rate, LoadGenerator.Result result) {
        boolean clean() {
            return result.errors() == 0 && result.wrongStatus().isEmpty()
                    && result.latency().getValueAtPercentile(99) <= 20_000;
        }
    }

    public static String run(int stepSeconds) throws Exception {
        Vertx vertx = Vertx.vertx();
        HttpServer upstream = vertx.createHttpServer().requestHandler(req -> req.body()
                .onComplete(b -> req.response().putHeader("Content-Type", "application/json").end("{}")));
        upstream.listen(0, "127.0.0.1").await();
        Path dir = Files.createTempDirectory("replaylink-e2e");
        StringBuilder out = new StringBuilder();
        try (RedisServers.RedisServer redis = RedisServers.RedisServer.start(); KafkaBroker broker = KafkaBroker.start()) {
            String kafkaSink = "  - {name: kafka, config: {bootstrap_servers: \"" + broker.bootstrap() + "\"}}";
            Path full = Files.writeString(dir.resolve("full.yaml"), config("[replay-linker]",
                    "{name: redis, config: {uri: \"" + redis.uri() + "\"}}", kafkaSink));
            Path off = Files.writeString(dir.resolve("off.yaml"), config("[]", "{name: memory}", kafkaSink));
            Path nginxConf = nginxConfig(dir, upstream.actualPort());
            List<String> rows = new ArrayList<>();
            double[] best = new double[3];
            LoadGenerator.Result[] atHalf = new LoadGenerator.Result[3];
            double[] cpuPerEnvelope = new double[3];
            long[] rss = new long[3];
            String[] names = {"ReplayLink: linking, Redis index, Kafka", "ReplayLink: processing off, Kafka",
                    "nginx proxy to the capturing upstream"};
            for (int system = 2; system >= 0; system--) {
                Process nginx = null;
                SidecarProcess sidecar = null;
                int port;
                long pid;
                if (system == 2) {
                    port = Integer.parseInt(Files.readString(dir.resolve("nginx.port")).trim());
                    nginx = new ProcessBuilder("nginx", "-c", nginxConf.toString(), "-p", dir.toString(), "-g",
                            "daemon off;").redirectErrorStream(true).redirectOutput(dir.resolve("nginx.log").toFile())
                            .start();
                    Thread.sleep(500);
                    pid = nginx.pid();
                } else {
                    sidecar = SidecarProcess.start(system == 0 ? full : off, dir.resolve("sidecar" + system + ".log"));
                    port = sidecar.port();
                    pid = sidecar.pid();
                }
                try {
                    // the JIT takes tens of thousands of requests to settle (CPU per request fell from 1.1 ms to
                    // 0.15 ms over the first 30,000 in a sequential test): warm up well before measuring
                    sweep(vertx, port, 1000, 3 * stepSeconds);
                    double rate = 1000;
                    while (true) {
                        Step step = sweep(vertx, port, rate, stepSeconds);
                        rows.add(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f | %d |", names[system], rate,
                                step.result().answered() / step.result().seconds(),
                                step.result().latency().getValueAtPercentile(99) / 1000.0, step.result().errors()));
                        if (!step.clean() || rate >= 64_000) {
                            break;
                        }
                        best[system] = rate;
                        rate *= 2;
                    }
                    double half = Math.max(500, (system == 2 ? best[2] : best[1] == 0 ? best[system] : best[1]) / 2);
                    long cpu0 = cpuTicks(pid);
                    Step h = sweep(vertx, port, half, stepSeconds);
                    long cpu1 = cpuTicks(pid);
                    atHalf[system] = h.result();
                    cpuPerEnvelope[system] = (cpu1 - cpu0) * 10_000.0 / Math.max(1, h.result().answered());
                    rss[system] = rssKb(pid);
                } finally {
                    if (nginx != null) {
                        nginx.destroy();
                        nginx.waitFor(10, TimeUnit.SECONDS);
                    }
                    if (sidecar != null) {
                        sidecar.stop();
                    }
                }
            }
            out.append("| system (2 KB-4 KB envelopes, open loop) | offered/s | answered/s | p99 ms | errors |\n"
                    + "|---|---:|---:|---:|---:|\n");
            rows.forEach(r -> out.append(r).append('\n'));
            out.append("\n| system | highest clean rate/s | ratio to processing off | p99 ms at half | CPU µs per "
                    + "envelope | RSS MB |\n|---|---:|---:|---:|---:|---:|\n");
            for (int s = 0; s < 3; s++) {
                out.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %.0f | %d |%n", names[s], best[s],
                        best[1] == 0 ? 0 : best[s] / best[1], atHalf[s] == null ? 0
                                : atHalf[s].latency().getValueAtPercentile(99) / 1000.0, cpuPerEnvelope[s],
                        rss[s] / 1024));
            }
        } finally {
            vertx.close().await();
        }
        return out.toString();
    }

    static Step sweep(Vertx vertx, int port, double rate, int seconds) throws Exception {
        int sessions = (int) Math.max(10, rate * seconds / 9);
        Stream stream = StreamGenerator.generate(Scenario.parse("seed: " + (long) rate + "\nsessions: " + sessions
                + "\nmalformed_share: 0\nrate: {rps: " + rate + "}\n"));
        return new Step(rate, LoadGenerator.run(vertx, stream, "127.0.0.1", port, false, 256, null));
    }

    static String config(String processors, String index, String sinks) {
        return """
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                index: %s
                processors: %s
                sinks:
                %s
                """.formatted(index, processors, sinks);
    }

    static Path nginxConfig(Path dir, int upstreamPort) throws IOException {
        int port = RedisServers.freePort();
        Files.writeString(dir.resolve("nginx.port"), Integer.toString(port));
        Files.createDirectories(dir.resolve("logs"));
        return Files.writeString(dir.resolve("nginx.conf"), """
                worker_processes 2;
                pid %s/nginx.pid;
                error_log %s/logs/error.log warn;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  client_body_temp_path %s/body;
                  proxy_temp_path %s/proxy;
                  fastcgi_temp_path %s/fastcgi;
                  uwsgi_temp_path %s/uwsgi;
                  scgi_temp_path %s/scgi;
                  client_max_body_size 20m;
                  upstream capture { server 127.0.0.1:%d; keepalive 64; }
                  server {
                    listen 127.0.0.1:%d;
                    location / {
                      proxy_pass http://capture;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                    }
                  }
                }
                """.formatted(dir, dir, dir, dir, dir, dir, dir, upstreamPort, port));
    }

    /** utime + stime of a process and its children, in clock ticks (1/100 s). */
    static long cpuTicks(long pid) throws IOException {
        long total = 0;
        for (long p : processTree(pid)) {
            Path stat = Path.of("/proc/" + p + "/stat");
            if (Files.exists(stat)) {
                String s = Files.readString(stat);
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                total += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            }
        }
        return total;
    }

    static long rssKb(long pid) throws IOException {
        long total = 0;
        for (long p : processTree(pid)) {
            Path status = Path.of("/proc/" + p + "/status");
            if (Files.exists(status)) {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmRSS:")) {
                        total += Long.parseLong(line.replaceAll("\\D", ""));
                    }
                }
            }
        }
        return total;
    }

    static List<Long> processTree(long pid) {
        List<Long> all = new ArrayList<>(List.of(pid));
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> all.add(d.pid())));
        return all;
    }

    public static void main(String[] args) throws Exception {
        System.out.println(run(args.length > 0 ? Integer.parseInt(args[0]) : 8));
    }
}
