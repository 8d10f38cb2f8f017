package io.replaylink.bench;

import io.replaylink.testing.LoopbackPorts;
import io.replaylink.testing.RedisServers;
import io.replaylink.testing.SidecarProcess;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cost of one envelope on one core ({@code scripts/bench overhead}): each system under test alone on core 1
 * ({@code taskset -c 1}); the load generator ({@code wrk} with {@code scripts/loadgen/wrk/envelopes.lua}), the
 * upstream (an nginx that answers 200 after reading the whole body) and Redis on core 0. A closed loop of 16
 * connections keeps core 1 busy, so envelopes per second are the inverse of the CPU one envelope costs there; the
 * busy share of core 1 is measured and printed, so a run where the generator was the limit shows as one.
 * <p>
 * The systems: nginx {@code proxy_pass} (one worker, keep-alive upstream: the physical reference), ReplayLink with
 * processing off, linking with the in-memory index, linking with the Redis index, and the in-memory linker with its
 * why-notes off (what the notes cost). Each sidecar system runs in {@code bench.jvms} JVMs (default 2) whose windows
 * take turns: two JVMs of the same build and flags differ by up to ~8%, which one JVM a system put whole into a
 * run's ratios. All sidecars run on the same JVM
 * flags and heap, are warmed up at full load (60 s each: 10 s was not enough for the JIT), then take turns for
 * {@code rounds} rounds of one window each, processing off before and after every other window (the issue's A B A B
 * A: off nginx off in-memory off Redis off notes-off off ...); a ratio is computed for each adjacent pair and the
 * median and spread of the pairs are reported.
 * <p>
 * Then, open loop at half of processing off's rate, processing off and each linking variant take turns in paired
 * windows (the closed loop's envelopes, sent at a fixed rate by {@link OpenLoopSender}, after one unmeasured window
 * each): what linking adds to p99, allocation per envelope, GC pauses and RSS.
 */
public final class OverheadBench {
    private OverheadBench() {
    }

    static final List<String> CORE_1 = List.of("taskset", "-c", "1");
    static final int CONNECTIONS = 16;
    /** The open loop's connections: one request in flight on each; more are needed only while the target stalls. */
    static final int OPEN_LOOP_CONNECTIONS = 64;

    /** One system under test; {@code pid} is the process whose tree's CPU is counted. */
    record Target(String name, int port, long pid, boolean sidecar) {
    }

    /** One closed-loop window: envelopes/s, the target's CPU µs per envelope, core 1's busy share, KB allocated. */
    record Window(double perSecond, double cpuMicros, double core1Busy, double allocatedKb, long requests,
                  long badAnswers, double redisReads, double redisCommands) {
    }

    public static String run(int warmSeconds, int windowSeconds, int rounds, int halfWindows, int halfSeconds)
            throws Exception {
        int jvms = Math.max(1, Integer.getInteger("bench.jvms", 2));
        Path dir = Files.createTempDirectory("replaylink-overhead");
        Path script = Path.of(System.getProperty("replaylink.projectRoot", "."), "scripts", "loadgen", "wrk",
                "envelopes.lua").toAbsolutePath();
        List<Process> nginxes = new ArrayList<>();
        List<SidecarProcess> sidecars = new ArrayList<>();
        Vertx vertx = Vertx.vertx();
        StringBuilder out = new StringBuilder();
        try (RedisServers.RedisServer redis = RedisServers.RedisServer.start()) {
            int blackhole = LoopbackPorts.free();
            nginxes.add(nginx(dir, "blackhole", List.of(), blackholeConfig(dir, blackhole)));
            int proxy = LoopbackPorts.free();
            String sink = "  - {name: http, config: {url: \"http://127.0.0.1:" + blackhole + "\"}}";
            String redisIndex = "{name: redis, config: {uri: \"" + redis.uri() + "\"}}";
            String[][] variants = {
                    {"ReplayLink, processing off", "[]", "{name: memory}"},
                    {"ReplayLink, linking, in-memory index", "[replay-linker]", "{name: memory}"},
                    {"ReplayLink, linking, Redis index (Redis on core 0)", "[replay-linker]", redisIndex},
                    // what the why-notes (issue 18) cost: the in-memory linker without them
                    {"ReplayLink, linking, in-memory index, why-notes off",
                            "[{name: replay-linker, config: {why_notes: false}}]", "{name: memory}"}};
            List<Target> targets = new ArrayList<>();
            Process proxyProcess = nginx(dir, "proxy", CORE_1, proxyConfig(dir, proxy, blackhole));
            nginxes.add(proxyProcess);
            targets.add(new Target("nginx proxy_pass (1 worker, keep-alive upstream)", proxy, proxyProcess.pid(),
                    false));
            // each sidecar system in several JVMs that take turns (two JVMs of one build differ by up to ~8%: one
            // JVM a system made one run's ratio move by 0.15); nginx is one process
            List<List<Target>> replicas = new ArrayList<>();
            replicas.add(List.of(targets.get(0)));
            for (int i = 0; i < variants.length; i++) {
                Path config = Files.writeString(dir.resolve("sidecar-" + i + ".yaml"),
                        SideBySideBench.config(variants[i][1], variants[i][2], sink));
                List<Target> jvmsOfSystem = new ArrayList<>();
                for (int j = 0; j < jvms; j++) {
                    SidecarProcess s = SidecarProcess.start(config, dir.resolve("sidecar-" + i + "-" + j + ".log"),
                            CORE_1);
                    sidecars.add(s);
                    jvmsOfSystem.add(new Target(variants[i][0] + (jvms > 1 ? " #" + (j + 1) : ""), s.port(), s.pid(),
                            true));
                }
                replicas.add(jvmsOfSystem);
                // the system as the open-loop phase and the JFR profiles see it: its first JVM
                targets.add(new Target(variants[i][0], jvmsOfSystem.get(0).port(), jvmsOfSystem.get(0).pid(), true));
            }
            int redisTarget = 3;
            // warm-up at full load, one at a time (each alone on its core, as when measured)
            wrk(script, targets.get(0).port(), Math.max(3, warmSeconds / 10), 1);
            for (int t = 1; t < replicas.size(); t++) {
                for (int j = 0; j < replicas.get(t).size(); j++) {
                    warm(replicas.get(t).get(j), script, warmSeconds, 2 + t + 10L * j);
                }
            }
            List<List<Window>> windows = new ArrayList<>();
            List<List<Integer>> windowJvms = new ArrayList<>();
            targets.forEach(t -> {
                windows.add(new ArrayList<>());
                windowJvms.add(new ArrayList<>());
            });
            long seed = 100;
            // processing off (the baseline of three ratios, the subject of the fourth) before and after every other
            // window: off X1 off X2 off ... off; each ratio from the two adjacent pairs of each window of X; each
            // system's windows go to its JVMs in turn
            for (int t : schedule(rounds, targets.size())) {
                int jvm = windows.get(t).size() % replicas.get(t).size();
                Target target = replicas.get(t).get(jvm);
                Window w = window(target, script, windowSeconds, seed++, t == redisTarget ? redis : null);
                windows.get(t).add(w);
                windowJvms.get(t).add(jvm);
                System.err.printf(Locale.ROOT, "overhead: %s: %.0f/s, %.1f µs CPU/envelope, core 1 %.0f%% busy%n",
                        target.name(), w.perSecond(), w.cpuMicros(), 100 * w.core1Busy());
            }
            out.append(table(targets, windows, rounds, windowSeconds, warmSeconds));
            out.append(perJvm(targets, windows, windowJvms, jvms));
            if (Boolean.getBoolean("bench.profile")) {
                // before the open-loop windows: the linking sidecars profiled after them ran far slower
                out.append(profiles(targets, script, dir, 2 * windowSeconds));
            }
            // open loop at half of processing off's rate: what linking adds to latency, allocation, GC, RSS
            double off = median(windows.get(1).stream().map(Window::perSecond).toList());
            double half = Math.round(off / 2 / 100) * 100;
            SideBySideBench.Target[] sbs = new SideBySideBench.Target[3];
            for (int i = 0; i < 3; i++) {
                sbs[i] = new SideBySideBench.Target(targets.get(i + 1).port(), targets.get(i + 1).pid(), true);
            }
            // the closed loop's envelopes (scripts/loadgen/wrk/envelopes.lua), sent at a fixed rate by the lean
            // sender (the Vert.x generator was itself the tail); a window each first, unmeasured: the sender's JIT,
            // and each sidecar's own change of pace (the first open-loop window after the closed loop ran with a
            // p99 of over a second, the next ones at a few ms)
            for (SideBySideBench.Target t : sbs) {
                OpenLoopSender.run(WrkEnvelopes.stream(half, halfSeconds, 42), t.port(), OPEN_LOOP_CONNECTIONS);
            }
            // each round of paired windows waits for a quiet machine (see QuietGuard)
            QuietGuard quiet = new QuietGuard(targets.get(0), script,
                    median(windows.get(0).stream().map(Window::cpuMicros).toList()));
            SideBySideBench.AtHalf[] at = SideBySideBench.measure(sbs, new int[] {0, 1, 2}, half,
                    halfWindows, halfSeconds, redis, 2, WrkEnvelopes::stream,
                    (port, stream) -> OpenLoopSender.run(stream, port, OPEN_LOOP_CONNECTIONS), quiet);
            out.append(halfRate(targets, at, half, halfWindows, halfSeconds));
            out.append(quiet.report());
        } finally {
            for (SidecarProcess s : sidecars) {
                s.close();
            }
            for (Process p : nginxes) {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            vertx.close().await();
            io.replaylink.testing.TempDirs.delete(dir);
        }
        return out.toString();
    }

    /**
     * Waits, before each open-loop round, until the machine is not in one of this VM's slow phases (every process on
     * it slows for minutes, JVMs by up to 2x): there, half of processing off's rate is close to a whole core, and the
     * round would measure queueing, not what linking adds. The sign: nginx's CPU per envelope in a 3 s closed-loop
     * window (core 1 is otherwise idle) more than {@link #SLOW} of its median in the closed-loop rounds. It checks
     * every 20 s, at most {@link #CHECKS} times, then lets the round run and counts it as slow.
     */
    static final class QuietGuard implements SideBySideBench.RoundGuard {
        static final double SLOW = 1.15;
        static final int CHECKS = 7;
        private final Target nginx;
        private final Path script;
        private final double usual;
        private int waited;
        private int slowRounds;
        private final List<Double> seen = new ArrayList<>();

        QuietGuard(Target nginx, Path script, double usual) {
            this.nginx = nginx;
            this.script = script;
            this.usual = usual;
        }

        @Override
        public void beforeRound(int round) throws Exception {
            for (int check = 1; ; check++) {
                double cost = window(nginx, script, 3, 7_000 + 100L * round + check, null).cpuMicros();
                seen.add(cost);
                System.err.printf(Locale.ROOT, "overhead: open loop round %d: nginx %.1f µs/envelope (usual %.1f)%n",
                        round + 1, cost, usual);
                if (cost <= SLOW * usual) {
                    return;
                }
                if (check == CHECKS) {
                    slowRounds++;
                    return;
                }
                waited++;
                Thread.sleep(20_000);
            }
        }

        String report() {
            return String.format(Locale.ROOT, "%nBefore each open-loop round, nginx's CPU per envelope in 3 s of closed "
                    + "loop, against %.1f µs in the closed-loop rounds: %s µs; waited 20 s %d times for a quiet "
                    + "machine (more than %.2fx), rounds run slow after %d checks anyway: %d.%n", usual,
                    seen.stream().map(c -> String.format(Locale.ROOT, "%.1f", c)).toList(), waited, SLOW, CHECKS,
                    slowRounds);
        }
    }

    /**
     * Full load until the JIT has settled: {@code seconds}, then 10 s windows until two in a row cost no less than
     * 0.97 of the cheapest before them (at most 24 more). One core is the JVM's only core, so its compilers take turns
     * with the load: after 60 s the CPU per envelope still fell by a third over the next minute.
     */
    static void warm(Target target, Path script, int seconds, long seed) throws Exception {
        System.err.printf(Locale.ROOT, "overhead: warming up %s for %d s, then until it settles%n", target.name(),
                seconds);
        wrk(script, target.port(), seconds, seed);
        double best = Double.MAX_VALUE;
        int flat = 0;
        for (int i = 0; i < (Boolean.getBoolean("bench.quick") ? 0 : 24) && flat < 2; i++) {
            double cost = window(target, script, 10, seed * 1000 + i, null).cpuMicros();
            flat = cost >= 0.97 * best ? flat + 1 : 0;
            best = Math.min(best, cost);
            System.err.printf(Locale.ROOT, "overhead:   %.1f µs CPU/envelope%n", cost);
        }
    }

    static Window window(Target target, Path script, int seconds, long seed, RedisServers.RedisServer redis)
            throws Exception {
        String scrape0 = target.sidecar() ? SideBySideBench.scrape(target.port()) : "";
        double reads0 = redis == null ? 0 : redisStat(redis, "total_reads_processed");
        long commands0 = redis == null ? 0 : SideBySideBench.redisCalls(RedisServers.command(redis.port(), "info",
                "commandstats"));
        long[] core0 = core1Ticks();
        long cpu0 = SideBySideBench.cpuTicks(target.pid());
        Wrk w = wrk(script, target.port(), seconds, seed);
        long cpu1 = SideBySideBench.cpuTicks(target.pid());
        long[] core1 = core1Ticks();
        String scrape1 = target.sidecar() ? SideBySideBench.scrape(target.port()) : "";
        double allocated = target.sidecar() ? SideBySideBench.metric(scrape1, "replaylink_jvm_allocated_bytes_total")
                - SideBySideBench.metric(scrape0, "replaylink_jvm_allocated_bytes_total") : Double.NaN;
        long n = Math.max(1, w.requests());
        double reads = redis == null ? 0 : (redisStat(redis, "total_reads_processed") - reads0) / n;
        double commands = redis == null ? 0 : (SideBySideBench.redisCalls(RedisServers.command(redis.port(), "info",
                "commandstats")) - commands0) / (double) n;
        return new Window(w.perSecond(), (cpu1 - cpu0) * 10_000.0 / n,
                (double) (core1[0] - core0[0]) / Math.max(1, core1[1] - core0[1]), allocated / n / 1024, n,
                w.badAnswers(), reads, commands);
    }

    /** What wrk printed: requests/s, requests, answers other than 2xx/3xx plus socket errors. */
    record Wrk(double perSecond, long requests, long badAnswers) {
    }

    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern REQUESTS = Pattern.compile("(?m)^requests (\\d+)$");
    private static final Pattern ERRORS = Pattern.compile(
            "errors connect (\\d+) read (\\d+) write (\\d+) status (\\d+) timeout (\\d+)");

    static Wrk wrk(Path script, int port, int seconds, long seed) throws Exception {
        // wrk inherits this JVM's core (scripts/bench starts it with taskset -c 0)
        Process p = new ProcessBuilder("wrk", "-t1", "-c" + CONNECTIONS, "-d" + seconds + "s", "--timeout", "5s",
                "-s", script.toString(), "http://127.0.0.1:" + port + "/", "--", Long.toString(seed))
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("wrk failed:\n" + text);
        }
        Matcher rate = RATE.matcher(text);
        Matcher requests = REQUESTS.matcher(text);
        Matcher errors = ERRORS.matcher(text);
        if (!rate.find() || !requests.find() || !errors.find()) {
            throw new IllegalStateException("unexpected wrk output:\n" + text);
        }
        long bad = 0;
        for (int g = 1; g <= 5; g++) {
            bad += Long.parseLong(errors.group(g));
        }
        return new Wrk(Double.parseDouble(rate.group(1)), Long.parseLong(requests.group(1)), bad);
    }

    /** Core 1's busy and total ticks from /proc/stat (busy: all but idle and iowait). */
    static long[] core1Ticks() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            if (line.startsWith("cpu1 ")) {
                String[] f = line.trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < f.length && i <= 8; i++) {
                    total += Long.parseLong(f[i]);
                }
                long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
                return new long[] {total - idle, total};
            }
        }
        return new long[] {0, 1};
    }

    static double redisStat(RedisServers.RedisServer redis, String name) throws IOException {
        for (String line : RedisServers.command(redis.port(), "info", "stats").split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return 0;
    }

    /** The baseline's index among the targets (processing off). */
    static final int OFF = 1;

    /**
     * The order of the closed-loop windows, as indexes of the targets: in each of {@code rounds} rounds every other
     * target once, each after a window of processing off, and one more of processing off at the end, so every window
     * of another target has one of processing off just before and just after it (the issue's A B A B A).
     */
    static List<Integer> schedule(int rounds, int targets) {
        List<Integer> order = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (int t = 0; t < targets; t++) {
                if (t != OFF) {
                    order.add(OFF);
                    order.add(t);
                }
            }
        }
        order.add(OFF);
        return order;
    }

    /**
     * How many envelopes {@code t} serves on one core for each one processing off serves (for nginx: processing off
     * for each one nginx serves), from the adjacent pairs of the {@link #schedule}: each window of {@code t} with the
     * window of processing off before it and the one after it. The inverse ratio of their CPU per envelope (with core
     * 1 saturated, the ratio of their rates; when a system leaves the core partly idle, e.g. nginx outrunning the
     * generator, its rate would flatter the other, its CPU does not).
     */
    static List<Double> adjacentRatios(List<List<Window>> windows, int t) {
        int others = windows.size() - 1;
        int slot = t < OFF ? t : t - 1;
        List<Window> off = windows.get(OFF);
        List<Double> ratios = new ArrayList<>();
        for (int r = 0; r < windows.get(t).size(); r++) {
            double cost = windows.get(t).get(r).cpuMicros();
            for (Window neighbour : List.of(off.get(r * others + slot), off.get(r * others + slot + 1))) {
                ratios.add(t == 0 ? cost / neighbour.cpuMicros() : neighbour.cpuMicros() / cost);
            }
        }
        return ratios;
    }

    static String table(List<Target> targets, List<List<Window>> windows, int rounds, int windowSeconds,
                        int warmSeconds) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "Cost per envelope on one core (closed loop, "
                + "%d connections, wrk on core 0; after %d s of warm-up, %d rounds of %d s windows with processing "
                + "off before and after each other window; cost: median of the windows; ratio: median of the %d "
                + "adjacent pairs, min-max in brackets):%n%n| system | envelopes/s on core 1 | CPU µs/envelope "
                + "| core 1 busy | allocated KB/envelope | ratio |%n|---|---:|---:|---:|---:|---|%n", CONNECTIONS,
                warmSeconds, rounds, windowSeconds, 2 * rounds));
        long bad = 0;
        for (int t = 0; t < targets.size(); t++) {
            List<Window> w = windows.get(t);
            String ratio = switch (t) {
                case 0 -> "reference";
                case 1 -> spread(adjacentRatios(windows, 0), "%.2f") + "x nginx (target >= 0.60)";
                case 2 -> spread(adjacentRatios(windows, 2), "%.2f") + "x processing off (target >= 0.90)";
                case 3 -> spread(adjacentRatios(windows, 3), "%.2f") + "x processing off (target >= 0.85)";
                default -> spread(adjacentRatios(windows, t), "%.2f")
                        + "x processing off (no target: the notes' share)";
            };
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f%% | %s | %s |%n", targets.get(t).name(),
                    spread(w.stream().map(Window::perSecond).toList(), "%.0f"),
                    spread(w.stream().map(Window::cpuMicros).toList(), "%.1f"),
                    100 * median(w.stream().map(Window::core1Busy).toList()),
                    targets.get(t).sidecar() ? String.format(Locale.ROOT, "%.1f",
                            median(w.stream().map(Window::allocatedKb).toList())) : "n/a", ratio));
            bad += w.stream().mapToLong(Window::badAnswers).sum();
        }
        List<Window> r = windows.get(3);
        out.append(String.format(Locale.ROOT, "%nRedis index: %.2f reads by Redis (network round trips) and %.2f "
                        + "commands per envelope. Answers other than 2xx and socket errors in all windows: %d.%n",
                median(r.stream().map(Window::redisReads).toList()),
                median(r.stream().map(Window::redisCommands).toList()), bad));
        return out.toString();
    }

    /** Each sidecar system's JVMs: the median cost of each JVM's windows, and how far apart they are. */
    static String perJvm(List<Target> targets, List<List<Window>> windows, List<List<Integer>> windowJvms, int jvms) {
        if (jvms < 2) {
            return "";
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%nEach system in %d JVMs taking turns "
                + "(same build, flags and heap); each JVM's CPU µs/envelope, the median of its windows:%n%n", jvms));
        for (int t = 0; t < targets.size(); t++) {
            if (!targets.get(t).sidecar()) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "- %s: %s%n", targets.get(t).name(),
                    jvmMedians(windows.get(t), windowJvms.get(t), jvms)));
        }
        return out.toString();
    }

    /**
     * The median cost of each JVM's windows ({@code jvmOf}: which JVM ran each window), and how much the dearest JVM
     * costs over the cheapest.
     */
    static String jvmMedians(List<Window> windows, List<Integer> jvmOf, int jvms) {
        List<Double> medians = new ArrayList<>();
        for (int j = 0; j < jvms; j++) {
            List<Double> costs = new ArrayList<>();
            for (int w = 0; w < windows.size(); w++) {
                if (jvmOf.get(w) == j) {
                    costs.add(windows.get(w).cpuMicros());
                }
            }
            if (!costs.isEmpty()) {
                medians.add(median(costs));
            }
        }
        double low = medians.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double high = medians.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        return String.format(Locale.ROOT, "%s (the dearest %.1f%% over the cheapest)", String.join(", ",
                medians.stream().map(m -> String.format(Locale.ROOT, "%.1f", m)).toList()), 100 * (high / low - 1));
    }

    static String spread(List<Double> values, String format) {
        List<Double> s = values.stream().sorted().toList();
        return String.format(Locale.ROOT, format, median(values)) + (s.size() < 2 ? "" : " ("
                + String.format(Locale.ROOT, format, s.get(0)) + "-"
                + String.format(Locale.ROOT, format, s.get(s.size() - 1)) + ")");
    }

    static double median(List<Double> values) {
        return SideBySideBench.median(values);
    }

    static String halfRate(List<Target> targets, SideBySideBench.AtHalf[] at, double rate, int windows, int seconds) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%nOpen loop at %.0f/s (half of processing "
                + "off's rate, the closed loop's envelopes; the three take turns, %d windows of %d s each):%n%n"
                + "| system | p50 ms | p99 ms | p99 added, median of paired windows | CPU µs/envelope "
                + "| allocated KB/envelope | GC pauses (p99 ms) | RSS MB | generator lag p99 ms | errors |%n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|%n",
                rate, windows, seconds));
        for (int i = 0; i < 3; i++) {
            SideBySideBench.AtHalf a = at[i];
            List<Double> paired = new ArrayList<>();
            for (int w = 0; w < a.windowP99Ms().size(); w++) {
                paired.add(a.windowP99Ms().get(w) - at[0].windowP99Ms().get(w));
            }
            out.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %s | %.0f | %.1f | %d (%s) | %d | %.2f | %d |%n",
                    targets.get(i + 1).name(), a.result().latency().getValueAtPercentile(50) / 1000.0,
                    a.result().latency().getValueAtPercentile(99) / 1000.0,
                    i == 0 ? "-" : String.format(Locale.ROOT, "%+.2f ms (target <= 1)", median(paired)),
                    a.cpuMicros(), a.allocatedBytes() / 1024, a.gcPauses(),
                    a.gcPauses() == 0 ? "-" : String.format(Locale.ROOT, "<= %.1f", a.gcPauseP99Ms()),
                    a.rssKb() / 1024, a.result().sendLag().getValueAtPercentile(99) / 1000.0,
                    a.result().errors() + a.result().wrongStatus().size()));
        }
        return out.toString();
    }

    /** One more window per sidecar with a JFR recording; the top frames of each, from {@link JfrSummary}. */
    static String profiles(List<Target> targets, Path script, Path dir, int seconds) throws Exception {
        StringBuilder out = new StringBuilder("\nProfiles (JFR, one window each at full load; the JDK's profile "
                + "settings with Java samples every millisecond; compare the envelopes profiled with the table's rate: "
                + "a window far slower than the table's was disturbed):\n");
        // the JDK's profile settings sample every 10 ms: too few samples for one window of one core
        Path settings = Files.writeString(dir.resolve("profile-1ms.jfc"), Files.readString(Path.of(
                System.getProperty("java.home"), "lib", "jfr", "profile.jfc")).replace(
                "<setting name=\"period\" control=\"method-sampling-java-interval\">10 ms</setting>",
                "<setting name=\"period\" control=\"method-sampling-java-interval\">1 ms</setting>"));
        for (int t = 1; t < targets.size(); t++) {
            Target target = targets.get(t);
            Path jfr = profileDir(dir).resolve("overhead-" + t + ".jfr");
            // JFR's first start in a JVM loads and compiles the recorder: the window after it ran at a fifth of the
            // rate on one core (a 1 ms sampling period costs nothing measurable once it is warm)
            jcmd(target.pid(), "JFR.start", "name=warm", "settings=" + settings);
            wrk(script, target.port(), seconds, 800 + t);
            jcmd(target.pid(), "JFR.stop", "name=warm");
            jcmd(target.pid(), "JFR.start", "name=overhead", "settings=" + settings, "filename=" + jfr);
            Wrk w = wrk(script, target.port(), seconds, 900 + t);
            jcmd(target.pid(), "JFR.stop", "name=overhead");
            out.append("\n### ").append(target.name()).append(" (").append(w.requests()).append(" envelopes; ")
                    .append(jfr).append(")\n\n").append(JfrSummary.summary(jfr, w.requests(), 25));
        }
        return out.toString();
    }

    /** Where profiles go: {@code bench.profileDir} ({@code BENCH_PROFILE_DIR}) when set, kept; else {@code dir}. */
    static Path profileDir(Path dir) throws IOException {
        String keep = System.getProperty("bench.profileDir", "");
        return (keep.isBlank() ? dir : Files.createDirectories(Path.of(keep))).toAbsolutePath();
    }

    static void jcmd(long pid, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd")
                .toString(), Long.toString(pid)));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd failed: " + text);
        }
    }

    /** Stops the sidecars and the upstream nginx (null: not started) of a suite and deletes its directory. */
    static void stopAll(List<io.replaylink.testing.SidecarProcess> sidecars, Process nginx, Path dir)
            throws Exception {
        for (io.replaylink.testing.SidecarProcess s : sidecars) {
            s.close();
        }
        if (nginx != null) {
            nginx.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
        }
        io.replaylink.testing.TempDirs.delete(dir);
    }

    static Process nginx(Path dir, String name, List<String> launcher, String config) throws Exception {
        Path prefix = Files.createDirectories(dir.resolve(name));
        Path conf = Files.writeString(prefix.resolve("nginx.conf"), config.replace("@PREFIX@", prefix.toString()));
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("nginx", "-c", conf.toString(), "-p", prefix.toString(), "-g", "daemon off;"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(prefix.resolve("nginx.log").toFile()).start();
        Thread.sleep(300);
        if (!p.isAlive()) {
            throw new IllegalStateException("nginx " + name + " did not start: "
                    + Files.readString(prefix.resolve("nginx.log")));
        }
        return p;
    }

    private static final String COMMON = """
            worker_processes 1;
            pid @PREFIX@/nginx.pid;
            error_log @PREFIX@/error.log warn;
            events { worker_connections 4096; }
            http {
            """ + io.replaylink.testing.NginxConfigs.privatePaths(Path.of("@PREFIX@")) + """
              client_max_body_size 20m;
              client_body_buffer_size 64k;
              keepalive_requests 100000000;
            """;

    /** The upstream: reads the whole body (nginx discards it, reading it to the end), answers 200 {@code {}}. */
    static String blackholeConfig(Path dir, int port) {
        return COMMON + """
                  server { listen 127.0.0.1:%d; location / { return 200 '{}'; } }
                }
                """.formatted(port);
    }

    /** The reference: nginx proxy_pass with a keep-alive upstream; reads the whole body before it proxies. */
    static String proxyConfig(Path dir, int port, int upstream) {
        return COMMON + """
                  upstream blackhole { server 127.0.0.1:%d; keepalive 64; keepalive_requests 100000000; }
                  server {
                    listen 127.0.0.1:%d;
                    location / {
                      proxy_pass http://blackhole;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                      proxy_request_buffering on;
                    }
                  }
                }
                """.formatted(upstream, port);
    }
}
