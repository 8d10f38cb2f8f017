package io.replaylink.spi;

/**
 * A Relay outcome: what happened to data that was not forwarded (e.g. dropped by dynamic sampling). Sinks that
 * write Relay's Kafka topics turn it into Relay's {@code outcomes} message; others may ignore it.
 *
 * @param timestampSeconds when, unix seconds
 * @param projectId        the project
 * @param eventId          32 hex, or null
 * @param outcome          Relay's outcome code (1: filtered)
 * @param reason           e.g. {@code Sampled:1004,1005}
 * @param category         Relay's data category (2: transaction, 12: span, 6: profile)
 * @param quantity         how many
 * @param remoteAddr       the client's address, or null
 * @since 1
 */
public record OutcomeMessage(long timestampSeconds, long projectId, String eventId, int outcome, String reason,
                             int category, long quantity, String remoteAddr) {
}
