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
 * What linking costs, and where: four ReplayLink processes on one Redis and one Kafka broker take turns at one rate
 * with the side-by-side benchmark's stream: processing off (the baseline), linking with the in-memory index (the
 * sidecar's own linking work: parsing events, enriching, link messages), linking with the Redis index (adds the
 * Redis client and server) and the same with {@code batch_interval_us} 1500. Per step: the CPU per envelope of the
 * sidecar (its process, from /proc), redis-server ({@code INFO cpu}), the Kafka broker (its process) and the load
 * generator (this JVM), their sum (the machine's CPU per envelope, which sets the knee on a CPU-bound box), the
 * reads Redis made per envelope ({@code INFO stats}: one per batch that arrived on its own), p50 and p99, and the
 * share of index lookups answered within 1 and 5 ms (the sidecar's own histogram); the table gives each one's median
 * over the measured steps and the knee ratio the CPU implies (the baseline's machine CPU over the variant's). Only
 * one process is loaded at a time, so the shared processes' counters belong to it.
 * Run by {@code scripts/bench cost}.
 */
public final class LinkingCostBench {
    private LinkingCostBench() {
    }

    record Variant(String label, String processors, String index, boolean redis) {
    }

    static List<Variant> variants(String redisUri) {
        String redis = "{name: redis, config: {uri: \"" + redisUri + "\", namespace: v%d, batch_interval_us: %d}}";
        return List.of(
                new Variant("processing off (baseline)", "[]", "{name: memory}", false),
                new Variant("linking, in-memory index", "[replay-linker]", "{name: memory}", false),
                new Variant("linking, Redis index", "[replay-linker]", String.format(Locale.ROOT, redis, 2, 0), true),
                new Variant("linking, Redis index, batch_interval_us 1500", "[replay-linker]",
                        String.format(Locale.ROOT, redis, 3, 1500), true));
    }

    public static String run(double rate, int warmSteps, int steps, double stepSeconds) throws Exception {
        Vertx vertx = Vertx.vertx();
        Path dir = Files.createTempDirectory("replaylink-cost");
        List<Variant> variants = new ArrayList<>();
        List<SidecarProcess> sidecars = new ArrayList<>();
        List<List<double[]>> measured = new ArrayList<>();
        try (RedisServers.RedisServer redis = RedisServers.RedisServer.start();
             KafkaBroker broker = KafkaBroker.start()) {
            variants.addAll(variants(redis.uri()));
            String kafkaSink = "  - {name: kafka, config: {bootstrap_servers: \"" + broker.bootstrap() + "\"}}";
            for (int i = 0; i < variants.size(); i++) {
                Variant v = variants.get(i);
                Path config = Files.writeString(dir.resolve("variant-" + i + ".yaml"),
                        SideBySideBench.config(v.processors(), v.index(), kafkaSink));
                sidecars.add(SidecarProcess.start(config, dir.resolve("sidecar-" + i + ".log")));
                measured.add(new ArrayList<>());
            }
            for (int i = 0; i < variants.size(); i++) {
                for (int s = 0; s < warmSteps; s++) {
                    SideBySideBench.sweep(vertx, sidecars.get(i).port(), rate, stepSeconds,
                            3_000_000L + 1000L * i + s);
                }
            }
            for (int s = 0; s < steps; s++) {
                for (int i = 0; i < variants.size(); i++) {
                    SidecarProcess sidecarProcess = sidecars.get(i);
                    // generated before the counters are read: the generator's column is sending only
                    io.replaylink.loadgen.Stream stream = SideBySideBench.stream(rate, stepSeconds,
                            4_000_000L + 1000L * i + s);
                    String metrics0 = SideBySideBench.scrape(sidecarProcess.port());
                    long cpu0 = SideBySideBench.cpuTicks(sidecarProcess.pid());
                    long broker0 = SideBySideBench.cpuTicks(broker.pid());
                    long self0 = ownCpuNanos();
                    double redisCpu0 = redisCpuSeconds(redis);
                    double reads0 = redisStat(redis, "total_reads_processed");
                    LoadGenerator.Result r = SideBySideBench.send(vertx, sidecarProcess.port(), rate, stream).result();
                    double answered = Math.max(1, r.answered());
                    String metrics1 = SideBySideBench.scrape(sidecarProcess.port());
                    String lookup = "replaylink_index_duration_seconds_bucket{op=\"lookup\",le=\"";
                    double sidecar = (SideBySideBench.cpuTicks(sidecarProcess.pid()) - cpu0) * 10_000.0 / answered;
                    double redisCpu = (redisCpuSeconds(redis) - redisCpu0) * 1e6 / answered;
                    double brokerCpu = (SideBySideBench.cpuTicks(broker.pid()) - broker0) * 10_000.0 / answered;
                    double generator = (ownCpuNanos() - self0) / 1000.0 / answered;
                    measured.get(i).add(new double[] {
                            sidecar, redisCpu, brokerCpu, generator, sidecar + redisCpu + brokerCpu + generator,
                            (redisStat(redis, "total_reads_processed") - reads0) / answered,
                            r.latency().getValueAtPercentile(50) / 1000.0,
                            r.latency().getValueAtPercentile(99) / 1000.0,
                            100 * share(metrics0, metrics1, lookup, "0.001"),
                            100 * share(metrics0, metrics1, lookup, "0.005")});
                }
            }
        } finally {
            for (SidecarProcess sidecar : sidecars) {
                sidecar.close();
            }
            vertx.close().await();
            io.replaylink.testing.TempDirs.delete(dir);
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "What linking costs at %.0f/s (the "
                + "side-by-side stream; %d warm-up and %d measured steps of %.1f s per process, taking turns; medians "
                + "over the measured steps; CPU in µs per envelope; implied knee ratio = the baseline's machine CPU "
                + "over the variant's):%n%n| system | sidecar | redis-server | Kafka broker | load generator "
                + "| machine | implied knee ratio | Redis reads/envelope | p50 ms | p99 ms "
                + "| lookups <= 1 / 5 ms, %% |%n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|%n",
                rate, warmSteps, steps, stepSeconds));
        double baseline = median(measured.get(0), 4);
        for (int i = 0; i < variants.size(); i++) {
            List<double[]> rows = measured.get(i);
            boolean redis = variants.get(i).redis();
            out.append(String.format(Locale.ROOT,
                    "| %s | %.0f | %s | %.0f | %.0f | %.0f | %.2f | %s | %.2f | %.2f | %s |%n",
                    variants.get(i).label(), median(rows, 0),
                    redis ? String.format(Locale.ROOT, "%.1f", median(rows, 1)) : "-",
                    median(rows, 2), median(rows, 3), median(rows, 4), baseline / median(rows, 4),
                    redis ? String.format(Locale.ROOT, "%.3f", median(rows, 5)) : "-",
                    median(rows, 6), median(rows, 7),
                    i == 0 ? "-" : String.format(Locale.ROOT, "%.1f / %.2f", median(rows, 8), median(rows, 9))));
        }
        return out.toString();
    }

    /** This JVM's CPU time alone (its children, the sidecars, broker and Redis, are counted apart). */
    private static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
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

    /** redis-server's CPU time (system and user), from one {@code INFO cpu}. */
    static double redisCpuSeconds(RedisServers.RedisServer redis) throws Exception {
        String info = RedisServers.command(redis.port(), "info", "cpu");
        return field(info, "used_cpu_sys") + field(info, "used_cpu_user");
    }

    static double redisStat(RedisServers.RedisServer redis, String field) throws Exception {
        return field(RedisServers.command(redis.port(), "info", "stats"), field);
    }

    private static double field(String info, String field) {
        for (String line : info.split("\n")) {
            if (line.startsWith(field + ":")) {
                return Double.parseDouble(line.substring(field.length() + 1).trim());
            }
        }
        throw new IllegalStateException("no " + field + " in " + info.lines().findFirst().orElse("INFO"));
    }
}
