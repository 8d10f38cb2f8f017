package io.replaylink.bench;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the codec benchmark and prints throughput in MB/s with the ratio to the newline-scan baseline measured in the
 * same run. {@code scripts/bench} calls this; {@code -Dbench.quick=true} shortens the run.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Boolean.getBoolean("bench.quick");
        Options options = new OptionsBuilder()
                .include(EnvelopeCodecBenchmark.class.getSimpleName())
                .forks(1)
                .threads(1)
                .warmupIterations(quick ? 2 : 5).warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 3 : 8).measurementTime(TimeValue.seconds(1))
                .jvmArgsAppend("-Xmx1g")
                .build();
        Collection<RunResult> results = new Runner(options).run();
        Map<String, double[]> byShape = new LinkedHashMap<>();
        for (RunResult r : results) {
            String shape = r.getParams().getParam("shape");
            EnvelopeCodecBenchmark b = new EnvelopeCodecBenchmark();
            b.shape = shape;
            b.setUp();
            double bytes = b.size();
            double opsPerSec = r.getPrimaryResult().getScore();
            double error = r.getPrimaryResult().getScoreError();
            double[] row = byShape.computeIfAbsent(shape, k -> new double[5]);
            row[0] = bytes;
            if (r.getParams().getBenchmark().endsWith("baselineScanNewlines")) {
                row[1] = opsPerSec * bytes / 1e6;
            } else {
                row[2] = opsPerSec * bytes / 1e6;
                row[3] = error * bytes / 1e6;
                row[4] = opsPerSec;
            }
        }
        System.out.println();
        System.out.println("| envelope | bytes | baseline newline scan MB/s | parse+write MB/s (± 99.9%) | envelopes/s "
                + "| parse+write time / scan time |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (Map.Entry<String, double[]> e : byShape.entrySet()) {
            double[] r = e.getValue();
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.0f ± %.0f | %.0f | %.2fx |%n", e.getKey(), r[0], r[1],
                    r[2], r[3], r[4], r[1] / r[2]);
        }
    }
}
