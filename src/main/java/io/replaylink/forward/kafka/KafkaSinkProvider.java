package io.replaylink.forward.kafka;

import io.replaylink.spi.EnvelopeSink;
import io.replaylink.spi.PluginConfig;
import io.replaylink.spi.PluginConfigException;
import io.replaylink.spi.PluginContext;
import io.replaylink.spi.SinkProvider;
import io.vertx.core.Vertx;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code name: kafka}: writes Relay's topics in Relay's formats. Config: {@code bootstrap_servers} (required),
 * {@code topics} (see {@link KafkaTopics}), {@code acks} ({@code all}), {@code linger_ms} (5), {@code batch_size}
 * (bytes, 262144), {@code compression} ({@code none}, as Relay; also {@code lz4}, {@code zstd}, {@code gzip},
 * {@code snappy}),
 * {@code delivery_timeout_ms} (20000: a record not acknowledged by then fails the envelope, which the client
 * sends again), {@code max_in_flight} (envelopes waiting for acknowledgements, 10000; beyond: 503),
 * {@code organization_id} (written into replay recordings and outcomes for projects without an
 * {@code organization_id} of their own, 1), {@code retention_days} (90),
 * {@code attachment_chunk_size} (bytes, 1 MiB as Relay), {@code producer} (a map of further kafka-clients
 * producer settings, passed as they are; {@code max.block.ms} is fixed at 0).
 */
public final class KafkaSinkProvider implements SinkProvider {
    private static final Set<String> COMPRESSION = Set.of("lz4", "zstd", "gzip", "snappy", "none");

    /** The topics a kafka sink writes to when its config names none (Relay's, plus {@code replaylink-envelopes}). */
    public static java.util.List<String> defaultTopics() {
        return KafkaTopics.defaults().all();
    }

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    @SuppressWarnings("unchecked")
    public EnvelopeSink create(PluginContext context) {
        PluginConfig c = context.config();
        String bootstrap = c.string("bootstrap_servers").orElseThrow(() -> new PluginConfigException(
                c.path() + ".bootstrap_servers", "missing (e.g. 127.0.0.1:9092)"));
        // Relay (librdkafka) compresses nothing unless configured; lz4 or zstd trade CPU and a buffer per batch
        // (about 128 KB allocated per envelope at low rates with lz4) for bytes on the wire
        String compression = c.string("compression", "none");
        if (!COMPRESSION.contains(compression)) {
            throw new PluginConfigException(c.path() + ".compression", "one of " + COMPRESSION + ", got " + compression);
        }
        long deliveryTimeout = positive(c, "delivery_timeout_ms", 20_000);
        long linger = c.number("linger_ms", 5);
        Map<String, String> producer = new LinkedHashMap<>();
        producer.put("bootstrap.servers", bootstrap);
        producer.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        producer.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        producer.put("acks", c.string("acks", "all"));
        producer.put("enable.idempotence", "true");
        producer.put("linger.ms", Long.toString(linger));
        producer.put("batch.size", Long.toString(positiveSize(c, "batch_size", 262_144)));
        producer.put("compression.type", compression);
        producer.put("delivery.timeout.ms", Long.toString(deliveryTimeout));
        producer.put("request.timeout.ms", Long.toString(Math.min(deliveryTimeout - linger, 5_000)));
        // never block the event loop: a full buffer or unknown topic metadata fails the send at once (see KafkaSink)
        producer.put("max.block.ms", "0");
        producer.put("max.request.size", Long.toString(16L * 1024 * 1024));
        if (c.asMap().get("producer") instanceof Map<?, ?> extra) {
            ((Map<String, Object>) extra).forEach((k, v) -> producer.put(k, String.valueOf(v)));
            if (producer.containsKey("max.block.ms") && !"0".equals(producer.get("max.block.ms"))) {
                throw new PluginConfigException(c.path() + ".producer.max.block.ms",
                        "is fixed at 0: sends run on the event loop and must never wait");
            }
        } else if (c.asMap().get("producer") != null) {
            throw new PluginConfigException(c.path() + ".producer", "must be a mapping of producer settings");
        }
        Vertx vertx = context.hostService(Vertx.class).orElseThrow(() ->
                new IllegalStateException("the kafka sink needs the host's Vert.x runtime"));
        io.replaylink.metrics.Metrics metrics = context.hostService(io.replaylink.metrics.Metrics.class)
                .orElseGet(io.replaylink.metrics.Metrics::new);
        long fallbackOrganization = c.number("organization_id", 1);
        // a project's organization_id (projects[]) where the host has one, else the sink's
        java.util.function.LongUnaryOperator organizationOf = context
                .hostService(io.replaylink.config.ReplayLinkConfig.class)
                .map(host -> (java.util.function.LongUnaryOperator) project -> {
                    var p = host.project(project);
                    return p != null && p.organizationId() != 0 ? p.organizationId() : fallbackOrganization;
                })
                .orElse(project -> fallbackOrganization);
        return new KafkaSink(context.name(), vertx, producer, KafkaTopics.from(c), (int) positive(c, "max_in_flight",
                10_000), organizationOf, (int) positive(c, "retention_days", 90),
                (int) positiveSize(c, "attachment_chunk_size", 1024 * 1024), deliveryTimeout, metrics);
    }

    private static long positive(PluginConfig c, String key, long defaultValue) {
        return checkPositive(c, key, c.number(key, defaultValue));
    }

    /** A size in bytes, with units ({@code 1MiB}). */
    private static long positiveSize(PluginConfig c, String key, long defaultValue) {
        return checkPositive(c, key, c.bytes(key, defaultValue));
    }

    private static long checkPositive(PluginConfig c, String key, long v) {
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new PluginConfigException(c.path() + "." + key, "must be positive and at most 2147483647, got " + v);
        }
        return v;
    }
}
