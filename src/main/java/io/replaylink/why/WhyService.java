package io.replaylink.why;

import io.replaylink.envelope.Uuids;
import io.replaylink.spi.ReplayIndex;
import io.replaylink.spi.ReplayIndex.PendingEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * Answers "why is this event (not) linked?" and "what happened on this trace?" from the index: the notes every
 * sidecar wrote (so every sidecar answers the same) joined with the index's live state (the trace's replay now, the
 * events still waiting). Reasons that only time shows are decided here: a waiting event whose wait is over is
 * {@code expired}; one whose trace has its replay in another organisation (links stay within one) says so.
 */
public final class WhyService {
    private final ReplayIndex index;
    private final Set<Long> organizations;
    private final long pendingTtlMs;
    private final LongSupplier clockMillis;

    /** {@code organizations}: every organisation the config names (to find a trace's replay in another one). */
    public WhyService(ReplayIndex index, Set<Long> organizations, long pendingTtlMs, LongSupplier clockMillis) {
        this.index = index;
        this.organizations = organizations;
        this.pendingTtlMs = pendingTtlMs;
        this.clockMillis = clockMillis;
    }

    /** What is known of one event. */
    public record EventAnswer(String eventId, LinkNote note, String reason, ReplayLearned learned,
                              String replayNow, Long otherOrganization) {
        public boolean known() {
            return note != null;
        }
    }

    /** What is known of one trace. */
    public record TraceAnswer(String traceId, String replayId, ReplayLearned learned, List<PendingEvent> waiting,
                              List<LinkNote> notes) {
    }

    public CompletionStage<EventAnswer> event(long organization, String rawEventId) {
        String eventId = Uuids.normalize(rawEventId);
        if (eventId == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not an event id: " + rawEventId));
        }
        ReplayIndex org = index.forOrganization(organization);
        return org.eventNote(eventId).thenCompose(json -> {
            LinkNote note = json.map(LinkNote::parse).orElse(null);
            if (note == null) {
                return CompletableFuture.completedFuture(new EventAnswer(eventId, null, null, null, null, null));
            }
            if (note.traceId() == null) {
                return CompletableFuture.completedFuture(new EventAnswer(eventId, note, note.reason(), null, null,
                        null));
            }
            return org.traceNotes(note.traceId()).thenCompose(trace -> {
                ReplayLearned learned = trace.learned().map(ReplayLearned::parse).orElse(null);
                String replayNow = trace.replayId().orElse(null);
                if (note.linked() || !UnlinkedReason.WAITING.label.equals(note.reason())) {
                    return CompletableFuture.completedFuture(new EventAnswer(eventId, note, note.reason(), learned,
                            replayNow, null));
                }
                boolean stillWaiting = trace.waiting().stream().anyMatch(e -> e.eventId().equals(eventId));
                long now = clockMillis.getAsLong();
                boolean over = !stillWaiting && replayNow == null
                        || note.expiresAt() > 0 && note.expiresAt() <= now;
                return inOtherOrganization(organization, note.traceId()).thenApply(other -> {
                    String reason = other != null ? UnlinkedReason.OTHER_ORGANIZATION.label
                            : over ? UnlinkedReason.EXPIRED.label : UnlinkedReason.WAITING.label;
                    return new EventAnswer(eventId, note, reason, learned, replayNow, other);
                });
            });
        });
    }

    /** The first other configured organisation whose index maps the trace to a replay, or null. */
    private CompletionStage<Long> inOtherOrganization(long organization, String traceId) {
        CompletionStage<Long> found = CompletableFuture.completedFuture(null);
        for (long other : organizations) {
            if (other == organization) {
                continue;
            }
            found = found.thenCompose(hit -> hit != null ? CompletableFuture.completedFuture(hit)
                    : index.forOrganization(other).traceNotes(traceId)
                    .thenApply(t -> t.replayId().isPresent() ? other : null));
        }
        return found;
    }

    public CompletionStage<TraceAnswer> trace(long organization, String rawTraceId) {
        String traceId = Uuids.normalize(rawTraceId);
        if (traceId == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not a trace id: " + rawTraceId));
        }
        return index.forOrganization(organization).traceNotes(traceId).thenApply(t -> {
            List<LinkNote> notes = new ArrayList<>();
            for (Map.Entry<String, String> e : t.events().entrySet()) {
                LinkNote n = LinkNote.parse(e.getValue());
                if (n != null) {
                    notes.add(n);
                }
            }
            notes.sort(java.util.Comparator.comparingLong(LinkNote::atMillis));
            return new TraceAnswer(traceId, t.replayId().orElse(null), t.learned().map(ReplayLearned::parse)
                    .orElse(null), t.waiting(), notes);
        });
    }

    /** Until when a waiting event waits: its note's word, else its own time plus the index's pending TTL. */
    public long expiresAt(PendingEvent e, Optional<LinkNote> note) {
        return note.map(LinkNote::expiresAt).filter(x -> x > 0)
                .orElse((long) (e.timestamp() * 1000) + pendingTtlMs);
    }
}
