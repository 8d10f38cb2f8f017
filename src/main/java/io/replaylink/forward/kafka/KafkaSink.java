package io.replaylink.forward.kafka;

import io.replaylink.metrics.Metrics;
import io.replaylink.spi.EnvelopeSink;
import io.replaylink.spi.OutcomeMessage;
import io.replaylink.spi.OutgoingEnvelope;
import io.replaylink.spi.ReplayLinkMessage;
import io.replaylink.spi.SinkUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One shared, idempotent Kafka producer writing {@link RelayKafkaMessages} for every envelope. {@link #send}
 * completes when the broker acknowledged every record of the envelope ({@code acks=all} by default), so an
 * envelope answered 200 is in Kafka. Bounded: at most {@code max_in_flight} envelopes wait for acknowledgements;
 * beyond that, or while the producer's queue is full, the client is told to retry.
 */
final class KafkaSink implements EnvelopeSink {
    private static final java.time.format.DateTimeFormatter OUTCOME_TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);
    private final String name;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaTopics topics;
    private final int maxInFlight;
    private final long organizationId;
    private final int retentionDays;
    private final int chunkSize;
    private final Metrics metrics;
    private final AtomicInteger inFlight = new AtomicInteger();

    KafkaSink(String name, Vertx vertx, Map<String, String> producerConfig, KafkaTopics topics, int maxInFlight,
              long organizationId, int retentionDays, int chunkSize, Metrics metrics) {
        this.name = name;
        this.producer = KafkaProducer.createShared(vertx, "replaylink-" + name, producerConfig);
        this.topics = topics;
        this.maxInFlight = maxInFlight;
        this.organizationId = organizationId;
        this.retentionDays = retentionDays;
        this.chunkSize = chunkSize;
        this.metrics = metrics;
    }

    @Override
    public CompletionStage<Void> send(OutgoingEnvelope envelope) {
        if (inFlight.incrementAndGet() > maxInFlight || producer.writeQueueFull()) {
            release();
            return CompletableFuture.failedFuture(new SinkUnavailableException(
                    "kafka sink " + name + " is full", Duration.ofSeconds(1)));
        }
        metrics.sinkInflight(name, inFlight.get());
        List<RelayKafkaMessages.Message> messages;
        try {
            messages = RelayKafkaMessages.of(envelope, topics, new RelayKafkaMessages.Context(
                    System.currentTimeMillis() / 1000, retentionDays, organizationId, chunkSize,
                    remoteAddr(envelope)));
        } catch (RuntimeException e) {
            release();
            return CompletableFuture.failedFuture(e);
        }
        List<Future<?>> acks = new ArrayList<>(messages.size());
        for (RelayKafkaMessages.Message m : messages) {
            acks.add(producer.send(KafkaProducerRecord.create(m.topic(), m.key(), m.value())));
        }
        return Future.join(acks).<Void>mapEmpty().recover(e -> Future.failedFuture(new SinkUnavailableException(
                        "kafka sink " + name + ": " + e.getMessage(), Duration.ofSeconds(5))))
                .onComplete(ar -> release()).toCompletionStage();
    }

    @Override
    public CompletionStage<Void> sendLink(ReplayLinkMessage link) {
        return producer.send(KafkaProducerRecord.create(topics.replayEvents(),
                        RelayKafkaMessages.uuidBytes(link.replayId()), link.message()))
                .<Void>mapEmpty().toCompletionStage();
    }

    /** Relay's outcome message (JSON, {@code TrackRawOutcome}) on the {@code outcomes} topic, no key. */
    @Override
    public CompletionStage<Void> sendOutcome(OutcomeMessage o) {
        String json = "{\"timestamp\":\"" + OUTCOME_TIME.format(java.time.Instant.ofEpochSecond(o.timestampSeconds()))
                + "\",\"org_id\":" + organizationId + ",\"project_id\":" + o.projectId() + ",\"key_id\":null,"
                + "\"outcome\":" + o.outcome() + ",\"reason\":" + quote(o.reason()) + ",\"event_id\":"
                + quote(o.eventId()) + ",\"remote_addr\":" + quote(o.remoteAddr()) + ",\"source\":null,"
                + "\"category\":" + o.category() + ",\"quantity\":" + o.quantity() + "}";
        return producer.send(KafkaProducerRecord.<byte[], byte[]>create(topics.outcomes(), null,
                json.getBytes(java.nio.charset.StandardCharsets.UTF_8))).<Void>mapEmpty().toCompletionStage();
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private void release() {
        metrics.sinkInflight(name, Math.max(0, inFlight.decrementAndGet()));
    }

    /** The client's address, as Relay records it: the first X-Forwarded-For entry. */
    private static String remoteAddr(OutgoingEnvelope envelope) {
        String xff = envelope.forwardHeaders().get("X-Forwarded-For");
        if (xff == null || xff.isBlank()) {
            return null;
        }
        int comma = xff.indexOf(',');
        return (comma < 0 ? xff : xff.substring(0, comma)).trim();
    }

    @Override
    public CompletionStage<Void> shutdown() {
        return producer.flush().compose(v -> producer.close()).toCompletionStage();
    }
}
