package io.replaylink.bench;

import io.replaylink.loadgen.LoadGenerator;
import io.replaylink.loadgen.Scenario;
import io.replaylink.loadgen.Stream;
import io.replaylink.loadgen.StreamGenerator;
import io.replaylink.testing.KafkaBroker;
import io.replaylink.testing.LoopbackPorts;
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
 * upstream, the physical reference for HTTP forwarding here. Both ReplayLink processes run at once, are warmed up
 * (six steps' time at 1,000/s each, because the JVM's compiler needs tens of thousands of requests to settle), and
 * then take turns on a ladder of rates (see {@link #ladder}), so that the shared machine's drift meets both alike;
 * each knee is then narrowed by bisection to about 2% (see {@link #refine}); nginx follows on its own. The highest
 * clean rate is reported. At half the pass-through's highest clean rate the two take turns for {@link #WINDOWS}
 * windows each, so that one stall decides one window, not the result (see {@link #measure}): latency, CPU time per
 * envelope (the process tree, from /proc), allocated bytes and GC pauses (the sidecar's /metrics), RSS, and Redis
 * commands per envelope (the server's commandstats). Every step sends a stream of its own (fresh ids): a repeated
 * stream would find its traces already in the index. Run by {@code scripts/bench e2e}.
 */
public final class SideBySideBench {
    private SideBySideBench() {
    }

    /**
     * {@code scripts/bench --pin e2e}: the system under test alone on core 1 ({@code taskset -c 1}); the load
     * generator, the broker and Redis on core 0 (the script starts this JVM with {@code taskset -c 0}).
     */
    static final List<String> PINNED = Boolean.getBoolean("bench.pin") ? List.of("taskset", "-c", "1") : List.of();

    record Step(double rate, LoadGenerator.Result result) {
        boolean clean() {
            return result.errors() == 0 && result.wrongStatus().isEmpty()
                    && result.latency().getValueAtPercentile(99) <= 20_000;
        }
    }

    /** What one system showed at the common measuring rate (half the pass-through's highest clean rate). */
    record AtHalf(double rate, LoadGenerator.Result result, double cpuMicros, double allocatedBytes,
                  double gcPauseP99Ms, long gcPauses, long rssKb, double redisCommands, List<Double> windowP99Ms) {
    }

    /** Windows each system gets at the measuring rate, taking turns (A, B, A, B, ...). */
    static final int WINDOWS = 5;
    /** Bisection rounds between a system's highest clean rung and the next one (1.19x apart: about 2% after 3). */
    static final int REFINE_ROUNDS = 3;

    public static String run(int stepSeconds) throws Exception {
        Vertx vertx = Vertx.vertx();
        HttpServer upstream = vertx.createHttpServer().requestHandler(req -> req.body()
                .onComplete(b -> req.response().putHeader("Content-Type", "application/json").end("{}")));
        upstream.listen(0, "127.0.0.1").await();
        Path dir = Files.createTempDirectory("replaylink-e2e");
        StringBuilder out = new StringBuilder();
        try (RedisServers.RedisServer redis = RedisServers.RedisServer.start(); KafkaBroker broker = KafkaBroker.start()) {
            String kafkaSink = "  - {name: kafka, config: {bootstrap_servers: \"" + broker.bootstrap() + "\"}}";
            Path full = Files.writeString(dir.resolve("full.yaml"), config("[replay-linker]", MEMORY_INDEX
                    ? "{name: memory}" : "{name: redis, config: {uri: \"" + redis.uri() + "\", batch_interval_us: "
                    + BATCH_INTERVAL_US + "}}", kafkaSink));
            Path off = Files.writeString(dir.resolve("off.yaml"), config("[]", "{name: memory}", kafkaSink));
            Path nginxConf = nginxConfig(dir, upstream.actualPort());
            List<String> rows = new ArrayList<>();
            double[] best = new double[3];
            AtHalf[] atHalf = new AtHalf[3];
            String[] names = {MEMORY_INDEX ? "ReplayLink: linking, in-memory index, Kafka"
                    : "ReplayLink: linking, Redis index, Kafka" + (BATCH_INTERVAL_US > 0
                    ? " (batch_interval_us " + BATCH_INTERVAL_US + ")" : ""), "ReplayLink: processing off, Kafka",
                    "nginx proxy to the capturing upstream"};
            // both ReplayLink configurations run side by side and take turns at every rate, so a slow drift of the
            // shared machine meets both alike; nginx (another program, on its own) follows
            SidecarProcess[] sidecars = new SidecarProcess[2];
            Process nginx = null;
            try {
                sidecars[1] = SidecarProcess.start(off, dir.resolve("sidecar-off.log"), PINNED);
                sidecars[0] = SidecarProcess.start(full, dir.resolve("sidecar-full.log"), PINNED);
                Target[] targets = {new Target(sidecars[0].port(), sidecars[0].pid(), true),
                        new Target(sidecars[1].port(), sidecars[1].pid(), true), null};
                for (int system : new int[] {1, 0}) {
                    // the JIT takes tens of thousands of requests to settle (CPU per request fell from 1.1 ms to
                    // 0.15 ms over the first 30,000 in a sequential test): warm up well before measuring
                    sweep(vertx, targets[system].port(), 1000, 6 * stepSeconds, 1);
                }
                ladder(vertx, targets, new int[] {1, 0}, names, best, rows, stepSeconds);
                refine(vertx, targets, new int[] {1, 0}, names, best, rows, stepSeconds);
                double half = Math.max(250, Math.round(best[1] / 20) * 10);
                AtHalf[] measured = measure(vertx, targets, new int[] {1, 0}, half, WINDOWS, stepSeconds, redis);
                atHalf[0] = measured[0];
                atHalf[1] = measured[1];
                for (SidecarProcess sidecar : sidecars) {
                    sidecar.stop();
                }
                List<String> command = new ArrayList<>(PINNED);
                command.addAll(List.of("nginx", "-c", nginxConf.toString(), "-p", dir.toString(), "-g",
                        "daemon off;"));
                nginx = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("nginx.log").toFile()).start();
                Thread.sleep(500);
                targets[2] = new Target(Integer.parseInt(Files.readString(dir.resolve("nginx.port")).trim()),
                        nginx.pid(), false);
                sweep(vertx, targets[2].port(), 1000, 3 * stepSeconds, 1);
                ladder(vertx, targets, new int[] {2}, names, best, rows, stepSeconds);
                refine(vertx, targets, new int[] {2}, names, best, rows, stepSeconds);
                atHalf[2] = measure(vertx, targets, new int[] {2}, half, 3, stepSeconds, null)[2];
            } finally {
                if (nginx != null) {
                    nginx.destroy();
                    nginx.waitFor(10, TimeUnit.SECONDS);
                }
                for (SidecarProcess sidecar : sidecars) {
                    if (sidecar != null) {
                        sidecar.close();
                    }
                }
            }
            out.append("Sweep (open loop, ").append(stepSeconds)
                    .append(" s per step; clean = no error and p99 <= 20 ms; generator lag: from a request's scheduled "
                            + "time to its hand-off to the HTTP client, the generator's own lateness):\n\n| system "
                            + "| offered/s | answered/s | p50 ms | p99 ms | errors | generator lag p99 / max ms |\n"
                            + "|---|---:|---:|---:|---:|---:|---:|\n");
            rows.forEach(r -> out.append(r).append('\n'));
            out.append(String.format(Locale.ROOT, "%nAt %.0f/s (half the pass-through's highest clean rate; the two "
                            + "ReplayLink processes take turns, %d windows of %d s each; p50/p99 over all windows):%n%n",
                    atHalf[1] == null ? 0 : atHalf[1].rate(), WINDOWS, stepSeconds));
            out.append("| system | highest clean rate/s | ratio to processing off | p50 ms | p99 ms | CPU µs/envelope "
                    + "| allocated KB/envelope | GC pauses (p99 ms) | RSS MB | Redis commands/envelope |\n"
                    + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (int s = 0; s < 3; s++) {
                AtHalf a = atHalf[s];
                boolean jvm = s != 2;
                out.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %.2f | %.0f | %s | %s | %d | %s |%n",
                        names[s], best[s], best[1] == 0 ? 0 : best[s] / best[1],
                        a.result().latency().getValueAtPercentile(50) / 1000.0,
                        a.result().latency().getValueAtPercentile(99) / 1000.0, a.cpuMicros(),
                        jvm ? String.format(Locale.ROOT, "%.1f", a.allocatedBytes() / 1024) : "n/a",
                        jvm ? String.format(Locale.ROOT, "%d (%s)", a.gcPauses(), a.gcPauses() == 0 ? "-"
                                : "<= " + fmt(a.gcPauseP99Ms())) : "n/a",
                        a.rssKb() / 1024, s == 0 ? String.format(Locale.ROOT, "%.2f", a.redisCommands()) : "-"));
            }
            if (atHalf[0] != null && atHalf[1] != null) {
                List<Double> paired = new ArrayList<>();
                for (int w = 0; w < atHalf[0].windowP99Ms().size(); w++) {
                    paired.add(atHalf[0].windowP99Ms().get(w) - atHalf[1].windowP99Ms().get(w));
                }
                out.append(String.format(Locale.ROOT, "%np99 per window, ms: linking %s; processing off %s.%n",
                        windows(atHalf[0].windowP99Ms()), windows(atHalf[1].windowP99Ms())));
                out.append(String.format(Locale.ROOT, "%nLinking adds %.2f ms to p99 (median of the %d paired windows; "
                                + "%.2f ms over all windows) and %.0f µs CPU per envelope at %.0f/s; the full pipeline "
                                + "reaches %.2fx the pass-through's highest clean rate.%n",
                        median(paired), paired.size(), (atHalf[0].result().latency().getValueAtPercentile(99)
                                - atHalf[1].result().latency().getValueAtPercentile(99)) / 1000.0,
                        atHalf[0].cpuMicros() - atHalf[1].cpuMicros(), atHalf[1].rate(),
                        best[1] == 0 ? 0 : best[0] / best[1]));
            }
        } finally {
            vertx.close().await();
            io.replaylink.testing.TempDirs.delete(dir);
        }
        return out.toString();
    }

    /** A system under test: where to send, whose CPU to count, whether it has the sidecar's /metrics. */
    record Target(int port, long pid, boolean sidecar) {
    }

    /** Rates from 500/s, doubling, then about 1.19x apart: each rung is a step for every system still clean. */
    static final double[] LADDER = {500, 1000, 2000, 2850, 3400, 4000, 4750, 5650, 6700, 8000, 9500, 11300, 13450,
            16000, 19000, 22600, 26900, 32000};

    /**
     * Takes the systems up the ladder in turns. A rung is not clean when each of {@link #ATTEMPTS} attempts has an
     * error or a p99 above 20 ms; a system leaves after {@link #FAILED_RUNGS_TO_LEAVE} such rungs in a row, and its
     * knee is its highest clean rung. Stalls come in bad minutes, not alone: one noisy stretch must not end a system's
     * climb, while a real overload fails every rung above it.
     */
    static void ladder(Vertx vertx, Target[] targets, int[] systems, String[] names, double[] best, List<String> rows,
                       int stepSeconds) throws Exception {
        int[] failedInARow = new int[targets.length];
        for (double rate : LADDER) {
            boolean any = false;
            for (int system : systems) {
                if (failedInARow[system] >= FAILED_RUNGS_TO_LEAVE) {
                    continue;
                }
                any = true;
                Step step = cleanStep(vertx, targets[system], names[system], rate, stepSeconds, rows);
                if (step.clean()) {
                    best[system] = rate;
                    failedInARow[system] = 0;
                } else {
                    failedInARow[system]++;
                }
            }
            if (!any) {
                return;
            }
        }
    }

    /** Attempts a rate gets before it counts as not clean. */
    static final int ATTEMPTS = 3;
    /** Rungs in a row that are not clean before a system leaves the ladder. */
    static final int FAILED_RUNGS_TO_LEAVE = 2;

    /**
     * A step at {@code rate}, and up to {@link #ATTEMPTS} - 1 retries while it is not clean, each with a stream of
     * its own (a fresh seed). Stalls of 30 to 140 ms come now and then (in every system, nginx too, with no GC pause
     * in the load generator's or the sidecar's JVM to match; part of them is the generator's own send lag, see the
     * ladder's last column), and one alone puts a 10 s step's p99 over 20 ms; a real overload fails every attempt.
     */
    static Step cleanStep(Vertx vertx, Target target, String name, double rate, int stepSeconds, List<String> rows)
            throws Exception {
        Step step = null;
        for (int attempt = 0; attempt < ATTEMPTS && (step == null || !step.clean()); attempt++) {
            step = sweep(vertx, target.port(), rate, stepSeconds, (long) rate * 10 + attempt);
            rows.add(row(name + (attempt == 0 ? "" : " (retry " + attempt + ")"), step));
        }
        return step;
    }

    /**
     * Narrows each system's knee between its highest clean rung and the next rung by geometric bisection, the systems
     * taking turns, so that two systems a rung apart are not reported as 1.19x apart when they differ by 5%.
     */
    static void refine(Vertx vertx, Target[] targets, int[] systems, String[] names, double[] best, List<String> rows,
                       int stepSeconds) throws Exception {
        double[] above = new double[targets.length];
        for (int system : systems) {
            for (double rung : LADDER) {
                if (rung > best[system]) {
                    above[system] = rung;
                    break;
                }
            }
        }
        for (int round = 0; round < REFINE_ROUNDS; round++) {
            for (int system : systems) {
                if (best[system] == 0 || above[system] == 0) {
                    continue;
                }
                double rate = Math.round(Math.sqrt(best[system] * above[system]) / 10) * 10.0;
                if (rate <= best[system] || rate >= above[system]) {
                    continue;
                }
                if (cleanStep(vertx, targets[system], names[system], rate, stepSeconds, rows).clean()) {
                    best[system] = rate;
                } else {
                    above[system] = rate;
                }
            }
        }
    }

    /**
     * The systems take turns at {@code rate} for {@code windows} windows each (A, B, A, B, ...: drift of the shared
     * machine meets them alike, and a stall decides one window, not the result); per system: latency over all windows
     * and per window, the process's CPU, allocation, GC pauses, RSS, and Redis commands while it was measured.
     */
    static AtHalf[] measure(Vertx vertx, Target[] targets, int[] systems, double rate, int windows, int seconds,
                            RedisServers.RedisServer redis) throws Exception {
        return measure(vertx, targets, systems, rate, windows, seconds, redis, 0);
    }

    /** As above; {@code indexedSystem}: the system whose Redis commands are counted on {@code redis}. */
    static AtHalf[] measure(Vertx vertx, Target[] targets, int[] systems, double rate, int windows, int seconds,
                            RedisServers.RedisServer redis, int indexedSystem) throws Exception {
        return measure(vertx, targets, systems, rate, windows, seconds, redis, indexedSystem, SideBySideBench::stream);
    }

    /** Where a window's envelopes come from: {@code seconds} of them at {@code rate}; {@code seed} picks the ids. */
    interface StreamSource {
        Stream stream(double rate, double seconds, long seed);
    }

    /** How a window's stream is sent to a port. */
    interface Sender {
        LoadGenerator.Result send(int port, Stream stream) throws Exception;
    }

    /** As above, the windows sending {@code source}'s streams with the Vert.x generator. */
    static AtHalf[] measure(Vertx vertx, Target[] targets, int[] systems, double rate, int windows, int seconds,
                            RedisServers.RedisServer redis, int indexedSystem, StreamSource source) throws Exception {
        return measure(targets, systems, rate, windows, seconds, redis, indexedSystem, source,
                (port, stream) -> send(vertx, port, rate, stream).result());
    }

    /** What runs before each round of windows (one window per system), e.g. a wait for a quiet machine. */
    interface RoundGuard {
        void beforeRound(int round) throws Exception;
    }

    /** As above, the windows sending {@code source}'s streams with {@code sender}. */
    static AtHalf[] measure(Target[] targets, int[] systems, double rate, int windows, int seconds,
                            RedisServers.RedisServer redis, int indexedSystem, StreamSource source, Sender sender)
            throws Exception {
        return measure(targets, systems, rate, windows, seconds, redis, indexedSystem, source, sender, round -> {
        });
    }

    /** As above, {@code guard} run before each round. */
    static AtHalf[] measure(Target[] targets, int[] systems, double rate, int windows, int seconds,
                            RedisServers.RedisServer redis, int indexedSystem, StreamSource source, Sender sender,
                            RoundGuard guard) throws Exception {
        int n = targets.length;
        String[] first = new String[n];
        String[] last = new String[n];
        long[] cpu = new long[n];
        double[] allocated = new double[n];
        long[] redisCommands = new long[n];
        List<List<LoadGenerator.Result>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            results.add(new ArrayList<>());
        }
        for (int w = 0; w < windows; w++) {
            guard.beforeRound(w);
            for (int system : systems) {
                Target t = targets[system];
                boolean indexed = redis != null && system == indexedSystem;
                String scrape0 = t.sidecar() ? scrape(t.port()) : "";
                String redis0 = indexed ? RedisServers.command(redis.port(), "info", "commandstats") : "";
                long cpu0 = cpuTicks(t.pid());
                LoadGenerator.Result h = sender.send(t.port(), source.stream(rate, seconds, 1_000_000L + w));
                cpu[system] += cpuTicks(t.pid()) - cpu0;
                String scrape1 = t.sidecar() ? scrape(t.port()) : "";
                if (indexed) {
                    redisCommands[system] += redisCalls(RedisServers.command(redis.port(), "info", "commandstats"))
                            - redisCalls(redis0);
                }
                allocated[system] += metric(scrape1, "replaylink_jvm_allocated_bytes_total")
                        - metric(scrape0, "replaylink_jvm_allocated_bytes_total");
                first[system] = first[system] == null ? scrape0 : first[system];
                last[system] = scrape1;
                results.get(system).add(h);
            }
        }
        AtHalf[] out = new AtHalf[n];
        for (int system : systems) {
            LoadGenerator.Result all = merged(results.get(system));
            long answered = Math.max(1, all.answered());
            out[system] = new AtHalf(rate, all, cpu[system] * 10_000.0 / answered, allocated[system] / answered,
                    pauseP99Ms(first[system], last[system]),
                    (long) (metric(last[system], "replaylink_jvm_gc_pause_seconds_count")
                            - metric(first[system], "replaylink_jvm_gc_pause_seconds_count")),
                    rssKb(targets[system].pid()), redisCommands[system] / (double) answered,
                    results.get(system).stream().map(r -> r.latency().getValueAtPercentile(99) / 1000.0).toList());
        }
        return out;
    }

    /** Several runs' results as one: counts summed, latency histograms added. */
    static LoadGenerator.Result merged(List<LoadGenerator.Result> runs) {
        org.HdrHistogram.Histogram latency = runs.get(0).latency().copy();
        latency.reset();
        org.HdrHistogram.Histogram sendLag = runs.get(0).sendLag().copy();
        sendLag.reset();
        org.HdrHistogram.Histogram accepted = runs.get(0).acceptedLatency().copy();
        accepted.reset();
        long refusalsWithoutRetryAfter = 0;
        java.util.Map<Integer, Long> byStatus = new java.util.TreeMap<>();
        java.util.Map<Integer, Integer> wrong = new java.util.TreeMap<>();
        long sent = 0;
        long errors = 0;
        long gc = 0;
        double seconds = 0;
        String firstUnexpected = null;
        for (LoadGenerator.Result r : runs) {
            if (firstUnexpected == null) {
                firstUnexpected = r.firstUnexpectedAnswer();
            }
            latency.add(r.latency());
            accepted.add(r.acceptedLatency());
            refusalsWithoutRetryAfter += r.refusalsWithoutRetryAfter();
            sendLag.add(r.sendLag());
            r.byStatus().forEach((k, v) -> byStatus.merge(k, v, Long::sum));
            r.wrongStatus().forEach((k, v) -> wrong.merge(k, v, Integer::sum));
            sent += r.sent();
            errors += r.errors();
            gc += r.generatorGcMillis();
            seconds += r.seconds();
        }
        return new LoadGenerator.Result(sent, byStatus, errors, latency, seconds, wrong, List.of(), gc, sendLag,
                firstUnexpected, accepted, refusalsWithoutRetryAfter);
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int k = sorted.size();
        return k == 0 ? 0 : k % 2 == 1 ? sorted.get(k / 2) : (sorted.get(k / 2 - 1) + sorted.get(k / 2)) / 2;
    }

    private static String windows(List<Double> p99s) {
        return String.join(", ", p99s.stream().map(v -> String.format(Locale.ROOT, "%.2f", v)).toList());
    }

    private static String row(String name, Step step) {
        LoadGenerator.Result r = step.result();
        return String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f | %.2f | %d | %.2f / %.2f |", name, step.rate(),
                r.answered() / r.seconds(), r.latency().getValueAtPercentile(50) / 1000.0,
                r.latency().getValueAtPercentile(99) / 1000.0, r.errors() + r.wrongStatus().size(),
                r.sendLag().getValueAtPercentile(99) / 1000.0, r.sendLag().getMaxValue() / 1000.0);
    }

    private static String fmt(double ms) {
        return ms >= 1 ? String.format(Locale.ROOT, "%.0f", ms) : String.format(Locale.ROOT, "%.1f", ms);
    }

    public static String scrape(int port) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                        + "/metrics")).timeout(java.time.Duration.ofSeconds(10)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of an unlabelled sample in Prometheus text, 0 when absent. */
    public static double metric(String text, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(name)
                + " (\\S+)").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** The upper bound of the GC-pause bucket that holds the 99th percentile of the pauses between two scrapes. */
    static double pauseP99Ms(String before, String after) {
        java.util.regex.Pattern bucket = java.util.regex.Pattern.compile(
                "(?m)^replaylink_jvm_gc_pause_seconds_bucket\\{le=\"([^\"]+)\"} (\\S+)");
        java.util.TreeMap<Double, Double> counts = new java.util.TreeMap<>();
        java.util.regex.Matcher m = bucket.matcher(after);
        while (m.find()) {
            counts.merge(m.group(1).equals("+Inf") ? Double.MAX_VALUE : Double.parseDouble(m.group(1)),
                    Double.parseDouble(m.group(2)), Double::sum);
        }
        m = bucket.matcher(before);
        while (m.find()) {
            counts.merge(m.group(1).equals("+Inf") ? Double.MAX_VALUE : Double.parseDouble(m.group(1)),
                    -Double.parseDouble(m.group(2)), Double::sum);
        }
        double total = counts.isEmpty() ? 0 : counts.lastEntry().getValue();
        for (var e : counts.entrySet()) {
            if (total > 0 && e.getValue() >= 0.99 * total) {
                return e.getKey() * 1000;
            }
        }
        return 0;
    }

    /** Commands the clients sent Redis (the scripts' inner calls not counted). */
    static long redisCalls(String commandstats) {
        long calls = 0;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("cmdstat_(mget|evalsha|eval):calls=(\\d+)")
                .matcher(commandstats);
        while (m.find()) {
            calls += Long.parseLong(m.group(2));
        }
        return calls;
    }

    /** The full pipeline's Redis batch interval ({@code -Dbench.batchIntervalUs}, {@code scripts/bench}'s env). */
    static final long BATCH_INTERVAL_US = Long.getLong("bench.batchIntervalUs", 0);
    /**
     * The full pipeline with the in-memory index instead of Redis ({@code -Dbench.fullIndex=memory},
     * {@code E2E_INDEX=memory}): what linking costs at the knee without the Redis round trips.
     */
    static final boolean MEMORY_INDEX = "memory".equals(System.getProperty("bench.fullIndex", "redis"));

    /** One step of a scripted stream at {@code rate}; {@code seed} picks the stream (a repeat must not reuse ids). */
    static Step sweep(Vertx vertx, int port, double rate, double seconds, long seed) throws Exception {
        return send(vertx, port, rate, stream(rate, seconds, seed));
    }

    /**
     * The benchmark's stream for one step: {@code seconds} of envelopes at {@code rate}. A scenario is sized in
     * sessions, whose envelope count depends on the scenario, so the first guess is scaled by the duration it came
     * out at (an older fixed guess of 9 envelopes per session made every step half as long as its label said).
     */
    static Stream stream(double rate, double seconds, long seed) {
        int sessions = (int) Math.max(10, rate * seconds / 9);
        Stream stream = generate(rate, sessions, seed);
        double lasted = durationSeconds(stream);
        if (lasted > 0 && Math.abs(lasted - seconds) > 0.05 * seconds) {
            stream = generate(rate, (int) Math.max(10, Math.round(sessions * seconds / lasted)), seed);
        }
        return stream;
    }

    private static Stream generate(double rate, int sessions, long seed) {
        return StreamGenerator.generate(Scenario.parse("seed: " + seed + "\nsessions: " + sessions
                + "\nmalformed_share: 0\nrate: {rps: " + rate + "}\n"));
    }

    static double durationSeconds(Stream stream) {
        List<Stream.Request> r = stream.requests();
        return r.size() < 2 ? 0 : (r.get(r.size() - 1).atMicros() - r.get(0).atMicros()) / 1e6;
    }

    static Step send(Vertx vertx, int port, double rate, Stream stream) throws Exception {
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
        int port = LoopbackPorts.free();
        Files.writeString(dir.resolve("nginx.port"), Integer.toString(port));
        Files.createDirectories(dir.resolve("logs"));
        return Files.writeString(dir.resolve("nginx.conf"), """
                worker_processes 2;
                pid %s/nginx.pid;
                error_log %s/logs/error.log warn;
                events { worker_connections 4096; }
                http {
                %s  client_max_body_size 20m;
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
                """.formatted(dir, dir, io.replaylink.testing.NginxConfigs.privatePaths(dir), upstreamPort, port));
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
        System.out.println(run(args.length > 0 ? Integer.parseInt(args[0]) : 5));
    }
}
