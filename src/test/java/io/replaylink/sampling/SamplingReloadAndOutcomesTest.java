package io.replaylink.sampling;

import io.replaylink.testing.Envelopes;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/** Rules reloaded without restart (a bad file keeps the old rules); drops reported as Relay outcomes; items sampling does not cover kept (one event-like item per envelope, as Relay allows). */
class SamplingReloadAndOutcomesTest {

    static String rules(double rate) {
        return "default: {rules: [{id: 77, type: trace, condition: {op: and, inner: []}, "
                + "samplingValue: {type: sampleRate, value: " + rate + "}}]}\n";
    }

    static byte[] transactionWithAttachment(String traceId) {
        String tx = "{\"type\":\"transaction\",\"transaction\":\"GET /x\"}";
        String err = "a log file";
        return ("{\"event_id\":\"" + Envelopes.id() + "\",\"trace\":{\"trace_id\":\"" + traceId + "\"}}\n"
                + "{\"type\":\"transaction\",\"length\":" + tx.length() + "}\n" + tx + "\n"
                + "{\"type\":\"attachment\",\"length\":" + err.length() + "}\n" + err + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void rulesReloadWhenTheFileChangesAndABadFileIsRejected(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(dir.resolve("sampling.yaml"), rules(0.0));
        Path out = dir.resolve("out");
        try (TestSidecar s = TestSidecar.start("""
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                processors: [{name: dynamic-sampling, config: {rules_file: "%s", reload_interval_ms: 50}}]
                sinks: [{name: file, config: {dir: "%s"}}]
                """.formatted(rules, out))) {
            String trace = Envelopes.id();
            assertThat(s.post("/api/1/envelope/?sentry_key=" + KEY, transactionWithAttachment(trace)).statusCode())
                    .isEqualTo(200);
            List<String> lines = awaitLines(out, 2);
            String envelope = lines.stream().filter(l -> l.startsWith("{\"kind\":\"envelope\"")).findFirst().orElseThrow();
            String outcome = lines.stream().filter(l -> l.startsWith("{\"kind\":\"outcome\"")).findFirst().orElseThrow();
            assertThat(envelope).as("the attachment is kept, the transaction dropped")
                    .contains("\"type\":\"attachment\"").doesNotContain("\"type\":\"transaction\"");
            assertThat(outcome).contains("\"outcome\":1", "\"reason\":\"Sampled:77\"", "\"category\":2",
                    "\"project_id\":1");

            Files.writeString(rules, rules(1.0));
            Thread.sleep(1100);
            assertThat(s.post("/api/1/envelope/?sentry_key=" + KEY, transactionWithAttachment(Envelopes.id())).statusCode())
                    .isEqualTo(200);
            assertThat(awaitLines(out, 3).get(2)).as("reloaded: kept").contains("\"type\":\"transaction\"");

            Files.writeString(rules, "default: {rules: [{id: 1, type: trace, condition: {op: bogus}}]}\n");
            Thread.sleep(1100);
            assertThat(s.post("/api/1/envelope/?sentry_key=" + KEY, transactionWithAttachment(Envelopes.id())).statusCode())
                    .isEqualTo(200);
            assertThat(awaitLines(out, 4).get(3)).as("bad file rejected: the old rules stay")
                    .contains("\"type\":\"transaction\"");
        }
    }

    @Test
    void transactionOnlyEnvelopeDroppedEntirelyIsAcceptedAndNotForwarded(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(dir.resolve("sampling.yaml"), rules(0.0));
        Path out = dir.resolve("out");
        try (TestSidecar s = TestSidecar.start("""
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                processors: [{name: dynamic-sampling, config: {rules_file: "%s"}}]
                sinks: [{name: file, config: {dir: "%s"}}]
                """.formatted(rules, out))) {
            String tx = "{\"type\":\"transaction\"}";
            byte[] envelope = ("{\"event_id\":\"" + Envelopes.id() + "\",\"trace\":{\"trace_id\":\"" + Envelopes.id()
                    + "\"}}\n{\"type\":\"transaction\"}\n" + tx + "\n").getBytes(StandardCharsets.UTF_8);
            var r = s.post("/api/1/envelope/?sentry_key=" + KEY, envelope);
            assertThat(r.statusCode()).isEqualTo(200);
            List<String> lines = awaitLines(out, 1);
            assertThat(lines).hasSize(1);
            assertThat(lines.get(0)).startsWith("{\"kind\":\"outcome\"");
        }
    }

    static List<String> awaitLines(Path dir, int n) throws Exception {
        long deadline = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < deadline) {
            Path f = dir.resolve("envelopes-000001.jsonl");
            if (Files.exists(f)) {
                List<String> lines = Files.readAllLines(f);
                if (lines.size() >= n) {
                    return lines;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("fewer than " + n + " lines written");
    }
}
