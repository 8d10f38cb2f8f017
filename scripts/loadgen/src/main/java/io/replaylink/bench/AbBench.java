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
 * One configuration, two JVM option sets (A and B), the overhead suite's method: the sidecars alone on core 1, wrk on
 * core 0, warmed at full load, then A B A B ... A in 10 s windows; B's cost against its two neighbouring A windows.
 * Each side runs in {@code ab.jvms} JVMs (default 3) that take turns (A1 B1 A2 B2 A3 B3 A1 ...): two JVMs of one
 * build and options differ by up to ~8% (an A/A run), so one JVM a side cannot show a change of that size.
 * For a change behind a switch (a system property), measured against the same build with the switch off, without
 * the other systems of {@code overhead}. Settings (system properties, {@code scripts/bench} passes them from the
 * environment): {@code ab.a}, {@code ab.b} (JVM options, e.g. {@code -Dreplaylink.x=true}), {@code ab.processors}
 * (default {@code [replay-linker]}), {@code ab.index} ({@code memory} or {@code redis}), {@code ab.jvms}.
 */
public final class AbBench {
    private AbBench() {
    }

    /** One window of the A/B: which JVM of its side ran it (0-based), and what it measured. */
    record Turn(int jvm, OverheadBench.Window window) {
    }

    public static String run(int warmSeconds, int windowSeconds, int rounds) throws Exception {
        int jvms = Math.max(1, Integer.getInteger("ab.jvms", 3));
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
            // several JVMs a side, taking turns: two JVMs of the same build and options differ by up to ~8% (an
            // A/A run, session 20), as much as most changes measured here
            List<OverheadBench.Target> targets = new ArrayList<>();
            String[] options = {a, b};
            for (int j = 0; j < jvms; j++) {
                for (int i = 0; i < 2; i++) {
                    List<String> launcher = new ArrayList<>(OverheadBench.CORE_1);
                    if (!options[i].isEmpty()) {
                        launcher.addAll(List.of("env", "JAVA_TOOL_OPTIONS=" + options[i]));
                    }
                    SidecarProcess s = SidecarProcess.start(config, dir.resolve("sidecar-" + i + "-" + j + ".log"),
                            launcher);
                    sidecars.add(s);
                    targets.add(new OverheadBench.Target((i == 0 ? "A" : "B") + (j + 1), s.port(), s.pid(), true));
                }
            }
            for (int t = 0; t < targets.size(); t++) {
                OverheadBench.warm(targets.get(t), script, warmSeconds, 7 + t);
            }
            List<Turn> turns = new ArrayList<>();
            long seed = 500;
            for (int w = 0; w < 2 * rounds + 1; w++) {
                int jvm = (w / 2) % jvms;
                OverheadBench.Target target = targets.get(2 * jvm + w % 2);
                OverheadBench.Window window = OverheadBench.window(target, script, windowSeconds, seed++, null);
                turns.add(new Turn(jvm, window));
                System.err.printf(Locale.ROOT, "ab: %s: %.0f/s, %.1f µs CPU/envelope, %.1f KB/envelope%n",
                        target.name(), window.perSecond(), window.cpuMicros(), window.allocatedKb());
            }
            List<OverheadBench.Window> windows = turns.stream().map(Turn::window).toList();
            return table(a, b, processors, redisIndex, windows, windowSeconds, warmSeconds)
                    + perJvm(turns, jvms);
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

    /**
     * Each JVM's median cost, A's and B's (windows alternate A and B, the JVM of each side in turn): how far apart two
     * JVMs of the same side are is the error a single pair of JVMs would have.
     */
    static String perJvm(List<Turn> turns, int jvms) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%nEach JVM's CPU µs/envelope (median of its "
                + "windows; %d JVMs a side, taking turns):", jvms));
        for (int side = 0; side < 2; side++) {
            List<OverheadBench.Window> windows = new ArrayList<>();
            List<Integer> jvmOf = new ArrayList<>();
            for (int w = side; w < turns.size(); w += 2) {
                windows.add(turns.get(w).window());
                jvmOf.add(turns.get(w).jvm());
            }
            out.append(side == 0 ? " A " : "; B ").append(OverheadBench.jvmMedians(windows, jvmOf, jvms));
        }
        return out.append(".").append(System.lineSeparator()).toString();
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
