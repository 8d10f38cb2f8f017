package io.replaylink.loadgen;

import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Scripted streams: deterministic generation, hand-checked expectations, the stream file, the correctness report. */
class LoadGeneratorTest {

    static Scenario scenario(String yaml) {
        return Scenario.parse(yaml);
    }

    static byte[] bytes(Stream s) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.write(out);
        return out.toByteArray();
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnotherSeedOthers() throws Exception {
        String yaml = "seed: 7\nsessions: 50\norder: interleaved\n";
        assertThat(bytes(StreamGenerator.generate(scenario(yaml))))
                .isEqualTo(bytes(StreamGenerator.generate(scenario(yaml))));
        assertThat(bytes(StreamGenerator.generate(scenario("seed: 8\nsessions: 50\norder: interleaved\n"))))
                .isNotEqualTo(bytes(StreamGenerator.generate(scenario(yaml))));
    }

    @Test
    void expectationsOfAHandCheckedScenario() {
        // two buffer-mode sessions, one backend service with one error and no transaction, no extras:
        // per session a backend error, the browser error (replayId tag) and the replay event, events first
        Stream s = StreamGenerator.generate(scenario("""
                seed: 3
                sessions: 2
                replay_share: 1.0
                buffer_mode_share: 1.0
                backend_services: 1
                errors_per_service: 1
                transactions_per_service: 0
                attachment_share: 0
                store_share: 0
                unknown_item_share: 0
                malformed_share: 0
                rate: {rps: 100}
                """));
        assertThat(s.requests()).hasSize(6);
        assertThat(s.expectedLinks()).hasSize(2);
        assertThat(s.expectedUnlinked()).isEmpty();
        assertThat(s.expectedStatus()).isEmpty();
        assertThat(s.requests()).extracting(Stream.Request::atMicros)
                .containsExactly(0L, 10_000L, 20_000L, 30_000L, 40_000L, 50_000L);
        for (Map.Entry<String, String> link : s.expectedLinks().entrySet()) {
            List<String> bodies = s.requests().stream().map(r -> new String(r.body(), StandardCharsets.UTF_8)).toList();
            int error = indexOf(bodies, "\"event_id\":\"" + link.getKey() + "\",\"level\"");
            int browser = indexOf(bodies, "\"replayId\":\"" + link.getValue() + "\"");
            int replay = indexOf(bodies, "\"replay_id\":\"" + link.getValue() + "\",\"segment_id\"");
            assertThat(error).as("events first").isLessThan(browser);
            assertThat(browser).isLessThan(replay);
            assertThat(bodies.get(error)).as("buffer mode: no replay id in the DSC").doesNotContain(link.getValue());
        }
        Stream none = StreamGenerator.generate(scenario("sessions: 3\nreplay_share: 0\nmalformed_share: 1\n"));
        assertThat(none.expectedLinks()).isEmpty();
        assertThat(none.expectedUnlinked()).hasSize(3 * 2);
        assertThat(none.expectedStatus()).hasSize(3).containsValue(400);
    }

    static int indexOf(List<String> bodies, String part) {
        for (int i = 0; i < bodies.size(); i++) {
            if (bodies.get(i).contains(part)) {
                return i;
            }
        }
        throw new AssertionError("no request contains " + part);
    }

    @Test
    void rateProfiles() {
        Scenario ramp = scenario("rate: {profile: ramp, rps: 100, rps_to: 300}\n");
        assertThat(ramp.rateAt(0)).isEqualTo(100);
        assertThat(ramp.rateAt(0.5)).isEqualTo(200);
        Scenario steps = scenario("rate: {profile: steps, rps: 100, rps_to: 400, steps: 4}\n");
        assertThat(steps.rateAt(0.1)).isEqualTo(100);
        assertThat(steps.rateAt(0.3)).isEqualTo(200);
        assertThat(steps.rateAt(0.99)).isEqualTo(400);
        assertThatThrownBy(() -> scenario("sesions: 3\n")).hasMessageContaining("sesions");
        assertThatThrownBy(() -> scenario("order: random\n")).hasMessageContaining("order");
    }

    @Test
    void streamsRoundTripThroughTheirFile() throws Exception {
        Stream s = StreamGenerator.generate(scenario("sessions: 30\nmalformed_share: 0.3\n"));
        Stream back = Stream.read(new ByteArrayInputStream(bytes(s)));
        assertThat(bytes(back)).isEqualTo(bytes(s));
        assertThat(back.expectedLinks()).isEqualTo(s.expectedLinks());
    }

    /** The file sink's lines as the report reads them; an event_link line without its ids is no link, not a crash. */
    @Test
    void theReportReadsTheFileSinksLinesAndSkipsIncompleteLinks(@TempDir Path dir)
            throws Exception {
        java.nio.file.Files.writeString(dir.resolve("envelopes-0.jsonl"), String.join("\n",
                "{\"kind\":\"event_link\",\"event_id\":\"e1\",\"replay_id\":\"r1\"}",
                "{\"kind\":\"event_link\",\"event_id\":\"e2\"}",
                "[1,2]",
                "{\"kind\":\"envelope\",\"items\":[{\"header\":{\"type\":\"event\"},\"payload\":{\"event_id\":\"e2\","
                        + "\"platform\":\"java\",\"contexts\":{\"replay\":{\"replay_id\":\"r2\"}}}}]}") + "\n");
        Stream s = new Stream(List.of(), Map.of("e1", "r1", "e2", "r2"), List.of(), Map.of());
        CorrectnessReport r = CorrectnessReport.check(s, dir);
        assertThat(r.ok()).as(r.summary()).isTrue();
        assertThat(r.inline()).isEqualTo(1);
        assertThat(r.backfilled()).isEqualTo(1);
    }

    @Test
    void theReportCatchesAMissingLinkADuplicateAWrongReplayAndAnExtra() {
        Stream s = new Stream(List.of(), Map.of("e1", "r1", "e2", "r2", "e4", "r4", "e5", "r5"), List.of("e3"), Map.of());
        CorrectnessReport r = CorrectnessReport.compare(s, Map.of("e1", List.of("r1", "r1"), "e3", List.of("r9"),
                "e4", List.of("r0"), "e5", List.of("r5")), 3, 2);
        assertThat(r.ok()).isFalse();
        assertThat(r.duplicates()).containsExactly("e1");
        assertThat(r.missing()).containsExactly("e2");
        assertThat(r.wrong()).containsExactly("e4");
        assertThat(r.extra()).containsExactly("e3");
        assertThat(r.linked()).isEqualTo(1);
        assertThat(r.summary()).contains("missing 1", "duplicates 1");
    }

    /** Through an http sink: late links reach the upstream in replay events' error_ids, each once. */
    @Test
    void aShortScenarioThroughAnHttpUpstreamLinksEverythingExactlyOnce(@TempDir Path dir) throws Exception {
        Stream s = StreamGenerator.generate(scenario("""
                seed: 12
                sessions: 60
                replay_share: 0.5
                buffer_mode_share: 1.0
                order: events_first
                rate: {rps: 400}
                """));
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try (UpstreamRecorder upstream = UpstreamRecorder.start(vertx, dir.resolve("upstream.envelopes"));
             TestSidecar sidecar = TestSidecar.start("""
                     server: {port: 0}
                     projects: [{id: 1, public_keys: []}]
                     processors: [replay-linker]
                     sinks: [{name: http, config: {url: "%s"}}]
                     """.formatted(upstream.url()))) {
            LoadGenerator.Result result = LoadGenerator.run(sidecar.vertx(), s, "127.0.0.1", sidecar.port(), false, 16,
                    null);
            assertThat(result.wrongStatus()).as(result.summary()).isEmpty();
            CorrectnessReport report = LoadMain.awaitReport(() -> CorrectnessReport.checkUpstream(s,
                    upstream.file()));
            assertThat(report.ok()).as(report.summary()).isTrue();
            assertThat(report.linked()).isEqualTo(s.expectedLinks().size()).isPositive();
            assertThat(report.backfilled()).as("late links, in error_ids").isPositive();
        } finally {
            vertx.close().await();
        }
    }

    @Test
    void aShortScenarioAgainstARealSidecarLinksEverythingExactlyOnce(@TempDir Path dir) throws Exception {
        Stream s = StreamGenerator.generate(scenario("""
                seed: 11
                sessions: 60
                replay_share: 0.5
                order: interleaved
                malformed_share: 0.05
                rate: {rps: 400}
                """));
        try (TestSidecar sidecar = TestSidecar.start("""
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                processors: [replay-linker]
                sinks: [{name: file, config: {dir: "%s"}}]
                """.formatted(dir))) {
            LoadGenerator.Result result = LoadGenerator.run(sidecar.vertx(), s, "127.0.0.1", sidecar.port(), false, 16,
                    null);
            assertThat(result.sent()).isEqualTo(s.requests().size());
            assertThat(result.errors()).isZero();
            assertThat(result.wrongStatus()).as(result.summary()).isEmpty();
            assertThat(result.firstUnexpectedAnswer()).isNull();
            assertThat(result.latency().getTotalCount()).isEqualTo(s.requests().size());
            assertThat(result.sendLag().getTotalCount()).as("one send lag per request").isEqualTo(s.requests().size());
            assertThat(result.sendLag().getMaxValue()).as("a send leaves after its scheduled time, not a latency later")
                    .isLessThanOrEqualTo(result.latency().getMaxValue());
            assertThat(result.summary()).contains("send lag (scheduled time to hand-off): p99 ");
            CorrectnessReport report = LoadMain.awaitReport(() -> CorrectnessReport.check(s, dir));
            assertThat(report.ok()).as(report.summary()).isTrue();
            assertThat(report.linked()).isEqualTo(s.expectedLinks().size()).isPositive();
            String html = HtmlReport.render("test", result, report);
            assertThat(html).startsWith("<!doctype html>").contains("<svg", "<polyline", "Correctness: links expected")
                    .doesNotContain("<script");
        }
    }

    /** Answers other than the stream expects are counted per request, and the first one is kept with its reason. */
    @Test
    void anUnexpectedAnswerIsReportedWithItsReason(@TempDir Path dir) throws Exception {
        Stream s = StreamGenerator.generate(scenario("seed: 6\nsessions: 5\nmalformed_share: 0\nrate: {rps: 200}\n"));
        try (TestSidecar sidecar = TestSidecar.start("""
                server: {port: 0}
                projects: [{id: 1, public_keys: [%s]}]
                sinks: [{name: file, config: {dir: "%s"}}]
                """.formatted(TestSidecar.OTHER_KEY, dir))) {
            LoadGenerator.Result result = LoadGenerator.run(sidecar.vertx(), s, "127.0.0.1", sidecar.port(), false, 4,
                    null);
            assertThat(result.wrongStatus()).hasSize(s.requests().size()).doesNotContainValue(200);
            assertThat(result.firstUnexpectedAnswer()).matches("request \\d+: 40[13] \\{\"detail\":.+");
            assertThat(result.summary()).contains("answers other than expected", result.firstUnexpectedAnswer());
        }
    }

    @Test
    void http2WithPriorKnowledgeWorksToo(@TempDir Path dir) throws Exception {
        Stream s = StreamGenerator.generate(scenario("seed: 5\nsessions: 20\nreplay_share: 1\nrate: {rps: 200}\n"));
        try (TestSidecar sidecar = TestSidecar.start("""
                server: {port: 0, h2c: true}
                projects: [{id: 1, public_keys: []}]
                processors: [replay-linker]
                sinks: [{name: file, config: {dir: "%s"}}]
                """.formatted(dir))) {
            LoadGenerator.Result result = LoadGenerator.run(sidecar.vertx(), s, "127.0.0.1", sidecar.port(), true, 16,
                    null);
            assertThat(result.errors()).isZero();
            assertThat(result.byStatus()).containsKey(200);
            assertThat(LoadMain.awaitReport(() -> CorrectnessReport.check(s, dir)).ok()).isTrue();
        }
        assertThatThrownBy(() -> LoadGenerator.requireLoopback("10.0.0.1")).hasMessageContaining("loopback");
    }

    /** The report's Kafka source: links read back from the kafka sink's topics of a real broker. */
    @Test
    void theKafkaTopicsAreACorrectnessSourceToo() throws Exception {
        Stream s = StreamGenerator.generate(scenario("""
                seed: 21
                sessions: 60
                replay_share: 0.5
                order: events_first
                attachment_share: 0.2
                malformed_share: 0
                rate: {rps: 400}
                """));
        String suffix = "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        KafkaLinks topics = new KafkaLinks(io.replaylink.testing.KafkaBroker.shared().bootstrap(), "ev" + suffix,
                "at" + suffix, "re" + suffix);
        io.replaylink.testing.KafkaBroker.shared().createTopics(topics.events(), topics.attachments(),
                topics.replayEvents());
        try (TestSidecar sidecar = TestSidecar.start("""
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                processors: [replay-linker]
                sinks: [{name: kafka, config: {bootstrap_servers: "%s", topics: {events: "%s", attachments: "%s",
                         replay_events: "%s"}}}]
                """.formatted(topics.bootstrap(), topics.events(), topics.attachments(), topics.replayEvents()))) {
            LoadGenerator.Result result = LoadGenerator.run(sidecar.vertx(), s, "127.0.0.1", sidecar.port(), false, 16,
                    null);
            assertThat(result.errors()).isZero();
            assertThat(result.wrongStatus()).as(result.summary()).isEmpty();
            assertThat(result.firstUnexpectedAnswer()).isNull();
            CorrectnessReport report = LoadMain.awaitReport(() -> topics.check(s));
            assertThat(report.ok()).as(report.summary()).isTrue();
            assertThat(report.linked()).isEqualTo(s.expectedLinks().size()).isPositive();
            assertThat(report.inline()).as("linked inline").isPositive();
            assertThat(report.backfilled()).as("linked by event_link (events came first)").isPositive();
            // the same topics do not satisfy another stream's expectations
            Stream other = StreamGenerator.generate(scenario("seed: 22\nsessions: 20\nreplay_share: 1\n"));
            assertThat(topics.check(other).missing()).isNotEmpty();
        }
    }
}
