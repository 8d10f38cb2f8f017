package io.replaylink.bench;

import io.replaylink.loadgen.LoadGenerator;
import io.replaylink.testing.SidecarProcess;
import io.vertx.core.Vertx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Overload: the linking sidecar (in-memory index, file sink, load shedding at its default) alone on core 1 with
 * {@code --pin}. First the highest clean rate (every answer 200, no error, p99 of the answers under
 * {@link #CLEAN_P99_MS}) in rising steps; then twice that rate for {@code overloadSeconds}; then half of it, to see
 * when service is normal again (the first second from which on every second has no refusal and a p99 under the
 * bound). Reports what was accepted and its p99, what was refused (503/429) and whether each refusal said when to come
 * back, requests that timed out or failed, and the sidecar's peak resident memory (VmHWM of /proc, sampled).
 * Run by {@code scripts/bench [--pin] overload} (only when named).
 */
public final class OverloadBench {
    static final double CLEAN_P99_MS = 100;

    private OverloadBench() {
    }

    public static String run(boolean quick) throws Exception {
        double stepSeconds = quick ? 3 : 5;
        double overloadSeconds = quick ? 15 : 60;
        Vertx vertx = Vertx.vertx();
        Path dir = Files.createTempDirectory("replaylink-overload");
        StringBuilder out = new StringBuilder();
        try {
            Path config = Files.writeString(dir.resolve("overload.yaml"), SideBySideBench.config("[replay-linker]",
                    "{name: memory}", "  - {name: file, config: {dir: \"" + dir.resolve("out")
                            + "\", max_file_size: 4294967296}}").replace("server: {port: 0}",
                    "server: {port: 0, shed_above_cpu: 0.9}"));
            try (SidecarProcess sidecar = SidecarProcess.start(config, dir.resolve("sidecar.log"),
                    SideBySideBench.PINNED)) {
                // warm-up: a cold JVM on one core needs ~10 s at 1,000/s before it keeps up (and sheds meanwhile);
                // half a minute rising to 6,000/s leaves the compilers done before the first measured step
                for (int w = 0; w < (quick ? 2 : 6); w++) {
                    SideBySideBench.sweep(vertx, sidecar.port(), 1000 + 1000 * w, 5, 7_000_000L + w);
                }
                double clean = 0;
                StringBuilder steps = new StringBuilder();
                for (double rate = 1000; rate <= 30_000; rate += quick ? 2000 : 1000) {
                    LoadGenerator.Result r = SideBySideBench.sweep(vertx, sidecar.port(), rate, stepSeconds,
                            7_100_000L + (long) rate).result();
                    double p99 = r.latency().getValueAtPercentile(99) / 1000.0;
                    boolean ok = r.errors() == 0 && r.byStatus().keySet().stream().allMatch(s -> s == 200)
                            && p99 < CLEAN_P99_MS;
                    steps.append(String.format(Locale.ROOT, "%.0f/s: %s, p99 %.1f ms, answers %s%n", rate,
                            ok ? "clean" : "not clean", p99, r.statusText()));
                    if (!ok) {
                        break;
                    }
                    clean = rate;
                }
                if (clean == 0) {
                    return "overload: no clean rate found\n" + steps;
                }
                double overload = 2 * clean;
                AtomicLong peakRss = new AtomicLong();
                Thread sampler = new Thread(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        peakRss.accumulateAndGet(rssKib(sidecar.pid()), Math::max);
                        try {
                            Thread.sleep(250);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "rss-sampler");
                sampler.setDaemon(true);
                long rssBefore = rssKib(sidecar.pid());
                sampler.start();
                LoadGenerator.Result over = SideBySideBench.send(vertx, sidecar.port(), overload,
                        SideBySideBench.stream(overload, overloadSeconds, 7_200_000L)).result();
                LoadGenerator.Result after = SideBySideBench.send(vertx, sidecar.port(), clean / 2,
                        SideBySideBench.stream(clean / 2, 15, 7_300_000L)).result();
                sampler.interrupt();
                long hwm = highWaterKib(sidecar.pid());
                long accepted = over.byStatus().getOrDefault(200, 0L);
                long refused = over.byStatus().getOrDefault(503, 0L) + over.byStatus().getOrDefault(429, 0L);
                out.append(String.format(Locale.ROOT, """
                                Overload (linking, in-memory index, file sink, shedding above 0.9 of the loop's CPU; \
                                sidecar JVM %s%s): the highest clean rate in %.0f s steps was %.0f/s; then %.0f/s for \
                                %.0f s, then %.0f/s for 15 s.

                                | phase | sent | accepted (200) | p99 of accepted, ms | refused (503/429) | refusals without Retry-After | other answers | failed or timed out |
                                |---|---:|---:|---:|---:|---:|---:|---:|
                                | 2x clean rate | %d | %d | %.1f | %d | %d | %d | %d |
                                | after, half the clean rate | %d | %d | %.1f | %d | %d | %d | %d |

                                Normal service again %s after the overload ended. Sidecar RSS: %d MiB before, %d MiB \
                                peak sampled, %d MiB high-water mark (VmHWM, whole run).

                                Steps: %s""",
                        String.join(" ", SidecarProcess.jvmOptions()), SideBySideBench.PINNED.isEmpty() ? ""
                                : ", pinned to core 1", stepSeconds, clean, overload, overloadSeconds, clean / 2,
                        over.sent(), accepted, over.acceptedLatency().getValueAtPercentile(99) / 1000.0, refused,
                        over.refusalsWithoutRetryAfter(), over.answered() - accepted - refused, over.errors(),
                        after.sent(), after.byStatus().getOrDefault(200, 0L),
                        after.acceptedLatency().getValueAtPercentile(99) / 1000.0,
                        after.byStatus().getOrDefault(503, 0L) + after.byStatus().getOrDefault(429, 0L),
                        after.refusalsWithoutRetryAfter(),
                        after.answered() - after.byStatus().getOrDefault(200, 0L)
                                - after.byStatus().getOrDefault(503, 0L) - after.byStatus().getOrDefault(429, 0L),
                        after.errors(), recovery(after.timeline()), rssBefore / 1024, peakRss.get() / 1024,
                        hwm / 1024, steps.toString().replace("\n", "; ")));
            }
        } finally {
            vertx.close().await();
            io.replaylink.testing.TempDirs.delete(dir);
        }
        return out.toString();
    }

    /** The seconds until the first second from which on none has a refusal or a p99 over the bound. */
    static String recovery(List<LoadGenerator.Second> timeline) {
        int from = timeline.size();
        for (int i = timeline.size() - 1; i >= 0; i--) {
            LoadGenerator.Second s = timeline.get(i);
            if (s.refused() > 0 || s.p99() >= CLEAN_P99_MS) {
                break;
            }
            from = i;
        }
        return from == timeline.size() ? "not within 15 s" : String.format(Locale.ROOT, "within %d s", from + 1);
    }

    static long rssKib(long pid) {
        return statusKib(pid, "VmRSS:");
    }

    static long highWaterKib(long pid) {
        return statusKib(pid, "VmHWM:");
    }

    private static long statusKib(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            return 0;
        }
        return 0;
    }
}
