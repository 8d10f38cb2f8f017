package io.replaylink.spi;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where trace id to replay id mappings live. Both operations must be atomic per trace, also when several hosts
 * share the store: that is what makes every link happen exactly once. Ids are 32 lowercase hex characters.
 *
 * @since 1
 */
public interface ReplayIndex extends AutoCloseable {

    /**
     * The replay id of the trace if one is known; otherwise remembers {@code pending} (when present) for the trace,
     * within the store's per-trace bound, and returns empty.
     */
    CompletionStage<Optional<String>> lookupOrRemember(String traceId, Optional<PendingEvent> pending);

    /**
     * Records {@code traceId -> replayId} and returns the events remembered for that trace, removing them, so that
     * each is returned to exactly one caller.
     */
    CompletionStage<List<PendingEvent>> recordAndDrain(String traceId, String replayId);

    @Override
    default void close() {
    }

    /**
     * A backend event that arrived before its trace's replay was known.
     *
     * @param eventId   32 hex
     * @param projectId the event's project
     * @param timestamp the event's time, unix seconds
     * @param level     the event's level (debug, info, warning, error, fatal)
     */
    record PendingEvent(String eventId, long projectId, double timestamp, String level) {
    }
}
