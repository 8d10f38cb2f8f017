package io.replaylink.index;

import io.replaylink.spi.ReplayIndex;
import io.replaylink.why.LinkNote;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * The in-process index (the embedded default): the same semantics as the Redis one for a single instance, one index
 * (with its own bounds) per organisation, created on first use (organisations come from the config). Every
 * operation runs under one lock and takes microseconds, so it completes at once. Bounded: at most {@code
 * maxTraces} traces and about {@code maxBytes} bytes (held late links included); beyond that the least recently
 * used traces are dropped, then the oldest held late links.
 */
final class MemoryReplayIndex implements ReplayIndex {
    private static final long TRACE_WEIGHT = 200;

    private final IndexSettings settings;
    private final int maxTraces;
    private final long maxBytes;
    private final LongSupplier clockMillis;
    /** The traces, least recently used first: columns of primitive arrays, no object per trace. */
    private final TraceTable traces;
    private long bytes;

    /** A trace's drained events not acknowledged yet (their links' hand-off has not finished). */
    private static final class Drained {
        final LinkedHashMap<String, PendingEvent> claimed = new LinkedHashMap<>();
        /** Per claimed event: until when its claim holds (0: released). */
        final LinkedHashMap<String, Long> leases = new LinkedHashMap<>();
        /** Expire with the remembered events' TTL. */
        long expiresAt;
    }

    private Drained drained(int t) {
        return (Drained) traces.extra(t);
    }

    private long weight(int t) {
        Drained d = drained(t);
        return TRACE_WEIGHT + (traces.pendingCount(t) + (d == null ? 0 : d.claimed.size()))
                * PendingEvents.weight(null);
    }

    /** A new trace, the eldest going first when the table is at {@code max_traces}. */
    private int addTrace(String traceId) {
        if (traces.size() >= maxTraces) {
            int eldest = traces.eldest();
            bytes -= weight(eldest);
            traces.remove(eldest);
        }
        int t = traces.add(traceId);
        bytes += weight(t);
        return t;
    }

    /** Late links held for one replay until a replay_event carries them. */
    private static final class Held {
        final LinkedHashMap<String, PendingEvent> events = new LinkedHashMap<>();
        long expiresAt;

        long weight() {
            return TRACE_WEIGHT + events.size() * PendingEvents.weight(null);
        }
    }

    private final LinkedHashMap<String, Held> held = new LinkedHashMap<>();

    /** Organisation 0 is this index itself; every other has an index of its own, with the same bounds. */
    private final java.util.concurrent.ConcurrentHashMap<Long, MemoryReplayIndex> organizations =
            new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public ReplayIndex forOrganization(long organizationId) {
        return organizationId == 0 ? this : organizations.computeIfAbsent(organizationId,
                org -> new MemoryReplayIndex(settings, maxTraces, maxBytes, clockMillis));
    }

    MemoryReplayIndex(IndexSettings settings, int maxTraces, long maxBytes, LongSupplier clockMillis) {
        this.settings = settings;
        this.maxTraces = maxTraces;
        this.maxBytes = maxBytes;
        this.clockMillis = clockMillis;
        this.traces = new TraceTable(maxTraces);
        this.notes = new NoteStore(settings.maxNotes(), IndexSettings.notesPerTrace(settings),
                Math.max(1024, maxBytes / 4));
    }

    @Override
    public CompletionStage<Optional<String>> lookupOrRemember(String traceId, Optional<PendingEvent> pending) {
        return CompletableFuture.completedFuture(find(traceId, pending).replayId());
    }

    @Override
    public CompletionStage<Lookup> lookup(String traceId, Optional<PendingEvent> pending) {
        return CompletableFuture.completedFuture(find(traceId, pending));
    }

    private synchronized Lookup find(String traceId, Optional<PendingEvent> pending) {
        long now = clockMillis.getAsLong();
        int t = live(traceId, now);
        if (t >= 0 && traces.hasReplay(t)) {
            return new Lookup(Optional.of(traces.replayId(t)), false);
        }
        boolean full = false;
        if (pending.isPresent()) {
            full = settings.maxPendingPerTrace() == 0;
        }
        if (pending.isPresent() && settings.maxPendingPerTrace() > 0) {
            if (t < 0) {
                t = addTrace(traceId);
            }
            PendingEvent e = pending.get();
            // the id's search only when the trace is full (putPending finds an earlier note of it anyway)
            if (traces.pendingCount(t) < settings.maxPendingPerTrace() || traces.pendingIndex(t, e.eventId()) >= 0) {
                long before = weight(t);
                traces.putPending(t, e);
                traces.pendingExpiresAt(t, now + settings.pendingTtlSecs() * 1000);
                bytes += weight(t) - before;
            } else {
                full = true;
            }
            evict();
        }
        return new Lookup(Optional.empty(), full);
    }

    /**
     * Why-notes of events and of traces ({@link NoteStore}: a ring of records, no object per note): at most {@code
     * max_notes} notes within a quarter of {@code max_bytes}; they expire, and the oldest go first.
     */
    private final NoteStore notes;

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /** A linker's note keeps its fields in a record; its JSON is made only when it is read. */
    @Override
    public CompletionStage<Void> noteEventLazily(String eventId, String traceId,
                                                 java.util.function.Supplier<String> note) {
        if (note instanceof LinkNote n && n.eventId().equals(eventId) && Objects.equals(n.traceId(), traceId)) {
            long keepUntil = clockMillis.getAsLong() + settings.noteTtlSecs() * 1000;
            synchronized (this) {
                notes.noteLink(n, keepUntil);
            }
            return DONE;
        }
        return noteEvent(eventId, traceId, note.get());
    }

    @Override
    public synchronized CompletionStage<Void> noteEvent(String eventId, String traceId, String note) {
        notes.noteEvent(eventId, traceId, note, clockMillis.getAsLong() + settings.noteTtlSecs() * 1000);
        return DONE;
    }

    @Override
    public synchronized CompletionStage<Void> noteReplayLearned(String traceId, String note) {
        notes.noteLearned(traceId, note, clockMillis.getAsLong() + settings.noteTtlSecs() * 1000);
        return DONE;
    }

    /** Bytes of the why-notes' JSON kept (for tests). */
    synchronized long noteBytes() {
        return notes.bytes();
    }

    @Override
    public synchronized CompletionStage<Optional<String>> eventNote(String eventId) {
        return CompletableFuture.completedFuture(Optional.ofNullable(notes.eventNote(eventId,
                clockMillis.getAsLong())));
    }

    @Override
    public synchronized CompletionStage<TraceNotes> traceNotes(String traceId) {
        long now = clockMillis.getAsLong();
        int t = live(traceId, now);
        Map<String, String> events = notes.traceEvents(traceId, now);
        List<PendingEvent> pendingEvents = new ArrayList<>();
        for (int i = 0; t >= 0 && i < traces.pendingCount(t); i++) {
            pendingEvents.add(traces.pending(t, i));
        }
        return CompletableFuture.completedFuture(new TraceNotes(
                Optional.ofNullable(t >= 0 && traces.hasReplay(t) ? traces.replayId(t) : null),
                Optional.ofNullable(notes.learned(traceId, now)), events, List.copyOf(pendingEvents)));
    }

    @Override
    public synchronized CompletionStage<List<PendingEvent>> recordAndDrain(String traceId, String replayId) {
        long now = clockMillis.getAsLong();
        int t = live(traceId, now);
        if (t < 0) {
            t = addTrace(traceId);
        }
        if (!traces.hasReplay(t)) {
            traces.setReplay(t, replayId);
        }
        traces.mappingExpiresAt(t, now + settings.mappingTtlSecs() * 1000);
        if (!traces.replayIs(t, replayId) || traces.pendingCount(t) == 0 && drained(t) == null) {
            evict();
            return CompletableFuture.completedFuture(List.of());
        }
        long before = weight(t);
        Drained d = drained(t);
        if (d == null) {
            traces.extra(t, d = new Drained());
        }
        List<PendingEvent> out = new ArrayList<>();
        long leaseUntil = now + settings.claimLeaseMs();
        for (Map.Entry<String, Long> lease : d.leases.entrySet()) {
            if (lease.getValue() <= now) {
                lease.setValue(leaseUntil);
                out.add(d.claimed.get(lease.getKey()));
            }
        }
        if (traces.pendingCount(t) > 0) {
            Drained claims = d;
            traces.retainPending(t, e -> {
                if (e.heldAt(now)) {
                    return true;
                }
                if (claims.claimed.put(e.eventId(), e) == null) {
                    out.add(e);
                }
                claims.leases.put(e.eventId(), leaseUntil);
                return false;
            });
            d.expiresAt = now + settings.pendingTtlSecs() * 1000;
        }
        bytes += weight(t) - before;
        evict();
        return CompletableFuture.completedFuture(out);
    }

    @Override
    public synchronized CompletionStage<Optional<String>> endHold(String traceId, String eventId) {
        int t = live(traceId, clockMillis.getAsLong());
        if (t < 0 || !traces.hasReplay(t) || traces.pendingIndex(t, eventId) < 0) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        long before = weight(t);
        traces.retainPending(t, e -> !e.eventId().equals(eventId));
        bytes += weight(t) - before;
        return CompletableFuture.completedFuture(Optional.of(traces.replayId(t)));
    }

    @Override
    public synchronized CompletionStage<Void> releaseDrained(String traceId, List<String> eventIds) {
        int t = traces.get(traceId);
        Drained d = t < 0 ? null : drained(t);
        if (d != null) {
            eventIds.forEach(id -> d.leases.computeIfPresent(id, (k, v) -> 0L));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<Void> acknowledgeDrained(String traceId, List<String> eventIds) {
        int t = traces.get(traceId);
        Drained d = t < 0 ? null : drained(t);
        if (d != null) {
            long before = weight(t);
            eventIds.forEach(d.claimed::remove);
            eventIds.forEach(d.leases::remove);
            if (d.claimed.isEmpty()) {
                traces.extra(t, null);
            }
            bytes += weight(t) - before;
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<Void> holdLateLinks(String replayId, List<PendingEvent> events) {
        long now = clockMillis.getAsLong();
        Held h = held.get(replayId);
        if (h != null && h.expiresAt <= now) {
            bytes -= h.weight();
            held.remove(replayId);
            h = null;
        }
        if (h == null) {
            h = new Held();
            held.put(replayId, h);
            bytes += h.weight();
        }
        long before = h.weight();
        for (PendingEvent e : events) {
            if (h.events.containsKey(e.eventId()) || h.events.size() < settings.maxLateLinksPerReplay()) {
                h.events.put(e.eventId(), e);
            }
        }
        h.expiresAt = now + settings.mappingTtlSecs() * 1000;
        bytes += h.weight() - before;
        evict();
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletionStage<List<PendingEvent>> lateLinks(String replayId) {
        Held h = held.get(replayId);
        if (h == null || h.expiresAt <= clockMillis.getAsLong()) {
            return CompletableFuture.completedFuture(List.of());
        }
        return CompletableFuture.completedFuture(new ArrayList<>(h.events.values()));
    }

    @Override
    public synchronized CompletionStage<Void> acknowledgeLateLinks(String replayId, List<String> eventIds) {
        Held h = held.get(replayId);
        if (h != null) {
            long before = h.weight();
            eventIds.forEach(h.events::remove);
            bytes += h.weight() - before;
            if (h.events.isEmpty()) {
                bytes -= h.weight();
                held.remove(replayId);
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    /** The trace (now the most recently used) with its expired parts removed, or -1. */
    private int live(String traceId, long now) {
        int t = traces.get(traceId);
        if (t < 0) {
            return t;
        }
        long before = weight(t);
        if (traces.hasReplay(t) && traces.mappingExpiresAt(t) <= now) {
            traces.clearReplay(t);
        }
        if (traces.pendingCount(t) > 0 && traces.pendingExpiresAt(t) <= now) {
            traces.clearPending(t);
        }
        Drained d = drained(t);
        if (d != null && d.expiresAt <= now) {
            traces.extra(t, null);
        }
        bytes += weight(t) - before;
        if (!traces.hasReplay(t) && traces.pendingCount(t) == 0 && drained(t) == null) {
            bytes -= weight(t);
            traces.remove(t);
            return -1;
        }
        return t;
    }

    private void evict() {
        while ((traces.size() > maxTraces || bytes > maxBytes) && traces.size() > 0) {
            int t = traces.eldest();
            bytes -= weight(t);
            traces.remove(t);
        }
        Iterator<Map.Entry<String, Held>> late = held.entrySet().iterator();
        while (bytes > maxBytes && late.hasNext()) {
            bytes -= late.next().getValue().weight();
            late.remove();
        }
    }

    synchronized int size() {
        return traces.size();
    }

    synchronized long bytes() {
        return bytes;
    }
}
