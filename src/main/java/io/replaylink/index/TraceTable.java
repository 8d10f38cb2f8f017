package io.replaylink.index;

import io.replaylink.spi.ReplayIndex.PendingEvent;

import java.util.Arrays;

/**
 * The in-process index's traces, least recently used first ({@link IdTable}: no object per trace): the replay each
 * maps to (two longs, or the string when it is not 32 lower-case hex), until when, and the events remembered for it
 * (the only objects a trace holds: the events, in an array of their own). Before, a trace was an object graph (a map
 * entry, the key string, a trace object, the replay id string, a map of remembered events).
 */
final class TraceTable extends IdTable {
    private long[] replayHi;
    private long[] replayLo;
    private String[] oddReplay;
    private boolean[] hasReplay;
    private long[] mappingExpiresAt;
    private PendingEvent[][] pending;
    private int[] pendingCount;
    private long[] pendingExpiresAt;
    private Object[] extra;

    TraceTable(int maxEntries) {
        super(maxEntries);
        grow(capacity());
    }

    @Override
    void grow(int capacity) {
        replayHi = replayHi == null ? new long[capacity] : Arrays.copyOf(replayHi, capacity);
        replayLo = replayLo == null ? new long[capacity] : Arrays.copyOf(replayLo, capacity);
        oddReplay = oddReplay == null ? new String[capacity] : Arrays.copyOf(oddReplay, capacity);
        hasReplay = hasReplay == null ? new boolean[capacity] : Arrays.copyOf(hasReplay, capacity);
        mappingExpiresAt = mappingExpiresAt == null ? new long[capacity] : Arrays.copyOf(mappingExpiresAt, capacity);
        pending = pending == null ? new PendingEvent[capacity][] : Arrays.copyOf(pending, capacity);
        pendingCount = pendingCount == null ? new int[capacity] : Arrays.copyOf(pendingCount, capacity);
        pendingExpiresAt = pendingExpiresAt == null ? new long[capacity] : Arrays.copyOf(pendingExpiresAt, capacity);
        extra = extra == null ? new Object[capacity] : Arrays.copyOf(extra, capacity);
    }

    @Override
    void clear(int e) {
        oddReplay[e] = null;
        hasReplay[e] = false;
        pending[e] = null;
        pendingCount[e] = 0;
        extra[e] = null;
    }

    // the replay a trace maps to

    boolean hasReplay(int e) {
        return hasReplay[e];
    }

    String replayId(int e) {
        return oddReplay[e] != null ? oddReplay[e] : hexId(replayHi[e], replayLo[e]);
    }

    boolean replayIs(int e, String replayId) {
        if (oddReplay[e] != null) {
            return oddReplay[e].equals(replayId);
        }
        return isHexId(replayId) && half(replayId, 0) == replayHi[e] && half(replayId, 16) == replayLo[e];
    }

    void setReplay(int e, String replayId) {
        boolean hexId = isHexId(replayId);
        replayHi[e] = hexId ? half(replayId, 0) : 0;
        replayLo[e] = hexId ? half(replayId, 16) : 0;
        oddReplay[e] = hexId ? null : replayId;
        hasReplay[e] = true;
    }

    void clearReplay(int e) {
        hasReplay[e] = false;
        oddReplay[e] = null;
    }

    long mappingExpiresAt(int e) {
        return mappingExpiresAt[e];
    }

    void mappingExpiresAt(int e, long at) {
        mappingExpiresAt[e] = at;
    }

    // the events remembered for a trace, in the order they came

    int pendingCount(int e) {
        return pendingCount[e];
    }

    PendingEvent pending(int e, int i) {
        return pending[e][i];
    }

    /** The position of the remembered event with {@code eventId}, or -1. */
    int pendingIndex(int e, String eventId) {
        for (int i = 0; i < pendingCount[e]; i++) {
            if (pending[e][i].eventId().equals(eventId)) {
                return i;
            }
        }
        return NONE;
    }

    /** Remembers {@code event}: in place of one with its id, or last. */
    void putPending(int e, PendingEvent event) {
        int at = pendingIndex(e, event.eventId());
        if (at >= 0) {
            pending[e][at] = event;
            return;
        }
        PendingEvent[] events = pending[e];
        if (events == null) {
            events = pending[e] = new PendingEvent[1];
        } else if (pendingCount[e] == events.length) {
            events = pending[e] = Arrays.copyOf(events, 2 * events.length);
        }
        events[pendingCount[e]++] = event;
    }

    /** Keeps the remembered events {@code keep} says yes to, in their order. */
    void retainPending(int e, java.util.function.Predicate<PendingEvent> keep) {
        int kept = 0;
        for (int i = 0; i < pendingCount[e]; i++) {
            if (keep.test(pending[e][i])) {
                pending[e][kept++] = pending[e][i];
            }
        }
        Arrays.fill(pending[e], kept, pendingCount[e], null);
        pendingCount[e] = kept;
        if (kept == 0) {
            pending[e] = null;
        }
    }

    void clearPending(int e) {
        pending[e] = null;
        pendingCount[e] = 0;
    }

    long pendingExpiresAt(int e) {
        return pendingExpiresAt[e];
    }

    void pendingExpiresAt(int e, long at) {
        pendingExpiresAt[e] = at;
    }

    /** The index's own object for this trace (its drained events), or null. */
    Object extra(int e) {
        return extra[e];
    }

    void extra(int e, Object value) {
        extra[e] = value;
    }
}
