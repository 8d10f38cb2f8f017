package io.replaylink.sampling;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Relay's rule format and evaluation: every operator and field, Sentry's rule 1005, factors, decay, time ranges. */
class SamplingRulesTest {
    static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    static SamplingRules rules(String json) {
        return RulesFile.load("default: {rules: " + json + "}").defaults();
    }

    static Function<String, Object> dsc(Map<String, Object> fields) {
        return fields::get;
    }

    static double rate(SamplingRules r, Map<String, Object> trace) {
        return r.evaluate(dsc(trace), null, NOW).sampleRate();
    }

    /** Sentry's "boost replays" rule exactly as Sentry generates it (BoostReplayIdBias, id 1005). */
    static final String RULE_1005 = """
            {"samplingValue": {"type": "sampleRate", "value": 1.0}, "type": "trace",
             "condition": {"op": "not", "inner": {"op": "eq", "name": "trace.replay_id", "value": null,
                           "options": {"ignoreCase": true}}},
             "id": 1005}""";

    @Test
    void sentrysRule1005KeepsEveryTraceWithAReplay() {
        SamplingRules r = rules("[" + RULE_1005 + ", {\"id\": 1000, \"type\": \"trace\", \"condition\": "
                + "{\"op\": \"and\", \"inner\": []}, \"samplingValue\": {\"type\": \"sampleRate\", \"value\": 0.1}}]");
        var withReplay = r.evaluate(dsc(Map.of("trace_id", "t", "replay_id", "abc")), null, NOW);
        assertThat(withReplay.sampleRate()).isEqualTo(1.0);
        assertThat(withReplay.ruleIds()).containsExactly(1005L);
        var without = r.evaluate(dsc(Map.of("trace_id", "t")), null, NOW);
        assertThat(without.sampleRate()).isEqualTo(0.1);
        assertThat(without.ruleIds()).containsExactly(1000L);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"op\":\"eq\",\"name\":\"trace.release\",\"value\":\"shop@1.0\"}|true",
            "{\"op\":\"eq\",\"name\":\"trace.release\",\"value\":[\"x\",\"shop@1.0\"]}|true",
            "{\"op\":\"eq\",\"name\":\"trace.release\",\"value\":\"SHOP@1.0\"}|false",
            "{\"op\":\"eq\",\"name\":\"trace.release\",\"value\":\"SHOP@1.0\",\"options\":{\"ignoreCase\":true}}|true",
            "{\"op\":\"eq\",\"name\":\"trace.environment\",\"value\":\"prod\"}|true",
            "{\"op\":\"eq\",\"name\":\"trace.transaction\",\"value\":\"GET /checkout\"}|true",
            "{\"op\":\"eq\",\"name\":\"trace.user.id\",\"value\":\"u1\"}|true",
            "{\"op\":\"eq\",\"name\":\"trace.user.segment\",\"value\":\"vip\"}|true",
            "{\"op\":\"eq\",\"name\":\"trace.replay_id\",\"value\":null}|false",
            "{\"op\":\"eq\",\"name\":\"trace.missing\",\"value\":null}|true",
            "{\"op\":\"glob\",\"name\":\"trace.release\",\"value\":[\"shop@*\"]}|true",
            "{\"op\":\"glob\",\"name\":\"trace.transaction\",\"value\":[\"*/health*\"]}|false",
            "{\"op\":\"gt\",\"name\":\"trace.sample_rate\",\"value\":0.5}|false",
            "{\"op\":\"gte\",\"name\":\"trace.sample_rate\",\"value\":0.5}|true",
            "{\"op\":\"lt\",\"name\":\"trace.sample_rate\",\"value\":0.5}|false",
            "{\"op\":\"lte\",\"name\":\"trace.sample_rate\",\"value\":0.5}|true",
            "{\"op\":\"and\",\"inner\":[{\"op\":\"eq\",\"name\":\"trace.environment\",\"value\":\"prod\"},"
                    + "{\"op\":\"eq\",\"name\":\"trace.release\",\"value\":\"x\"}]}|false",
            "{\"op\":\"or\",\"inner\":[{\"op\":\"eq\",\"name\":\"trace.environment\",\"value\":\"prod\"},"
                    + "{\"op\":\"eq\",\"name\":\"trace.release\",\"value\":\"x\"}]}|true",
            "{\"op\":\"not\",\"inner\":{\"op\":\"eq\",\"name\":\"trace.environment\",\"value\":\"prod\"}}|false",
            "{\"op\":\"and\",\"inner\":[]}|true",
            "{\"op\":\"or\",\"inner\":[]}|false",
    })
    void everyOperatorAndTraceField(String condition, boolean matches) {
        Map<String, Object> trace = new HashMap<>(Map.of("trace_id", "t", "release", "shop@1.0", "environment",
                "prod", "transaction", "GET /checkout", "user_id", "u1", "user_segment", "vip", "replay_id", "r",
                "sample_rate", "0.5"));
        SamplingRules r = rules("[{\"id\":1,\"type\":\"trace\",\"condition\":" + condition
                + ",\"samplingValue\":{\"type\":\"sampleRate\",\"value\":0.3}}]");
        assertThat(r.evaluate(dsc(trace), null, NOW).matched()).isEqualTo(matches);
    }

    @Test
    void transactionRulesMatchEventFields() {
        SamplingRules r = rules("[{\"id\":7,\"type\":\"transaction\",\"condition\":{\"op\":\"and\",\"inner\":["
                + "{\"op\":\"glob\",\"name\":\"event.transaction\",\"value\":[\"/health*\"]},"
                + "{\"op\":\"eq\",\"name\":\"event.tags.region\",\"value\":\"eu\"},"
                + "{\"op\":\"eq\",\"name\":\"event.contexts.trace.op\",\"value\":\"http.server\"}]},"
                + "\"samplingValue\":{\"type\":\"sampleRate\",\"value\":0.0}}]");
        Map<String, Object> event = EventFields.read(java.nio.ByteBuffer.wrap(("{\"transaction\":\"/healthz\","
                + "\"tags\":[[\"region\",\"eu\"]],\"contexts\":{\"trace\":{\"op\":\"http.server\"}},\"spans\":[{}]}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        var d = r.evaluate(dsc(Map.of()), event::get, NOW);
        assertThat(d.ruleIds()).containsExactly(7L);
        assertThat(d.sampleRate()).isZero();
    }

    @Test
    void factorsMultiplyUntilASampleRateMatchesAndTheResultIsClamped() {
        SamplingRules r = rules("""
                [{"id":1,"type":"trace","condition":{"op":"eq","name":"trace.environment","value":"prod"},
                  "samplingValue":{"type":"factor","value":3.0}},
                 {"id":2,"type":"trace","condition":{"op":"and","inner":[]},
                  "samplingValue":{"type":"factor","value":2.0}},
                 {"id":3,"type":"trace","condition":{"op":"and","inner":[]},
                  "samplingValue":{"type":"sampleRate","value":0.1}},
                 {"id":4,"type":"trace","condition":{"op":"and","inner":[]},
                  "samplingValue":{"type":"sampleRate","value":0.9}}]""");
        var prod = r.evaluate(dsc(Map.of("environment", "prod")), null, NOW);
        assertThat(prod.sampleRate()).isCloseTo(0.6, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(prod.ruleIds()).containsExactly(1L, 2L, 3L);
        assertThat(rate(r, Map.of("environment", "dev"))).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-9));
        SamplingRules big = rules("""
                [{"id":1,"type":"trace","condition":{"op":"and","inner":[]},"samplingValue":{"type":"factor","value":50}},
                 {"id":2,"type":"trace","condition":{"op":"and","inner":[]},"samplingValue":{"type":"sampleRate","value":0.5}}]""");
        assertThat(rate(big, Map.of())).isEqualTo(1.0);
        SamplingRules onlyFactors = rules("""
                [{"id":1,"type":"trace","condition":{"op":"and","inner":[]},"samplingValue":{"type":"factor","value":0.5}}]""");
        assertThat(onlyFactors.evaluate(dsc(Map.of()), null, NOW).matched()).as("no sampleRate rule: keep").isFalse();
    }

    @Test
    void linearDecayAcrossItsTimeRangeAndInactiveOutsideIt() {
        SamplingRules r = rules("""
                [{"id":9,"type":"trace","condition":{"op":"and","inner":[]},
                  "samplingValue":{"type":"sampleRate","value":1.0},
                  "timeRange":{"start":"2026-11-26T10:00:00Z","end":"2026-11-26T14:00:00Z"},
                  "decayingFn":{"type":"linear","decayedValue":0.2}},
                 {"id":10,"type":"trace","condition":{"op":"and","inner":[]},
                  "samplingValue":{"type":"sampleRate","value":0.05}}]""");
        assertThat(r.evaluate(dsc(Map.of()), null, Instant.parse("2026-11-26T10:00:00Z")).sampleRate())
                .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.evaluate(dsc(Map.of()), null, NOW).sampleRate())
                .isCloseTo(0.6, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.evaluate(dsc(Map.of()), null, Instant.parse("2026-11-26T13:00:00Z")).sampleRate())
                .isCloseTo(0.4, org.assertj.core.data.Offset.offset(1e-9));
        var after = r.evaluate(dsc(Map.of()), null, Instant.parse("2026-11-26T14:00:00Z"));
        assertThat(after.ruleIds()).containsExactly(10L);
        var before = r.evaluate(dsc(Map.of()), null, Instant.parse("2026-11-26T09:59:59Z"));
        assertThat(before.sampleRate()).isEqualTo(0.05);
        SamplingRules constant = rules("""
                [{"id":11,"type":"trace","condition":{"op":"and","inner":[]},"samplingValue":{"type":"sampleRate",
                  "value":0.7},"timeRange":{"start":"2026-11-26T10:00:00Z","end":"2026-11-26T14:00:00Z"},
                  "decayingFn":{"type":"constant"}}]""");
        assertThat(rate(constant, Map.of())).isEqualTo(0.7);
    }

    @Test
    void unknownRuleTypesDisableSamplingAsRelayDoes() {
        SamplingRules r = rules("""
                [{"id":1,"type":"trace","condition":{"op":"and","inner":[]},"samplingValue":{"type":"sampleRate","value":0.1}},
                 {"id":2,"type":"project","condition":{"op":"and","inner":[]},"samplingValue":{"type":"sampleRate","value":0.1}}]""");
        assertThat(r.disabledBecause()).contains("rules[1]", "project");
        assertThat(r.evaluate(dsc(Map.of()), null, NOW).matched()).isFalse();
        assertThat(rules("[{\"id\":3,\"type\":\"trace\",\"condition\":{\"op\":\"and\",\"inner\":[]},"
                + "\"samplingValue\":{\"type\":\"reservoir\",\"value\":10}}]").disabledBecause()).contains("reservoir");
    }

    @Test
    void badRulesNameWhatIsWrong() {
        assertThatThrownBy(() -> rules("[{\"id\":1,\"type\":\"trace\",\"condition\":{\"op\":\"like\",\"name\":\"x\"},"
                + "\"samplingValue\":{\"type\":\"sampleRate\",\"value\":0.1}}]"))
                .hasMessageContaining("default.rules[0].condition.op").hasMessageContaining("like");
        assertThatThrownBy(() -> rules("[{\"id\":1,\"type\":\"trace\",\"condition\":{\"op\":\"gt\",\"name\":\"x\","
                + "\"value\":\"a\"},\"samplingValue\":{\"type\":\"sampleRate\",\"value\":0.1}}]"))
                .hasMessageContaining("condition.value");
        assertThatThrownBy(() -> RulesFile.load("projects: {abc: {rules: []}}")).hasMessageContaining("projects.abc");
        assertThatThrownBy(() -> RulesFile.load("defaults: {}")).hasMessageContaining("unknown key");
    }

    @Test
    void perProjectRulesWithADefault() {
        RulesFile.Rules r = RulesFile.load("""
                default: {rules: [{"id":1,"type":"trace","condition":{"op":"and","inner":[]},
                                   "samplingValue":{"type":"sampleRate","value":0.1}}]}
                projects:
                  42: {rules: [{"id":2,"type":"trace","condition":{"op":"and","inner":[]},
                                "samplingValue":{"type":"sampleRate","value":0.5}}]}
                """);
        assertThat(r.forProject(42).rules()).extracting(SamplingRule::id).containsExactly(2L);
        assertThat(r.forProject(7).rules()).extracting(SamplingRule::id).containsExactly(1L);
    }

    @Test
    void traceRandomIsDeterministicUsesSampleRandAndIsUniform() {
        String trace = "771a43a4192642f0b136d5159a501700";
        assertThat(TraceRandom.of(null, trace, null)).isEqualTo(TraceRandom.of(null, trace.toUpperCase(), null));
        assertThat(TraceRandom.of("0.1234", trace, null)).isEqualTo(0.1234);
        assertThat(TraceRandom.of("1.5", trace, null)).isEqualTo(TraceRandom.of(null, trace, null));
        assertThat(TraceRandom.of(null, null, null)).isNaN();
        int below = 0;
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 100_000; i++) {
            String t = String.format("%016x%016x", random.nextLong(), random.nextLong());
            double r = TraceRandom.of(null, t, null);
            assertThat(r).isBetween(0.0, 1.0);
            if (r < 0.1) {
                below++;
            }
        }
        assertThat(below).isBetween(9_700, 10_300);
        assertThat(List.of(1)).isNotEmpty();
    }

    /** Relay's glob syntax (relay-pattern): {@code ? [..] [!..] {a,b} \\}, case-insensitively. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "shop@1.?|shop@1.0|true",
            "shop@1.?|shop@1.10|false",
            "shop@[0-9].*|shop@7.2|true",
            "shop@[0-9].*|shop@x.2|false",
            "shop@[!0-9]*|shop@x.2|true",
            "shop@[!0-9]*|shop@7.2|false",
            "shop@[^0-9]*|shop@x|true",
            "{prod,staging}-*|STAGING-eu|true",
            "{prod,staging}-*|dev-eu|false",
            "a\\*b|a*b|true",
            "a\\*b|axb|false",
            "[.]x|.x|true",
            "[.]x|ax|false",
            "a[bc|a[bc|true",
            "{a,|{a,|true",
            "*/health*|GET /checkout|false",
            "*a*b*a*|xxaxbxax|true",
            "*a*b*a*|xxaxbx|false",
            "{a*,*b}c|azzc|true",
            "{a*,*b}c|zzbc|true",
            "{a*,*b}c|zzc|false",
            "[a-c]?[!x]|B7Y|true",
            "[a-c]?[!x]|B7x|false",
            "caf\u00e9*|CAF\u00c9 noir|true",
    })
    void globsFollowRelaysSyntax(String glob, String value, boolean expected) {
        Condition c = Condition.Glob.of("trace.release", java.util.List.of(glob));
        assertThat(c.matches(f -> value)).as(glob + " ~ " + value).isEqualTo(expected);
    }

    /**
     * A glob costs at most (value length) x (glob states): the pattern that makes a backtracking regex take time
     * polynomial in the value's length (every star retried at every position) answers at once on a 1 MiB value.
     */
    @Test
    @org.junit.jupiter.api.Timeout(10)
    void aGlobOfManyStarsDoesNotBacktrack() {
        String value = "a".repeat(1 << 20);
        Condition c = Condition.Glob.of("trace.release", List.of("*a*a*a*a*a*a*a*a*a*a*a*a*b", "{*a*a*,x}*a*a*c"));
        assertThat(c.matches(f -> value)).isFalse();
        assertThat(c.matches(f -> value + "b")).isTrue();
    }
}
