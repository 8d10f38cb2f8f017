package io.replaylink.loadgen;

import io.replaylink.testing.MsgpackValues;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The correctness report's Kafka source: reads the kafka sink's topics back as Sentry's consumers would (every
 * partition from the beginning to the end offsets at the time of the call, no consumer group) and collects the
 * links: backend events on the events and attachments topics (msgpack {@code type: event}, the event JSON in
 * {@code payload}) that carry {@code contexts.replay.replay_id}, and {@code event_link} messages on the
 * replay-events topic (JSON {@code replay_event} whose {@code payload} is the inner message's bytes).
 *
 * @param events       Relay's {@code ingest-events}
 * @param attachments  Relay's {@code ingest-attachments} (events sent with attachments)
 * @param replayEvents Relay's {@code ingest-replay-events}
 */
public record KafkaLinks(String bootstrap, String events, String attachments, String replayEvents) {
    private static final JsonFactory JSON = new JsonFactory();

    /** The sink's default topic names. */
    public static KafkaLinks defaults(String bootstrap) {
        return new KafkaLinks(bootstrap, "ingest-events", "ingest-attachments", "ingest-replay-events");
    }

    public CorrectnessReport check(Stream stream) {
        Map<String, List<String>> found = new HashMap<>();
        int[] kinds = new int[2];
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000",
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000",
                ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            Map<String, List<PartitionInfo>> all = consumer.listTopics(Duration.ofSeconds(10));
            for (String topic : List.of(events, attachments, replayEvents)) {
                for (PartitionInfo p : all.getOrDefault(topic, List.of())) {
                    partitions.add(new TopicPartition(p.topic(), p.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!reachedEnd(consumer, end) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    read(r, found, kinds);
                }
            }
        }
        return CorrectnessReport.compare(stream, found, kinds[0], kinds[1]);
    }

    private static boolean reachedEnd(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey(), Duration.ofSeconds(10)) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void read(ConsumerRecord<byte[], byte[]> r, Map<String, List<String>> found, int[] kinds) {
        try {
            if (r.topic().equals(replayEvents)) {
                Map<String, Object> outer = json(r.value());
                if ("replay_event".equals(outer.get("type")) && outer.get("payload") instanceof List<?> numbers) {
                    byte[] inner = new byte[numbers.size()];
                    for (int i = 0; i < inner.length; i++) {
                        inner[i] = ((Number) numbers.get(i)).byteValue();
                    }
                    Map<String, Object> link = json(inner);
                    if ("event_link".equals(link.get("type"))) {
                        CorrectnessReport.eventLink(link, found, kinds);
                    }
                }
                return;
            }
            Map<String, Object> message = MsgpackValues.map(r.value());
            if ("event".equals(message.get("type")) && message.get("payload") instanceof byte[] payload) {
                CorrectnessReport.event(json(payload), found, kinds);
            }
        } catch (IOException | RuntimeException e) {
            // a message this report does not understand is not a link; the comparison shows what is missing
        }
    }

    private static Map<String, Object> json(byte[] bytes) throws IOException {
        try (JsonParser p = JSON.createParser(bytes)) {
            return CorrectnessReport.object(p);
        }
    }
}
