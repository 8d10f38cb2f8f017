package io.replaylink.replay;

import io.replaylink.spi.ReplayIndex;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * The in-process index (the embedded default): the same semantics as the Redis one for a single instance. Both
 * operations run under one lock and take microseconds, so they complete at once. Bounded: at most {@code
 * maxTraces} traces and about {@code maxBytes} bytes; beyond that the least recently used traces are dropped.
 */
final class MemoryReplayIndex implements ReplayIndex {
    private static final long TRACE_WEIGHT = 200;

    private final IndexSettings settings;
    private final int maxTraces;
    private final long maxBytes;
    private final LongSupplier clockMillis;
    private final LinkedHashMap<String, Trace> traces = new LinkedHashMap<>(1024, 0.75f, true);
    private long bytes;

    private static final class Trace {
        String replayId;
        long mappingExpiresAt;
        LinkedHashMap<String, PendingEvent> pending;
        long pendingExpiresAt;

        long weight() {
            return TRACE_WEIGHT + (pending == null ? 0 : pending.size() * PendingEvents.weight(null));
        }
    }

    MemoryReplayIndex(IndexSettings settings, int maxTraces, long maxBytes, LongSupplier clockMillis) {
        this.settings = settings;
        this.maxTraces = maxTraces;
        this.maxBytes = maxBytes;
        this.clockMillis = clockMillis;
    }

    @Override
    public synchronized CompletionStage<Optional<String>> lookupOrRemember(String traceId,
                                                                           Optional<PendingEvent> pending) {
        long now = clockMillis.getAsLong();
        Trace t = live(traceId, now);
        if (t != null && t.replayId != null) {
            return CompletableFuture.completedFuture(Optional.of(t.replayId));
        }
        if (pending.isPresent() && settings.maxPendingPerTrace() > 0) {
            if (t == null) {
                t = new Trace();
                traces.put(traceId, t);
                bytes += t.weight();
            }
            if (t.pending == null) {
                t.pending = new LinkedHashMap<>();
            }
            PendingEvent e = pending.get();
            if (t.pending.containsKey(e.eventId()) || t.pending.size() < settings.maxPendingPerTrace()) {
                long before = t.weight();
                t.pending.put(e.eventId(), e);
                t.pendingExpiresAt = now + settings.pendingTtlSecs() * 1000;
                bytes += t.weight() - before;
            }
            evict();
        }
        return CompletableFuture.completedFuture(Optional.empty());
    }

    @Override
    public synchronized CompletionStage<List<PendingEvent>> recordAndDrain(String traceId, String replayId) {
        long now = clockMillis.getAsLong();
        Trace t = live(traceId, now);
        if (t == null) {
            t = new Trace();
            traces.put(traceId, t);
            bytes += t.weight();
        }
        if (t.replayId == null) {
            t.replayId = replayId;
        }
        t.mappingExpiresAt = now + settings.mappingTtlSecs() * 1000;
        List<PendingEvent> drained = List.of();
        if (t.pending != null) {
            long before = t.weight();
            drained = new ArrayList<>(t.pending.values());
            t.pending = null;
            bytes += t.weight() - before;
        }
        evict();
        return CompletableFuture.completedFuture(drained);
    }

    /** The trace with its expired parts removed, or null. */
    private Trace live(String traceId, long now) {
        Trace t = traces.get(traceId);
        if (t == null) {
            return null;
        }
        long before = t.weight();
        if (t.replayId != null && t.mappingExpiresAt <= now) {
            t.replayId = null;
        }
        if (t.pending != null && t.pendingExpiresAt <= now) {
            t.pending = null;
        }
        bytes += t.weight() - before;
        if (t.replayId == null && t.pending == null) {
            traces.remove(traceId);
            bytes -= t.weight();
            return null;
        }
        return t;
    }

    private void evict() {
        Iterator<Map.Entry<String, Trace>> it = traces.entrySet().iterator();
        while ((traces.size() > maxTraces || bytes > maxBytes) && it.hasNext()) {
            Trace t = it.next().getValue();
            bytes -= t.weight();
            it.remove();
        }
    }

    synchronized int size() {
        return traces.size();
    }

    synchronized long bytes() {
        return bytes;
    }
}
