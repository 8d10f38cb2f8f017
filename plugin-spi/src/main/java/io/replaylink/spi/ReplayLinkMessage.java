package io.replaylink.spi;

/**
 * Sentry's replay {@code event_link} message: links an event that was forwarded before its replay was known. {@code
 * message} is the complete JSON message Sentry's replay consumer reads from {@code ingest-replay-events} (keyed by
 * {@code replayId}); sinks that cannot carry it (an HTTP upstream) ignore it.
 *
 * @param projectId the event's project
 * @param replayId  32 hex
 * @param eventId   32 hex
 * @param message   the JSON message bytes
 * @since 1
 */
public record ReplayLinkMessage(long projectId, String replayId, String eventId, byte[] message) {
}
