package io.replaylink.bench;

import io.replaylink.sampling.RulesFile;
import io.replaylink.sampling.SamplingRules;
import io.replaylink.sampling.TraceRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Sampling evaluation per envelope: the project's rules evaluated on a DSC, plus the trace's random number. 50 rules
 * of every operator where only the last (a catch-all) matches, beside a single catch-all rule (the baseline).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SamplingBenchmark {
    @Param({"1", "50"})
    public int rules;

    private SamplingRules compiled;
    private Function<String, Object> dsc;
    private Map<String, Object> trace;
    private final Instant now = Instant.parse("2026-11-26T12:00:00Z");

    @Setup
    public void setUp() {
        StringBuilder yaml = new StringBuilder("default:\n  rules:\n");
        String[] conditions = {
                "{op: eq, name: trace.release, value: [\"a@1\", \"b@2\"], options: {ignoreCase: true}}",
                "{op: glob, name: trace.transaction, value: [\"/health*\", \"*/metrics\"]}",
                "{op: gt, name: trace.sample_rate, value: 0.9}",
                "{op: and, inner: [{op: eq, name: trace.environment, value: staging}, {op: lte, name: trace.sample_rate, value: 0.1}]}",
                "{op: or, inner: [{op: eq, name: trace.user.segment, value: free}, {op: eq, name: trace.user.id, value: x}]}",
                "{op: not, inner: {op: eq, name: trace.environment, value: production}}",
        };
        for (int i = 0; i < rules - 1; i++) {
            yaml.append("    - {id: ").append(i).append(", type: trace, condition: ").append(conditions[i % conditions.length])
                    .append(", samplingValue: {type: sampleRate, value: 0.5}}\n");
        }
        yaml.append("    - {id: 9999, type: trace, condition: {op: and, inner: []}, samplingValue: {type: sampleRate,"
                + " value: 0.25}}\n");
        compiled = RulesFile.load(yaml.toString()).defaults();
        trace = Map.of("trace_id", "771a43a4192642f0b136d5159a501700", "release", "shop@1.2.3", "environment",
                "production", "transaction", "GET /checkout", "sample_rate", "0.5", "user_segment", "vip");
        dsc = trace::get;
        if (compiled.evaluate(dsc, null, now).ruleIds().get(0) != 9999L) {
            throw new IllegalStateException("only the catch-all must match");
        }
    }

    public int ruleCount() {
        return rules;
    }

    @Benchmark
    public boolean evaluate() {
        SamplingRules.Decision d = compiled.evaluate(dsc, null, now);
        return TraceRandom.of(trace.get("sample_rand"), (String) trace.get("trace_id"), null) < d.sampleRate();
    }
}
