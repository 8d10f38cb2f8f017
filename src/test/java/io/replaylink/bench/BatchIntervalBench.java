package io.replaylink.bench;

import io.replaylink.loadgen.LoadGenerator;
import io.replaylink.testing.KafkaBroker;
import io.replaylink.testing.RedisServers;
import io.replaylink.testing.SidecarProcess;
import io.vertx.core.Vertx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code batch_interval_us} buys and costs: two ReplayLink processes with linking, one Redis and one Kafka
 * broker, the same in all but the least time between two Redis batches (0, the default: a batch whenever the
 * last one is answered, and 1.5 ms), take turns at one rate with the side-by-side benchmark's stream. Per step: the
 * sidecar's CPU per envelope (its process, from /proc), redis-server's CPU per envelope ({@code INFO cpu}), the reads
 * Redis made per envelope ({@code INFO stats}: one per batch that arrived on its own), p50 and p99, the share of
 * index lookups answered within 1, 5 and 25 ms and of Kafka sends over 25 ms (the sidecar's own histograms); the
 * table gives each one's median over the measured steps. Only one process is loaded at a time, so Redis's
 * counters belong to it.
 * Run by {@code scripts/bench interval}.
 */
public final class BatchIntervalBench {
    private BatchIntervalBench() {
    }

    static final long[] INTERVALS_US = {0, 1500};

    public static String run(double rate, int warmSteps, int steps, int stepSeconds) throws Exception {
        Vertx vertx = Vertx.vertx();
        Path dir = Files.createTempDirectory("replaylink-interval");
        SidecarProcess[] sidecars = new SidecarProcess[INTERVALS_US.length];
        List<List<double[]>> measured = new ArrayList<>();
        try (RedisServers.RedisServer redis = RedisServers.RedisServer.start();
             KafkaBroker broker = KafkaBroker.start()) {
            String kafkaSink = "  - {name: kafka, config: {bootstrap_servers: \"" + broker.bootstrap() + "\"}}";
            for (int i = 0; i < INTERVALS_US.length; i++) {
                Path config = Files.writeString(dir.resolve("interval-" + i + ".yaml"), SideBySideBench.config(
                        "[replay-linker]", "{name: redis, config: {uri: \"" + redis.uri() + "\", namespace: i" + i
                                + ", batch_interval_us: " + INTERVALS_US[i] + "}}", kafkaSink));
                sidecars[i] = SidecarProcess.start(config, dir.resolve("sidecar-" + i + ".log"));
                measured.add(new ArrayList<>());
            }
            for (int i = 0; i < sidecars.length; i++) {
                for (int s = 0; s < warmSteps; s++) {
                    SideBySideBench.sweep(vertx, sidecars[i].port(), rate, stepSeconds, 3_000_000L + 1000L * i + s);
                }
            }
            for (int s = 0; s < steps; s++) {
                for (int i = 0; i < sidecars.length; i++) {
                    String metrics0 = SideBySideBench.scrape(sidecars[i].port());
                    long cpu0 = SideBySideBench.cpuTicks(sidecars[i].pid());
                    double redisCpu0 = redisCpuSeconds(redis);
                    double reads0 = redisStat(redis, "total_reads_processed");
                    LoadGenerator.Result r = SideBySideBench.sweep(vertx, sidecars[i].port(), rate, stepSeconds,
                            4_000_000L + 1000L * i + s).result();
                    double answered = Math.max(1, r.answered());
                    String metrics1 = SideBySideBench.scrape(sidecars[i].port());
                    String lookup = "replaylink_index_duration_seconds_bucket{op=\"lookup\",le=\"";
                    String sink = "replaylink_sink_duration_seconds_bucket{sink=\"kafka\",le=\"";
                    measured.get(i).add(new double[] {
                            (SideBySideBench.cpuTicks(sidecars[i].pid()) - cpu0) * 10_000.0 / answered,
                            (redisCpuSeconds(redis) - redisCpu0) * 1e6 / answered,
                            (redisStat(redis, "total_reads_processed") - reads0) / answered,
                            r.latency().getValueAtPercentile(50) / 1000.0,
                            r.latency().getValueAtPercentile(99) / 1000.0,
                            100 * share(metrics0, metrics1, lookup, "0.001"),
                            100 * share(metrics0, metrics1, lookup, "0.005"),
                            100 * share(metrics0, metrics1, lookup, "0.025"),
                            100 * (1 - share(metrics0, metrics1, sink, "0.025"))});
                }
            }
        } finally {
            for (SidecarProcess sidecar : sidecars) {
                if (sidecar != null) {
                    sidecar.close();
                }
            }
            vertx.close().await();
            io.replaylink.testing.TempDirs.delete(dir);
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "Redis batch interval at %.0f/s (the "
                + "side-by-side stream; %d warm-up and %d measured steps of %d s per process, taking turns; medians "
                + "over the measured steps):%n%n| batch_interval_us | sidecar CPU µs/envelope | redis-server CPU "
                + "µs/envelope | Redis reads/envelope | p50 ms | p99 ms | lookups <= 1 / 5 / 25 ms, %% "
                + "| Kafka sends > 25 ms, %% |%n|---:|---:|---:|---:|---:|---:|---:|---:|%n",
                rate, warmSteps, steps, stepSeconds));
        for (int i = 0; i < INTERVALS_US.length; i++) {
            List<double[]> rows = measured.get(i);
            out.append(String.format(Locale.ROOT,
                    "| %d | %.0f | %.1f | %.3f | %.2f | %.2f | %.1f / %.2f / %.2f | %.2f |%n",
                    INTERVALS_US[i], median(rows, 0), median(rows, 1), median(rows, 2), median(rows, 3),
                    median(rows, 4), median(rows, 5), median(rows, 6), median(rows, 7), median(rows, 8)));
        }
        return out.toString();
    }

    /**
     * The share of a histogram's observations between two scrapes that fell at or under the bucket {@code le}
     * ({@code prefix} ends with {@code le="}); 1 when there were none.
     */
    static double share(String before, String after, String prefix, String le) {
        double all = SideBySideBench.metric(after, prefix + "+Inf\"}")
                - SideBySideBench.metric(before, prefix + "+Inf\"}");
        double under = SideBySideBench.metric(after, prefix + le + "\"}")
                - SideBySideBench.metric(before, prefix + le + "\"}");
        return all <= 0 ? 1 : under / all;
    }

    private static double median(List<double[]> rows, int column) {
        return SideBySideBench.median(rows.stream().map(r -> r[column]).toList());
    }

    static double redisCpuSeconds(RedisServers.RedisServer redis) throws Exception {
        return redisStat(redis, "used_cpu_sys", "cpu") + redisStat(redis, "used_cpu_user", "cpu");
    }

    static double redisStat(RedisServers.RedisServer redis, String field) throws Exception {
        return redisStat(redis, field, "stats");
    }

    private static double redisStat(RedisServers.RedisServer redis, String field, String section) throws Exception {
        for (String line : RedisServers.command(redis.port(), "info", section).split("\n")) {
            if (line.startsWith(field + ":")) {
                return Double.parseDouble(line.substring(field.length() + 1).trim());
            }
        }
        throw new IllegalStateException("no " + field + " in INFO " + section);
    }
}
