package io.replaylink.forward.kafka;

import io.replaylink.metrics.Metrics;
import io.replaylink.spi.EnvelopeSink;
import io.replaylink.spi.OutcomeMessage;
import io.replaylink.spi.OutgoingEnvelope;
import io.replaylink.spi.ReplayLinkMessage;
import io.replaylink.spi.SinkUnavailableException;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One shared, idempotent Kafka producer writing {@link RelayKafkaMessages} for every envelope. {@link #send}
 * completes when the broker acknowledged every record of the envelope ({@code acks=all} by default), so an
 * envelope answered 200 is in Kafka. Bounded: at most {@code max_in_flight} envelopes wait for acknowledgements;
 * beyond that, or while the producer's buffer is full, the client is told to retry.
 *
 * <p>vertx-kafka-client creates and closes the producer, but records go to the kafka-clients producer it wraps,
 * straight from the event loop: the wrapper's {@code send} hands each record to a worker thread first, and those
 * hand-offs (a wake-up per record) cost more CPU than the send itself. Direct sends never block: the producer runs
 * with {@code max.block.ms=0}, so a full buffer fails at once (the client retries) and a topic whose metadata is
 * not loaded yet fails at once too; such records are sent again on a timer of this event loop until the delivery
 * timeout. Metadata of every topic is loaded at start, on a worker thread.
 */
final class KafkaSink implements EnvelopeSink {
    private static final System.Logger LOG = System.getLogger(KafkaSink.class.getName());
    private static final java.time.format.DateTimeFormatter OUTCOME_TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);
    private static final long METADATA_RETRY_MS = 20;
    private final String name;
    private final Vertx vertx;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Producer<byte[], byte[]> kafka;
    private final KafkaTopics topics;
    private final int maxInFlight;
    /** A project's Sentry organisation (its {@code organization_id}, else the sink's). */
    private final java.util.function.LongUnaryOperator organizationOf;
    private final int retentionDays;
    private final int chunkSize;
    private final long deliveryTimeoutMs;
    private final Metrics metrics;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong lastFailureLog =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - TimeUnit.SECONDS.toNanos(10));
    private final AtomicInteger unloggedFailures = new AtomicInteger();

    KafkaSink(String name, Vertx vertx, Map<String, String> producerConfig, KafkaTopics topics, int maxInFlight,
              java.util.function.LongUnaryOperator organizationOf, int retentionDays, int chunkSize,
              long deliveryTimeoutMs, Metrics metrics) {
        this.name = name;
        this.vertx = vertx;
        this.producer = KafkaProducer.createShared(vertx, "replaylink-" + name, producerConfig);
        this.kafka = producer.unwrap();
        this.topics = topics;
        this.maxInFlight = maxInFlight;
        this.organizationOf = organizationOf;
        this.retentionDays = retentionDays;
        this.chunkSize = chunkSize;
        this.deliveryTimeoutMs = deliveryTimeoutMs;
        this.metrics = metrics;
        metrics.sinkInflight(name, () -> Math.max(0, inFlight.get()));
        loadMetadata();
    }

    /** Asks for every topic's partitions until each is known, so the first envelopes need no retry. */
    private void loadMetadata() {
        List<String> all = List.of(topics.events(), topics.transactions(), topics.attachments(), topics.feedback(),
                topics.replayEvents(), topics.replayRecordings(), topics.outcomes(), topics.other());
        vertx.executeBlocking(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<String> missing = new ArrayList<>(new java.util.LinkedHashSet<>(all));
            while (!missing.isEmpty() && System.nanoTime() < deadline) {
                missing.removeIf(topic -> {
                    try {
                        return !kafka.partitionsFor(topic).isEmpty();
                    } catch (RuntimeException e) {
                        return false;
                    }
                });
                if (!missing.isEmpty()) {
                    Thread.sleep(50);
                }
            }
            if (!missing.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "kafka sink " + name + ": no metadata yet for " + missing
                        + "; records for them are retried until delivery_timeout_ms");
            }
            return null;
        }, false);
    }

    @Override
    public CompletionStage<Void> send(OutgoingEnvelope envelope) {
        if (inFlight.incrementAndGet() > maxInFlight) {
            release();
            return CompletableFuture.failedFuture(new SinkUnavailableException(
                    "kafka sink " + name + " is full", Duration.ofSeconds(1)));
        }
        List<RelayKafkaMessages.Message> messages;
        try {
            messages = RelayKafkaMessages.of(envelope, topics, new RelayKafkaMessages.Context(
                    System.currentTimeMillis() / 1000, retentionDays,
                    organizationOf.applyAsLong(envelope.projectId()), chunkSize,
                    remoteAddr(envelope)));
        } catch (RuntimeException e) {
            release();
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        Acks acks = new Acks(messages.size(), done);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(messages.size());
        for (RelayKafkaMessages.Message m : messages) {
            records.add(new ProducerRecord<>(m.topic(), m.key(), m.value()));
        }
        produce(records, 0, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deliveryTimeoutMs), acks);
        return done.handle((v, e) -> {
            release();
            if (e != null) {
                Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
                warnAtMostEvery10s(cause);
                throw new java.util.concurrent.CompletionException(new SinkUnavailableException(
                        "kafka sink " + name + ": " + cause.getMessage(), Duration.ofSeconds(5)));
            }
            return null;
        });
    }

    /**
     * Hands an envelope's records to the producer in order, from {@code from}, without blocking. A record refused
     * only because its topic's metadata is not loaded yet (the producer refuses at once, inside send, with
     * max.block.ms=0) parks it and every later record of the envelope: they are offered again together on a timer of
     * this loop until the deadline, so attachment chunks still reach Kafka before their event.
     */
    private void produce(List<ProducerRecord<byte[], byte[]>> records, int from, long deadlineNanos, Acks acks) {
        for (int i = from; i < records.size(); i++) {
            boolean[] inside = {true};
            boolean[] parked = {false};
            try {
                kafka.send(records.get(i), (metadata, error) -> {
                    if (inside[0] && error instanceof org.apache.kafka.common.errors.TimeoutException
                            && metadataMissing(error) && System.nanoTime()
                            + TimeUnit.MILLISECONDS.toNanos(METADATA_RETRY_MS) < deadlineNanos) {
                        parked[0] = true;
                    } else {
                        acks.record(error);
                    }
                });
            } catch (RuntimeException e) {
                // a closed producer throws instead of calling back
                acks.record(e);
            }
            inside[0] = false;
            if (parked[0]) {
                int next = i;
                vertx.setTimer(METADATA_RETRY_MS, id -> produce(records, next, deadlineNanos, acks));
                return;
            }
        }
    }

    /** Failed deliveries are answered 503 (nothing is logged for those); operators still need to see why. */
    private void warnAtMostEvery10s(Throwable cause) {
        long now = System.nanoTime();
        long last = lastFailureLog.get();
        int failures = unloggedFailures.incrementAndGet();
        if (now - last >= TimeUnit.SECONDS.toNanos(10) && lastFailureLog.compareAndSet(last, now)) {
            unloggedFailures.addAndGet(-failures);
            LOG.log(System.Logger.Level.WARNING, "kafka sink " + name + ": " + failures
                    + " envelope(s) not delivered since the last report (answered 503); latest: " + cause);
        }
    }

    private static boolean metadataMissing(Exception error) {
        String message = error.getMessage();
        return message != null && message.contains("not present in metadata");
    }

    /**
     * Counts an envelope's acknowledgements; the last one completes it, on the producer's I/O thread (the Forwarder
     * brings the result back to the request's event loop, one hop per envelope).
     */
    private static final class Acks {
        private final AtomicInteger remaining;
        private final CompletableFuture<Void> done;
        private volatile Exception firstError;

        Acks(int records, CompletableFuture<Void> done) {
            this.remaining = new AtomicInteger(records);
            this.done = done;
            if (records == 0) {
                done.complete(null);
            }
        }

        void record(Exception error) {
            if (error != null && firstError == null) {
                firstError = error;
            }
            if (remaining.decrementAndGet() == 0) {
                Exception e = firstError;
                if (e == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(e);
                }
            }
        }
    }

    private CompletionStage<Void> single(String topic, byte[] key, byte[] value) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        produce(List.of(new ProducerRecord<>(topic, key, value)), 0,
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deliveryTimeoutMs), new Acks(1, done));
        return done;
    }

    @Override
    public boolean takesLinkMessages() {
        return true;
    }

    @Override
    public CompletionStage<Void> sendLink(ReplayLinkMessage link) {
        return single(topics.replayEvents(), RelayKafkaMessages.uuidBytes(link.replayId()), link.message());
    }

    /** Relay's outcome message (JSON, {@code TrackRawOutcome}) on the {@code outcomes} topic, no key. */
    @Override
    public CompletionStage<Void> sendOutcome(OutcomeMessage o) {
        String json = "{\"timestamp\":\"" + OUTCOME_TIME.format(java.time.Instant.ofEpochSecond(o.timestampSeconds()))
                + "\",\"org_id\":" + organizationOf.applyAsLong(o.projectId()) + ",\"project_id\":" + o.projectId()
                + ",\"key_id\":null,"
                + "\"outcome\":" + o.outcome() + ",\"reason\":" + quote(o.reason()) + ",\"event_id\":"
                + quote(o.eventId()) + ",\"remote_addr\":" + quote(o.remoteAddr()) + ",\"source\":null,"
                + "\"category\":" + o.category() + ",\"quantity\":" + o.quantity() + "}";
        return single(topics.outcomes(), null, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private void release() {
        inFlight.decrementAndGet();
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
