package io.replaylink.why;

import io.replaylink.metrics.Metrics;
import io.replaylink.spi.ReplayIndex;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Writes the replay-linker's why-notes to the index: what became of each error event (linked, how, when; or why
 * not), and how each trace's replay was learned. Writes go after the envelope, never delay its answer, and a failed
 * one is counted ({@code replaylink_index_operations_total{op="note"}}) and otherwise ignored: a note explains, it
 * links nothing. The traces whose learning this instance noted recently are remembered (bounded) so a replay's every
 * segment does not write its traces again.
 */
public final class EventNotes {
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final int LEARNED_REMEMBERED = 16_384;

    private final boolean enabled;
    private final String instance;
    private final long pendingTtlMs;
    private final LongSupplier clockMillis;
    private final Metrics metrics;
    /**
     * The traces whose learning this instance noted recently, by their hash's slot (a trace whose slot another took
     * is noted again: harmless, the index keeps a trace's first learned note). No lock: a slot holds an immutable
     * String, so a racing reader sees one trace or another, never a torn one.
     */
    private final String[] learnedNoted = new String[LEARNED_REMEMBERED];

    public EventNotes(boolean enabled, long pendingTtlMs, LongSupplier clockMillis, Metrics metrics) {
        this.enabled = enabled;
        this.instance = instanceName();
        this.pendingTtlMs = pendingTtlMs;
        this.clockMillis = clockMillis;
        this.metrics = metrics;
    }

    /** Notes nothing. */
    public static EventNotes off(Metrics metrics) {
        return new EventNotes(false, 0, System::currentTimeMillis, metrics);
    }

    /** {@code host/pid#n}: the host, the process, and which sidecar of the process (tests run several in one). */
    static String instanceName() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        return host + "/" + ProcessHandle.current().pid() + "#" + INSTANCES.incrementAndGet();
    }

    public String instance() {
        return instance;
    }

    public boolean enabled() {
        return enabled;
    }

    public void linked(ReplayIndex index, String eventId, String traceId, long projectId, String level,
                       double eventAt, String path, String form, String replayId) {
        if (!enabled || eventId == null) {
            return;
        }
        write(index.noteEventLazily(eventId, traceId, new LinkNote(eventId, traceId, projectId, level, true, path, form,
                null, replayId, clockMillis.getAsLong(), eventAt, 0, instance)));
    }

    public void unlinked(ReplayIndex index, String eventId, String traceId, long projectId, String level,
                         double eventAt, UnlinkedReason reason) {
        if (!enabled || eventId == null) {
            return;
        }
        long now = clockMillis.getAsLong();
        write(index.noteEventLazily(eventId, traceId, new LinkNote(eventId, traceId, projectId, level, false, null,
                null, reason.label, null, now, eventAt, reason == UnlinkedReason.WAITING ? now + pendingTtlMs : 0,
                instance)));
    }

    public void learned(ReplayIndex index, String traceId, String replayId, String source) {
        if (!enabled) {
            return;
        }
        int slot = Math.floorMod(traceId.hashCode() * 0x9e3779b9, LEARNED_REMEMBERED);
        if (traceId.equals(learnedNoted[slot])) {
            return;
        }
        learnedNoted[slot] = traceId;
        write(index.noteReplayLearned(traceId, new ReplayLearned(replayId, source, clockMillis.getAsLong(), instance)
                .toJson()));
    }

    /** Counts the write (no duration: a note is not waited for, and timing each one cost more than the count). */
    private void write(CompletionStage<Void> written) {
        if (written instanceof java.util.concurrent.CompletableFuture<Void> f && f.isDone()) {
            metrics.indexOperationCount("note", f.isCompletedExceptionally() ? "error" : "noted");
            return;
        }
        written.whenComplete((v, error) -> metrics.indexOperationCount("note", error == null ? "noted" : "error"));
    }
}
