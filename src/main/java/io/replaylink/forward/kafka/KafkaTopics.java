package io.replaylink.forward.kafka;

import io.replaylink.spi.PluginConfig;
import io.replaylink.spi.PluginConfigException;

import java.util.Map;

/**
 * Topic names, Relay's defaults ({@code relay-kafka} {@code KafkaTopic}), each overridable under {@code topics:}.
 * {@code other} is ReplayLink's own: envelopes holding item types Relay writes to topics this sink does not
 * produce (sessions, spans, logs, check-ins, profiles, client reports, unknown types) go there whole, as envelope
 * bytes, so nothing accepted is dropped.
 */
record KafkaTopics(String events, String transactions, String attachments, String feedback, String replayEvents,
                   String replayRecordings, String outcomes, String other) {

    /** Relay's topic names (and {@code replaylink-envelopes} for {@code other}), nothing overridden. */
    static KafkaTopics defaults() {
        return of(Map.of());
    }

    /** Every topic this sink writes to. */
    java.util.List<String> all() {
        return java.util.List.of(events, transactions, attachments, feedback, replayEvents, replayRecordings, outcomes,
                other);
    }

    @SuppressWarnings("unchecked")
    static KafkaTopics from(PluginConfig c) {
        Object raw = c.asMap().get("topics");
        if (raw != null && !(raw instanceof Map)) {
            throw new PluginConfigException(c.path() + ".topics", "must be a mapping of topic kinds to names");
        }
        Map<String, Object> t = raw == null ? Map.of() : (Map<String, Object>) raw;
        for (String key : t.keySet()) {
            if (!java.util.Set.of("events", "transactions", "attachments", "feedback", "replay_events",
                    "replay_recordings", "outcomes", "other").contains(key)) {
                throw new PluginConfigException(c.path() + ".topics." + key, "unknown topic kind");
            }
        }
        return of(t);
    }

    private static KafkaTopics of(Map<String, Object> t) {
        return new KafkaTopics(name(t, "events", "ingest-events"), name(t, "transactions", "ingest-transactions"),
                name(t, "attachments", "ingest-attachments"), name(t, "feedback", "ingest-feedback-events"),
                name(t, "replay_events", "ingest-replay-events"),
                name(t, "replay_recordings", "ingest-replay-recordings"), name(t, "outcomes", "outcomes"),
                name(t, "other", "replaylink-envelopes"));
    }

    private static String name(Map<String, Object> t, String key, String defaultName) {
        Object v = t.get(key);
        return v == null ? defaultName : v.toString();
    }
}
