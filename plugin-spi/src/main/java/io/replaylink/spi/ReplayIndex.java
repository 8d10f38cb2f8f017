package io.replaylink.spi;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
     * Records {@code traceId -> replayId} and returns the events remembered for that trace, which now belong to
     * {@code replayId}; it drains nothing when the trace already maps to another replay. A store of version 2 keeps
     * drained events claimed until {@link #acknowledgeDrained}: a later call for the trace returns them again once
     * the claim's lease has run out (the host that drained them stopped before handing their links off) or was
     * released ({@link #releaseDrained}: the hand-off failed), so no link is lost.
     */
    CompletionStage<List<PendingEvent>> recordAndDrain(String traceId, String replayId);

    /**
     * The links of events drained for {@code traceId} were handed off durably: forget them.
     *
     * @since 2
     */
    default CompletionStage<Void> acknowledgeDrained(String traceId, List<String> eventIds) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * The hand-off of these drained events' links failed (the client is told to retry): the next record of the trace
     * drains them again at once.
     *
     * @since 2
     */
    default CompletionStage<Void> releaseDrained(String traceId, List<String> eventIds) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Keeps links of events to {@code replayId} until a {@code replay_event} of that replay passes through any
     * host sharing the store and carries them (in its {@code error_ids}); for sinks that cannot carry Sentry's
     * {@code event_link} message (an HTTP upstream). Kept as long as mappings are, within a per-replay bound.
     *
     * @since 2
     */
    default CompletionStage<Void> holdLateLinks(String replayId, List<PendingEvent> events) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("this index keeps no late links"));
    }

    /**
     * The links held for {@code replayId}; they stay held until {@link #acknowledgeLateLinks}, so a carrier that
     * is not accepted leaves them to the next one.
     *
     * @since 2
     */
    default CompletionStage<List<PendingEvent>> lateLinks(String replayId) {
        return CompletableFuture.completedFuture(List.of());
    }

    /**
     * A {@code replay_event} carrying these links of {@code replayId} was accepted: forget them.
     *
     * @since 2
     */
    default CompletionStage<Void> acknowledgeLateLinks(String replayId, List<String> eventIds) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * The index of one Sentry organisation: a key space of its own, with bounds of its own, so that one organisation's
     * data never links to, nor evicts, another's. The default (a store of version 1) has one key space for all.
     *
     * @since 2
     */
    default ReplayIndex forOrganization(long organizationId) {
        return this;
    }

    /**
     * Whether the store can be reached now (a connection is up), for the host's {@code replaylink_index_up} gauge;
     * called at scrape time from any thread, so it must not block. An in-process store is always available.
     *
     * @since 3
     */
    default boolean available() {
        return true;
    }

    /**
     * As {@link #lookupOrRemember}, and says whether {@code pending} could not be remembered because the trace already
     * has its bound of waiting events. The default cannot tell and answers {@code full} false.
     *
     * @since 3
     */
    default CompletionStage<Lookup> lookup(String traceId, Optional<PendingEvent> pending) {
        return lookupOrRemember(traceId, pending).thenApply(r -> new Lookup(r, false));
    }

    /** What {@link #lookup} found: the trace's replay, or none and whether the event was refused by the bound. */
    record Lookup(Optional<String> replayId, boolean full) {
    }

    /**
     * Keeps the host's note on what became of an event (a JSON object: linked, by which path, when; or why not), under
     * the event's id and, when it has one, under its trace, so that every host sharing the store answers "why is this
     * event (not) linked?" the same. Bounded and expiring: a store keeps a bounded number of notes (and of notes per
     * trace) for a bounded time, within the organisation's key space; a later note of the event replaces its earlier.
     * The default keeps nothing.
     *
     * @since 3
     */
    default CompletionStage<Void> noteEvent(String eventId, String traceId, String note) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * As {@link #noteEvent(String, String, String)}, with the note's JSON made on demand: a store that keeps notes in
     * its own memory may keep the supplier (the host's note object) and make the JSON only when a note is read; the
     * default makes it at once and stores it as above.
     *
     * @since 3
     */
    default CompletionStage<Void> noteEventLazily(String eventId, String traceId,
                                                 java.util.function.Supplier<String> note) {
        return noteEvent(eventId, traceId, note.get());
    }

    /** Keeps the host's note on how a trace's replay was learned (the first note of the trace stays). @since 3 */
    default CompletionStage<Void> noteReplayLearned(String traceId, String note) {
        return CompletableFuture.completedFuture(null);
    }

    /** The event's latest note, if the store still has it. @since 3 */
    default CompletionStage<Optional<String>> eventNote(String eventId) {
        return CompletableFuture.completedFuture(Optional.empty());
    }

    /**
     * What the store knows of a trace: its replay (without remembering anything), how it was learned, the notes of
     * its events by event id, and the events waiting for its replay.
     *
     * @since 3
     */
    default CompletionStage<TraceNotes> traceNotes(String traceId) {
        return lookupOrRemember(traceId, Optional.empty()).thenApply(r -> new TraceNotes(r, Optional.empty(),
                java.util.Map.of(), List.of()));
    }

    /** See {@link #traceNotes}. */
    record TraceNotes(Optional<String> replayId, Optional<String> learned, java.util.Map<String, String> events,
                      List<PendingEvent> waiting) {
    }

    @Override
    default void close() {
    }

    /**
     * The hold of a remembered event ended (its host held the event back, hoping to link it inline): when the trace's
     * replay is known now and the event still waits, forgets it and answers the replay (the host links it inline);
     * otherwise answers empty (it waits on for a record, or one drained it already, whose late link stands).
     *
     * @since 2
     */
    default CompletionStage<Optional<String>> endHold(String traceId, String eventId) {
        return CompletableFuture.completedFuture(Optional.empty());
    }

    /**
     * A backend event that arrived before its trace's replay was known.
     *
     * @param eventId         32 hex
     * @param projectId       the event's project
     * @param timestamp       the event's time, unix seconds
     * @param level           the event's level (debug, info, warning, error, fatal)
     * @param holdUntilMillis until when its host holds it back (unix ms; 0: not held): a record before then leaves it
     *                        waiting, for the host to link inline at {@link #endHold} (since 2)
     */
    record PendingEvent(String eventId, long projectId, double timestamp, String level, long holdUntilMillis) {

        /** An event that is not held (the constructor of version 1). */
        public PendingEvent(String eventId, long projectId, double timestamp, String level) {
            this(eventId, projectId, timestamp, level, 0);
        }

        /** Whether its host still holds it at {@code nowMillis}. */
        public boolean heldAt(long nowMillis) {
            return holdUntilMillis > nowMillis;
        }
    }
}
