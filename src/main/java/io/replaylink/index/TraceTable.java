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
    private static final int HAS_REPLAY = 1;
    private static final int ODD_REPLAY = 2;
    private static final int HAS_EXTRA = 4;

    // what a lookup reads, side by side: the replay's two longs, until when it holds, until when the events do
    private long[] numbers;
    // flags (has a replay, the replay is not hex, has an extra object) and the count of remembered events
    private int[] flags;
    private String[] oddReplay;
    private PendingEvent[][] pending;
    private Object[] extra;

    TraceTable(int maxEntries) {
        super(maxEntries);
        grow(capacity());
    }

    @Override
    void grow(int capacity) {
        numbers = numbers == null ? new long[4 * capacity] : Arrays.copyOf(numbers, 4 * capacity);
        flags = flags == null ? new int[2 * capacity] : Arrays.copyOf(flags, 2 * capacity);
        oddReplay = oddReplay == null ? new String[capacity] : Arrays.copyOf(oddReplay, capacity);
        pending = pending == null ? new PendingEvent[capacity][] : Arrays.copyOf(pending, capacity);
        extra = extra == null ? new Object[capacity] : Arrays.copyOf(extra, capacity);
    }

    @Override
    void clear(int e) {
        if ((flags[2 * e] & ODD_REPLAY) != 0) {
            oddReplay[e] = null;
        }
        if (flags[2 * e + 1] > 0) {
            pending[e] = null;
        }
        if ((flags[2 * e] & HAS_EXTRA) != 0) {
            extra[e] = null;
        }
        flags[2 * e] = 0;
        flags[2 * e + 1] = 0;
    }

    // the replay a trace maps to

    boolean hasReplay(int e) {
        return (flags[2 * e] & HAS_REPLAY) != 0;
    }

    String replayId(int e) {
        return (flags[2 * e] & ODD_REPLAY) != 0 ? oddReplay[e] : hexId(numbers[4 * e], numbers[4 * e + 1]);
    }

    boolean replayIs(int e, String replayId) {
        if ((flags[2 * e] & ODD_REPLAY) != 0) {
            return oddReplay[e].equals(replayId);
        }
        return isHexId(replayId) && half(replayId, 0) == numbers[4 * e] && half(replayId, 16) == numbers[4 * e + 1];
    }

    void setReplay(int e, String replayId) {
        boolean hexId = isHexId(replayId);
        numbers[4 * e] = hexId ? half(replayId, 0) : 0;
        numbers[4 * e + 1] = hexId ? half(replayId, 16) : 0;
        if (hexId) {
            if ((flags[2 * e] & ODD_REPLAY) != 0) {
                oddReplay[e] = null;
            }
            flags[2 * e] = flags[2 * e] & ~ODD_REPLAY | HAS_REPLAY;
        } else {
            oddReplay[e] = replayId;
            flags[2 * e] |= HAS_REPLAY | ODD_REPLAY;
        }
    }

    void clearReplay(int e) {
        if ((flags[2 * e] & ODD_REPLAY) != 0) {
            oddReplay[e] = null;
        }
        flags[2 * e] &= ~(HAS_REPLAY | ODD_REPLAY);
    }

    long mappingExpiresAt(int e) {
        return numbers[4 * e + 2];
    }

    void mappingExpiresAt(int e, long at) {
        numbers[4 * e + 2] = at;
    }

    // the events remembered for a trace, in the order they came

    int pendingCount(int e) {
        return flags[2 * e + 1];
    }

    PendingEvent pending(int e, int i) {
        return pending[e][i];
    }

    /** The position of the remembered event with {@code eventId}, or -1. */
    int pendingIndex(int e, String eventId) {
        for (int i = 0; i < flags[2 * e + 1]; i++) {
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
        int count = flags[2 * e + 1];
        if (events == null) {
            events = pending[e] = new PendingEvent[1];
        } else if (count == events.length) {
            events = pending[e] = Arrays.copyOf(events, 2 * events.length);
        }
        events[count] = event;
        flags[2 * e + 1] = count + 1;
    }

    /** Keeps the remembered events {@code keep} says yes to, in their order. */
    void retainPending(int e, java.util.function.Predicate<PendingEvent> keep) {
        int count = flags[2 * e + 1];
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if (keep.test(pending[e][i])) {
                pending[e][kept++] = pending[e][i];
            }
        }
        Arrays.fill(pending[e], kept, count, null);
        flags[2 * e + 1] = kept;
        if (kept == 0) {
            pending[e] = null;
        }
    }

    void clearPending(int e) {
        pending[e] = null;
        flags[2 * e + 1] = 0;
    }

    long pendingExpiresAt(int e) {
        return numbers[4 * e + 3];
    }

    void pendingExpiresAt(int e, long at) {
        numbers[4 * e + 3] = at;
    }

    /** The index's own object for this trace (its drained events), or null. */
    Object extra(int e) {
        return (flags[2 * e] & HAS_EXTRA) != 0 ? extra[e] : null;
    }

    void extra(int e, Object value) {
        extra[e] = value;
        flags[2 * e] = value == null ? flags[2 * e] & ~HAS_EXTRA : flags[2 * e] | HAS_EXTRA;
    }
}
