package io.replaylink.logging;

import java.util.Map;

/**
 * The {@code logging:} section.
 *
 * @param format         {@code text} (one readable line per message) or {@code json} (one JSON object per line, the
 *                       fields of logstash-logback-encoder: {@code @timestamp}, {@code level}, {@code logger_name},
 *                       {@code thread_name}, {@code message}, {@code stack_trace})
 * @param level          the level of every logger not named in {@code levels}
 * @param levels         levels per logger name (a package name covers its sub-packages)
 * @param repeatWindowMs a message repeated by the same logger (digits aside) is written once per this window; the
 *                       next one written says how many were left out. 0 writes every one.
 */
public record LoggingSettings(String format, String level, Map<String, String> levels, long repeatWindowMs) {

    /** Defaults: text at info; the Kafka and Redis clients at warn (their info lines are per connection); repeats once per 10 s. */
    public static LoggingSettings defaults() {
        return new LoggingSettings("text", "info", Map.of(), 10_000);
    }

    /** Loggers that are chatty at info by design, at warn unless {@code levels} names them. */
    static final Map<String, String> QUIET_BY_DEFAULT = Map.of(
            "org.apache.kafka", "warn",
            "io.netty", "info",
            "io.lettuce", "warn");
}
