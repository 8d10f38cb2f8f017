package io.replaylink.bench;

import io.replaylink.testing.LoopbackPorts;
import io.replaylink.testing.RedisServers;
import io.replaylink.testing.SidecarProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One configuration, two JVM option sets (A and B), the overhead suite's method: both sidecars alone on core 1, wrk on
 * core 0, warmed at full load, then A B A B ... A in 10 s windows; B's cost against its two neighbouring A windows.
 * For a change behind a switch (a system property), measured against the same build with the switch off, without
 * the other systems of {@code overhead}. Settings (system properties, {@code scripts/bench} passes them from the
 * environment): {@code ab.a}, {@code ab.b} (JVM options, e.g. {@code -Dreplaylink.x=true}), {@code ab.processors}
 * (default {@code [replay-linker]}), {@code ab.index} ({@code memory} or {@code redis}).
 */
public final class AbBench {
    private AbBench() {
    }

    public static String run(int warmSeconds, int windowSeconds, int rounds) throws Exception {
        String a = System.getProperty("ab.a", "").trim();
        String b = System.getProperty("ab.b", "").trim();
        String processors = System.getProperty("ab.processors", "[replay-linker]");
        boolean redisIndex = "redis".equals(System.getProperty("ab.index", "memory"));
        Path dir = Files.createTempDirectory("replaylink-ab");
        Path script = Path.of(System.getProperty("replaylink.projectRoot", "."), "scripts", "loadgen", "wrk",
                "envelopes.lua").toAbsolutePath();
        List<SidecarProcess> sidecars = new ArrayList<>();
        Process blackholeProcess = null;
        try (RedisServers.RedisServer redis = redisIndex ? RedisServers.RedisServer.start() : null) {
            int blackhole = LoopbackPorts.free();
            blackholeProcess = OverheadBench.nginx(dir, "blackhole", List.of(), OverheadBench.blackholeConfig(dir,
                    blackhole));
            String sink = "  - {name: http, config: {url: \"http://127.0.0.1:" + blackhole + "\"}}";
            String index = redis == null ? "{name: memory}"
                    : "{name: redis, config: {uri: \"" + redis.uri() + "\"}}";
            Path config = Files.writeString(dir.resolve("sidecar.yaml"), SideBySideBench.config(processors, index,
                    sink));
            List<OverheadBench.Target> targets = new ArrayList<>();
            String[] options = {a, b};
            for (int i = 0; i < 2; i++) {
                List<String> launcher = new ArrayList<>(OverheadBench.CORE_1);
                if (!options[i].isEmpty()) {
                    launcher.addAll(List.of("env", "JAVA_TOOL_OPTIONS=" + options[i]));
                }
                SidecarProcess s = SidecarProcess.start(config, dir.resolve("sidecar-" + i + ".log"), launcher);
                sidecars.add(s);
                targets.add(new OverheadBench.Target(i == 0 ? "A" : "B", s.port(), s.pid(), true));
            }
            for (int i = 0; i < 2; i++) {
                OverheadBench.warm(targets.get(i), script, warmSeconds, 7 + i);
            }
            List<OverheadBench.Window> windows = new ArrayList<>();
            long seed = 500;
            for (int w = 0; w < 2 * rounds + 1; w++) {
                OverheadBench.Window window = OverheadBench.window(targets.get(w % 2), script, windowSeconds,
                        seed++, null);
                windows.add(window);
                System.err.printf(Locale.ROOT, "ab: %s: %.0f/s, %.1f µs CPU/envelope, %.1f KB/envelope%n",
                        w % 2 == 0 ? "A" : "B", window.perSecond(), window.cpuMicros(), window.allocatedKb());
            }
            return table(a, b, processors, redisIndex, windows, windowSeconds, warmSeconds);
        } finally {
            OverheadBench.stopAll(sidecars, blackholeProcess, dir);
        }
    }

    /** A's CPU per envelope over B's for each B window and each of its neighbours (above 1: B is cheaper). */
    static List<Double> ratios(List<OverheadBench.Window> windows) {
        List<Double> ratios = new ArrayList<>();
        for (int w = 1; w < windows.size() - 1; w += 2) {
            double cost = windows.get(w).cpuMicros();
            ratios.add(windows.get(w - 1).cpuMicros() / cost);
            ratios.add(windows.get(w + 1).cpuMicros() / cost);
        }
        return ratios;
    }

    static String table(String a, String b, String processors, boolean redis, List<OverheadBench.Window> windows,
                        int windowSeconds, int warmSeconds) {
        List<Double> costA = new ArrayList<>();
        List<Double> costB = new ArrayList<>();
        List<Double> kbA = new ArrayList<>();
        List<Double> kbB = new ArrayList<>();
        for (int w = 0; w < windows.size(); w++) {
            (w % 2 == 0 ? costA : costB).add(windows.get(w).cpuMicros());
            (w % 2 == 0 ? kbA : kbB).add(windows.get(w).allocatedKb());
        }
        return String.format(Locale.ROOT, "A/B on one core (processors %s, %s index; %d s warm-up, then A B ... A in "
                        + "%d s windows):%n%n| | JVM options | CPU µs/envelope | allocated KB/envelope |%n"
                        + "|---|---|---:|---:|%n| A | %s | %s | %.1f |%n| B | %s | %s | %.1f |%n%n"
                        + "B's cost relative to A (A's CPU per envelope / B's, adjacent pairs): %s%n",
                processors, redis ? "Redis" : "in-memory", warmSeconds, windowSeconds, a.isEmpty() ? "-" : a,
                OverheadBench.spread(costA, "%.1f"), OverheadBench.median(kbA), b.isEmpty() ? "-" : b,
                OverheadBench.spread(costB, "%.1f"), OverheadBench.median(kbB),
                OverheadBench.spread(ratios(windows), "%.3f"));
    }
}
