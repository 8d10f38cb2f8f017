package io.replaylink.forward;

import io.replaylink.testing.CollectingSinkProvider;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.KafkaBroker;
import io.replaylink.testing.MsgpackValues;
import io.replaylink.testing.SentrySdk;
import io.replaylink.testing.TestSidecar;
import io.sentry.Attachment;
import io.sentry.Hint;
import io.sentry.ITransaction;
import io.sentry.Sentry;
import io.sentry.protocol.SentryId;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kafka sink against a real KRaft broker, read back by a real consumer and decoded as Sentry's consumers decode
 * it; the envelopes come from the real Java SDK (and hand-made browser replay envelopes).
 */
class KafkaSinkTest {
    static KafkaBroker broker;
    static TestSidecar sidecar;
    static String suffix = "-" + UUID.randomUUID().toString().substring(0, 8);
    static CollectingSinkProvider.Collected forwarded;

    @BeforeAll
    static void start() {
        broker = KafkaBroker.shared();
        broker.createTopics("ev" + suffix, "tx" + suffix, "at" + suffix, "re" + suffix, "rr" + suffix, "ot" + suffix,
                "fb" + suffix);
        String collectId = "kafka" + suffix;
        sidecar = TestSidecar.start("""
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                processors: [replay-linker]
                sinks:
                  - name: kafka
                    config:
                      bootstrap_servers: "%s"
                      organization_id: 7
                      attachment_chunk_size: 100
                      topics: {events: ev%s, transactions: tx%s, attachments: at%s, replay_events: re%s,
                               replay_recordings: rr%s, other: ot%s, feedback: fb%s}
                  - name: test-collect
                    config: {id: %s}
                """.formatted(broker.bootstrap(), suffix, suffix, suffix, suffix, suffix, suffix, suffix, collectId));
        forwarded = CollectingSinkProvider.get(collectId);
        SentrySdk.init(sidecar.dsn(1));
    }

    @AfterAll
    static void stop() {
        Sentry.close();
        sidecar.close();
    }

    static List<ConsumerRecord<byte[], byte[]>> consume(String topic, int atLeast) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 20_000;
            while (out.size() < atLeast && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    static String forwardedBody(String eventId) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            byte[] b = forwarded.envelopes().poll(1, TimeUnit.SECONDS);
            if (b != null && new String(b, StandardCharsets.ISO_8859_1).contains(eventId)) {
                return new String(b, StandardCharsets.ISO_8859_1);
            }
        }
        throw new AssertionError("not forwarded: " + eventId);
    }

    /** The payload of the item of {@code type} in a forwarded envelope (items with length headers). */
    static byte[] itemPayload(String envelope, String type) {
        String[] parts = envelope.split("\n", -1);
        int pos = parts[0].length() + 1;
        while (pos < envelope.length()) {
            int nl = envelope.indexOf('\n', pos);
            String header = envelope.substring(pos, nl);
            int len = Integer.parseInt(header.replaceAll(".*\"length\":(\\d+).*", "$1"));
            String payload = envelope.substring(nl + 1, nl + 1 + len);
            if (header.contains("\"type\":\"" + type + "\"")) {
                return payload.getBytes(StandardCharsets.ISO_8859_1);
            }
            pos = nl + 1 + len + 1;
        }
        throw new AssertionError("no " + type + " item");
    }

    @Test
    @SuppressWarnings("unchecked")
    void sdkErrorWithAttachmentGoesToAttachmentsAsChunksThenTheEvent() throws Exception {
        byte[] attachment = ("order 42\r\n\u0000binary " + "x".repeat(250)).getBytes(StandardCharsets.ISO_8859_1);
        SentryId id = Sentry.captureException(new IllegalStateException("payment failed"),
                Hint.withAttachment(new Attachment(attachment, "order.txt", "text/plain")));
        Sentry.flush(5000);
        String eventId = id.toString();
        String envelope = forwardedBody(eventId);

        List<ConsumerRecord<byte[], byte[]>> records = consume("at" + suffix, 4);
        List<Map<String, Object>> mine = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            Map<String, Object> m = MsgpackValues.map(r.value());
            if (eventId.equals(m.get("event_id"))) {
                assertThat(r.key()).isEqualTo(HexFormat.of().parseHex(eventId));
                mine.add(m);
            }
        }
        assertThat(mine).extracting(m -> m.get("type")).containsExactly("attachment_chunk", "attachment_chunk",
                "attachment_chunk", "event");
        ByteArrayOutputStream chunks = new ByteArrayOutputStream();
        for (int i = 0; i < 3; i++) {
            assertThat(mine.get(i)).containsEntry("chunk_index", (long) i).containsEntry("project_id", 1L);
            chunks.write((byte[]) mine.get(i).get("payload"));
        }
        assertThat(chunks.toByteArray()).isEqualTo(attachment);
        Map<String, Object> event = mine.get(3);
        assertThat(event.keySet()).containsExactly("type", "payload", "start_time", "event_id", "project_id",
                "remote_addr", "attachments");
        assertThat((byte[]) event.get("payload")).isEqualTo(itemPayload(envelope, "event"));
        assertThat(event.get("remote_addr")).isEqualTo("127.0.0.1");
        assertThat((Long) event.get("start_time")).isCloseTo(System.currentTimeMillis() / 1000,
                org.assertj.core.data.Offset.offset(60L));
        List<Map<String, Object>> attachments = (List<Map<String, Object>>) event.get("attachments");
        assertThat(attachments).hasSize(1);
        assertThat(attachments.get(0)).containsEntry("name", "order.txt").containsEntry("content_type", "text/plain")
                .containsEntry("attachment_type", "event.attachment").containsEntry("size", (long) attachment.length)
                .containsEntry("chunks", 3L).containsEntry("rate_limited", false)
                .containsEntry("id", mine.get(0).get("id"));
    }

    @Test
    void sdkErrorAloneGoesToEventsAndTransactionToTransactions() throws Exception {
        SentryId error = Sentry.captureMessage("plain message");
        ITransaction tx = Sentry.startTransaction("GET /orders", "http.server");
        tx.finish();
        Sentry.flush(5000);
        String errorEnvelope = forwardedBody(error.toString());
        List<ConsumerRecord<byte[], byte[]>> events = consume("ev" + suffix, 1);
        Map<String, Object> e = null;
        for (var r : events) {
            Map<String, Object> m = MsgpackValues.map(r.value());
            if (error.toString().equals(m.get("event_id"))) {
                e = m;
            }
        }
        assertThat(e).isNotNull().containsEntry("type", "event").containsEntry("attachments", List.of());
        assertThat((byte[]) e.get("payload")).isEqualTo(itemPayload(errorEnvelope, "event"));
        List<ConsumerRecord<byte[], byte[]>> txs = consume("tx" + suffix, 1);
        assertThat(txs).isNotEmpty();
        Map<String, Object> t = MsgpackValues.map(txs.get(txs.size() - 1).value());
        assertThat(t).containsEntry("type", "event");
        assertThat(new String((byte[]) t.get("payload"), StandardCharsets.UTF_8)).contains("GET /orders");
    }

    @Test
    @SuppressWarnings("unchecked")
    void replayEnvelopesAndEventLinks() throws Exception {
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        String backend = Envelopes.id();
        assertThat(sidecar.post("/api/1/envelope/?sentry_key=" + KEY, Envelopes.backendError(backend, trace))
                .statusCode()).isEqualTo(200);
        assertThat(sidecar.post("/api/1/envelope/?sentry_key=" + KEY, Envelopes.replayEvent(replay, trace))
                .statusCode()).isEqualTo(200);
        List<ConsumerRecord<byte[], byte[]>> replayEvents = consume("re" + suffix, 2);
        Map<String, Object> replayEvent = null;
        Map<String, Object> link = null;
        for (var r : replayEvents) {
            assertThat(r.key()).isEqualTo(HexFormat.of().parseHex(replay));
            Map<String, Object> m = io.replaylink.replay.JsonSpliceTestAccess.parse(new String(r.value(),
                    StandardCharsets.UTF_8));
            if ("replay_event".equals(m.get("type"))) {
                link = m;
            } else {
                replayEvent = m;
            }
        }
        assertThat(replayEvent).isNotNull().containsEntry("replay_id", replay).containsEntry("project_id", 1L)
                .containsEntry("retention_days", 90L);
        assertThat(new String(toBytes((List<Long>) replayEvent.get("payload")), StandardCharsets.UTF_8))
                .contains("\"trace_ids\":[\"" + trace + "\"]");
        assertThat(link).isNotNull().containsEntry("replay_id", replay);
        assertThat(new String(toBytes((List<Long>) link.get("payload")), StandardCharsets.UTF_8))
                .contains("\"error_id\":\"" + backend + "\"");

        List<ConsumerRecord<byte[], byte[]>> recordings = consume("rr" + suffix, 1);
        Map<String, Object> rec = MsgpackValues.map(recordings.get(0).value());
        assertThat(rec.keySet()).containsExactly("type", "replay_id", "key_id", "org_id", "project_id", "received",
                "retention_days", "payload", "replay_event", "replay_video", "relay_snuba_publish_disabled");
        assertThat(rec).containsEntry("type", "replay_recording_not_chunked").containsEntry("replay_id", replay)
                .containsEntry("org_id", 7L).containsEntry("project_id", 1L);
        assertThat(new String((byte[]) rec.get("payload"), StandardCharsets.UTF_8)).isEqualTo("{\"segment_id\":0}\nrrweb");
    }

    @Test
    void otherItemTypesGoWholeToTheOtherTopic() throws Exception {
        byte[] sessions = ("{\"sent_at\":\"2026-11-26T10:00:00Z\"}\n{\"type\":\"session\"}\n"
                + "{\"sid\":\"" + UUID.randomUUID() + "\",\"status\":\"ok\"}\n").getBytes(StandardCharsets.UTF_8);
        assertThat(sidecar.post("/api/1/envelope/?sentry_key=" + KEY, sessions).statusCode()).isEqualTo(200);
        List<ConsumerRecord<byte[], byte[]>> other = consume("ot" + suffix, 1);
        assertThat(other).anySatisfy(r -> assertThat(r.value()).isEqualTo(sessions));
    }

    @Test
    void sampledOutTransactionsBecomeRelayOutcomes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path rules = java.nio.file.Files.writeString(dir.resolve("rules.yaml"), "default: {rules: [{id: 1004,"
                + " type: trace, condition: {op: and, inner: []}, samplingValue: {type: sampleRate, value: 0.0}}]}\n");
        String outcomes = "outcomes" + suffix;
        broker.createTopics(outcomes);
        try (TestSidecar s = TestSidecar.start("""
                server: {port: 0}
                projects: [{id: 1, organization_id: 9, public_keys: []}]
                processors: [{name: dynamic-sampling, config: {rules_file: "%s"}}]
                sinks: [{name: kafka, config: {bootstrap_servers: "%s", organization_id: 7, topics: {outcomes: %s}}}]
                """.formatted(rules, broker.bootstrap(), outcomes))) {
            String eventId = Envelopes.id();
            byte[] tx = ("{\"event_id\":\"" + eventId + "\",\"trace\":{\"trace_id\":\"" + Envelopes.id()
                    + "\"}}\n{\"type\":\"transaction\"}\n{\"type\":\"transaction\"}\n")
                    .getBytes(StandardCharsets.UTF_8);
            assertThat(s.post("/api/1/envelope/?sentry_key=" + KEY, tx).statusCode()).isEqualTo(200);
            List<ConsumerRecord<byte[], byte[]>> records = consume(outcomes, 1);
            assertThat(records).hasSize(1);
            Map<String, Object> o = io.replaylink.replay.JsonSpliceTestAccess.parse(new String(records.get(0).value(),
                    StandardCharsets.UTF_8));
            assertThat(o).as("the project's organisation, not the sink's fallback").containsEntry("org_id", 9L)
                    .containsEntry("project_id", 1L).containsEntry("outcome", 1L)
                    .containsEntry("reason", "Sampled:1004").containsEntry("event_id", eventId)
                    .containsEntry("category", 2L).containsEntry("quantity", 1L);
            assertThat((String) o.get("timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
        }
    }

    /**
     * Sends run on the event loop and never wait: a record for a topic whose metadata the producer has not loaded
     * yet is refused at once by the producer (max.block.ms=0) and offered again on a timer until it is delivered.
     */
    @Test
    void aSendNeverBlocksAndRetriesUntilTheTopicsMetadataIsLoaded() throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        String topic = "fresh-" + UUID.randomUUID().toString().substring(0, 8);
        io.replaylink.spi.EnvelopeSink sink = new io.replaylink.forward.kafka.KafkaSinkProvider().create(
                io.replaylink.testing.PluginContexts.of("kafka", "sinks[0].config", Map.of("bootstrap_servers",
                        broker.bootstrap(), "topics", Map.of("replay_events", topic)),
                        Map.of(io.vertx.core.Vertx.class, vertx)));
        try {
            String replayId = UUID.randomUUID().toString().replace("-", "");
            java.util.concurrent.CompletableFuture<Long> callMicros = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<Void> acked = new java.util.concurrent.CompletableFuture<>();
            vertx.runOnContext(v -> {
                long t0 = System.nanoTime();
                sink.sendLink(new io.replaylink.spi.ReplayLinkMessage(1, replayId, Envelopes.id(),
                        "{\"type\":\"event_link\"}".getBytes(StandardCharsets.UTF_8)))
                        .whenComplete((r, e) -> {
                            if (e != null) {
                                acked.completeExceptionally(e);
                            } else {
                                acked.complete(null);
                            }
                        });
                callMicros.complete((System.nanoTime() - t0) / 1000);
            });
            assertThat(callMicros.get(10, TimeUnit.SECONDS)).as("µs the event loop spent in send").isLessThan(50_000);
            acked.get(20, TimeUnit.SECONDS);
            List<ConsumerRecord<byte[], byte[]>> records = consume(topic, 1);
            assertThat(records).hasSize(1);
            assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8)).contains("event_link");
        } finally {
            sink.shutdown().toCompletableFuture().get(20, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aProducerSettingThatWouldBlockTheEventLoopIsRejected() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new io.replaylink.forward.kafka.KafkaSinkProvider()
                        .create(io.replaylink.testing.PluginContexts.of("kafka", "sinks[0].config", Map.of(
                                "bootstrap_servers", broker.bootstrap(), "producer", Map.of("max.block.ms", 2000)))))
                .isInstanceOf(io.replaylink.spi.PluginConfigException.class)
                .hasMessageContaining("sinks[0].config.producer.max.block.ms");
    }

    static byte[] toBytes(List<Long> values) {
        byte[] b = new byte[values.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = values.get(i).byteValue();
        }
        return b;
    }
}
