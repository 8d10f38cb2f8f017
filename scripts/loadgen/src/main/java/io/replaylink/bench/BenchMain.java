package io.replaylink.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmarks behind README's figures, each beside a baseline measured in the same run. {@code scripts/bench}
 * calls this with the suites to run ({@code codec}, {@code splice}, {@code sampling}, {@code index}, {@code kafka},
 * {@code cost}; all by default; {@code e2e}, the side-by-side rate sweep with nginx, and {@code overload}, twice the
 * highest clean rate for a minute, and {@code hostile}, memory under hostile bodies, only when named);
 * {@code -Dbench.quick=true} shortens the run.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> all = List.of("codec", "splice", "sampling", "chain", "index", "kafka", "cost");
        List<String> suites = args.length == 0 ? all : List.of(args);
        for (String suite : suites) {
            if (!all.contains(suite) && !List.of("e2e", "overload", "hostile", "overhead", "ab", "profile").contains(suite)) {
                System.err.println("scripts/bench: no suite " + suite + " (suites: " + String.join(", ", all)
                        + ", e2e, overload, hostile, overhead, ab, profile; interval is now part of cost)");
                System.exit(2);
            }
        }
        boolean quick = Boolean.getBoolean("bench.quick");
        StringBuilder report = new StringBuilder();
        if (suites.contains("codec")) {
            report.append(codec(jmh(EnvelopeCodecBenchmark.class, quick))).append("\n\n");
        }
        if (suites.contains("splice")) {
            report.append(splice(jmh(SpliceBenchmark.class, quick))).append("\n\n");
        }
        if (suites.contains("sampling")) {
            report.append(sampling(jmh(SamplingBenchmark.class, quick))).append("\n\n");
        }
        if (suites.contains("chain")) {
            report.append(chain(jmhWithGc(ChainBenchmark.class, quick))).append("\n");
            // the largest part of the linker's own work, alone
            double facts = jmh(EventFactsBenchmark.class, quick).iterator().next().getPrimaryResult().getScore();
            report.append(String.format(java.util.Locale.ROOT, "Reading the linking facts of one of these 2 KB error "
                    + "events (EventFactsBenchmark): %.0f ns.%n%n", facts));
        }
        if (suites.contains("index")) {
            report.append(IndexLookupBench.table(IndexLookupBench.run(quick ? 3 : 8))).append("\n\n");
        }
        if (suites.contains("kafka")) {
            report.append(KafkaThroughputBench.run(quick ? 4 : 10)).append("\n\n");
        }
        if (suites.contains("cost")) {
            report.append(quick ? LinkingCostBench.run(2000, 3, 3, 2.5) : LinkingCostBench.run(7000, 24, 6, 2.5))
                    .append("\n");
        }
        if (suites.contains("e2e")) {
            report.append(SideBySideBench.run(quick ? 2 : 5)).append("\n");
        }
        if (suites.contains("overhead")) {
            report.append(quick ? OverheadBench.run(10, 5, 1, 2, 5) : OverheadBench.run(60, 10, 5, 5, 10))
                    .append("\n");
        }
        if (suites.contains("ab")) {
            report.append(quick ? AbBench.run(10, 5, 1) : AbBench.run(60, 10, Integer.getInteger("ab.rounds", 6)))
                    .append("\n");
        }
        if (suites.contains("profile")) {
            report.append(quick ? ProfileBench.run(10, 5) : ProfileBench.run(60, 20)).append("\n");
        }
        if (suites.contains("overload")) {
            report.append(OverloadBench.run(quick)).append("\n");
        }
        if (suites.contains("hostile")) {
            report.append(HostileMemoryBench.run(quick ? 15 : 60)).append("\n");
        }
        System.out.println();
        System.out.println(report);
    }

    private static Collection<RunResult> jmh(Class<?> benchmark, boolean quick) throws Exception {
        return new Runner(options(benchmark, quick ? 2 : 5, 1).jvmArgsAppend("-Xmx1g").build()).run();
    }

    /** As {@link #jmh}, with JMH's GC profiler (allocation per operation), warmed longer: the linker's JIT is slow. */
    private static Collection<RunResult> jmhWithGc(Class<?> benchmark, boolean quick) throws Exception {
        return new Runner(options(benchmark, quick ? 4 : 12, 2).addProfiler(org.openjdk.jmh.profile.GCProfiler.class)
                .jvmArgsAppend("-Xmx512m").build()).run();
    }

    /** One fork, one thread; {@code warmups} iterations, then 3 (quick) or 8 measured, {@code seconds} each. */
    private static org.openjdk.jmh.runner.options.ChainedOptionsBuilder options(Class<?> benchmark, int warmups,
                                                                               int seconds) {
        return new OptionsBuilder()
                .include(benchmark.getSimpleName())
                .forks(1)
                .threads(1)
                .warmupIterations(warmups).warmupTime(TimeValue.seconds(seconds))
                .measurementIterations(Boolean.getBoolean("bench.quick") ? 3 : 8)
                .measurementTime(TimeValue.seconds(seconds));
    }

    /** Processing off vs linking, without the network: µs and bytes allocated per envelope, and their ratio. */
    private static String chain(Collection<RunResult> results) {
        Map<String, double[]> by = new LinkedHashMap<>();
        for (RunResult r : results) {
            double opsPerSecond = r.getPrimaryResult().getScore();
            var alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            by.put(r.getParams().getParam("processing"), new double[] {1e6 / opsPerSecond,
                    1e6 * r.getPrimaryResult().getScoreError() / (opsPerSecond * opsPerSecond),
                    alloc == null ? Double.NaN : alloc.getScore()});
        }
        StringBuilder s = new StringBuilder("| processing (parse, chain, write; no network) | µs per envelope (± 99.9%) "
                + "| bytes allocated per envelope |\n|---|---:|---:|");
        by.forEach((k, v) -> s.append(String.format(Locale.ROOT, "%n| %s | %.2f ± %.2f | %.0f |", k, v[0], v[1], v[2])));
        double[] off = by.get("off");
        double[] linking = by.get("linking");
        if (off != null && linking != null) {
            s.append(String.format(Locale.ROOT, "%n%nThe linker adds %.2f µs and %.0f bytes per envelope here.",
                    linking[0] - off[0], linking[2] - off[2]));
        }
        return s.toString();
    }

    private static String codec(Collection<RunResult> results) {
        Map<String, double[]> byShape = new LinkedHashMap<>();
        for (RunResult r : results) {
            String shape = r.getParams().getParam("shape");
            EnvelopeCodecBenchmark b = new EnvelopeCodecBenchmark();
            b.shape = shape;
            b.setUp();
            double bytes = b.size();
            double ops = r.getPrimaryResult().getScore();
            double[] row = byShape.computeIfAbsent(shape, k -> new double[5]);
            row[0] = bytes;
            if (r.getParams().getBenchmark().endsWith("baselineScanNewlines")) {
                row[1] = ops * bytes / 1e6;
            } else {
                row[2] = ops * bytes / 1e6;
                row[3] = r.getPrimaryResult().getScoreError() * bytes / 1e6;
                row[4] = ops;
            }
        }
        StringBuilder s = new StringBuilder("| envelope | bytes | baseline newline scan MB/s | parse+write MB/s "
                + "(± 99.9%) | envelopes/s | parse+write time / scan time |\n|---|---:|---:|---:|---:|---:|");
        for (Map.Entry<String, double[]> e : byShape.entrySet()) {
            double[] r = e.getValue();
            s.append(String.format(Locale.ROOT, "%n| %s | %.0f | %.0f | %.0f ± %.0f | %.0f | %.2fx |", e.getKey(), r[0],
                    r[1], r[2], r[3], r[4], r[1] / r[2]));
        }
        return s.toString();
    }

    private static String sampling(Collection<RunResult> results) {
        double base = 0;
        StringBuilder s = new StringBuilder("| rules (only the last matches) | ns per envelope (± 99.9%) | ratio to 1 rule |"
                + "\n|---:|---:|---:|");
        List<RunResult> sorted = results.stream()
                .sorted(java.util.Comparator.comparingInt(r -> Integer.parseInt(r.getParams().getParam("rules"))))
                .toList();
        for (RunResult r : sorted) {
            double ns = r.getPrimaryResult().getScore();
            if (base == 0) {
                base = ns;
            }
            s.append(String.format(Locale.ROOT, "%n| %s | %.0f ± %.0f | %.1f |", r.getParams().getParam("rules"), ns,
                    r.getPrimaryResult().getScoreError(), ns / base));
        }
        return s.toString();
    }

    private static String splice(Collection<RunResult> results) {
        Map<String, double[]> byShape = new LinkedHashMap<>();
        for (RunResult r : results) {
            String shape = r.getParams().getParam("shape");
            SpliceBenchmark b = new SpliceBenchmark();
            b.shape = shape;
            b.setUp();
            double[] row = byShape.computeIfAbsent(shape, k -> new double[3]);
            row[0] = b.size();
            if (r.getParams().getBenchmark().endsWith("parseAndReserialise")) {
                row[1] = r.getPrimaryResult().getScore();
            } else {
                row[2] = r.getPrimaryResult().getScore();
            }
        }
        StringBuilder s = new StringBuilder("| event | bytes | parse + reserialise (baseline) ops/s | splice ops/s "
                + "| splice speed-up |\n|---|---:|---:|---:|---:|");
        for (Map.Entry<String, double[]> e : byShape.entrySet()) {
            double[] r = e.getValue();
            s.append(String.format(Locale.ROOT, "%n| %s | %.0f | %.0f | %.0f | %.1fx |", e.getKey(), r[0], r[1], r[2],
                    r[2] / r[1]));
        }
        return s.toString();
    }
}
