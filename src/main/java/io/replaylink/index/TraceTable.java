package io.replaylink.index;

import io.replaylink.envelope.Uuids;
import io.replaylink.spi.ReplayIndex.PendingEvent;

import java.util.Arrays;

/**
 * The in-process index's traces, least recently used first ({@link IdTable}: no object per trace): the replay each
 * maps to (two longs, or the string when it is not 32 lower-case hex), until when, and the events remembered for it:
 * the first in the columns too (a hex id and a known level), any further ones as objects in an array of their own.
 * Before, a trace was an object graph (a map entry, the key string, a trace object, the replay id string, a map of
 * remembered events); the first remembered event inline took the linking sidecar's young pauses from 3.8 to 1.5 ms.
 */
final class TraceTable extends IdTable {
    private static final int HAS_REPLAY = 1;
    private static final int ODD_REPLAY = 2;
    private static final int HAS_EXTRA = 4;
    /** The first remembered event is in the columns, not in the array (the array holds the others). */
    private static final int INLINE_FIRST = 8;
    /** Per entry: the replay's two longs, until when it holds, until when the events do; the inline event's id
     * (two longs), project, time (a double's bits), hold. */
    private static final int NUMBERS = 9;
    /** Per entry: the flags, the count of remembered events, the inline event's level (its place in LEVELS). */
    private static final int INTS = 3;
    /** The levels an inline event may have (an event with another one, or with an id not of 32 hex, is an object). */
    private static final String[] LEVELS = {"error", "fatal", "warning", "info", "debug"};

    // what a lookup reads, side by side (NUMBERS and INTS per entry)
    private long[] numbers;
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
        numbers = numbers == null ? new long[NUMBERS * capacity] : Arrays.copyOf(numbers, NUMBERS * capacity);
        flags = flags == null ? new int[INTS * capacity] : Arrays.copyOf(flags, INTS * capacity);
        oddReplay = oddReplay == null ? new String[capacity] : Arrays.copyOf(oddReplay, capacity);
        pending = pending == null ? new PendingEvent[capacity][] : Arrays.copyOf(pending, capacity);
        extra = extra == null ? new Object[capacity] : Arrays.copyOf(extra, capacity);
    }

    @Override
    void clear(int e) {
        if ((flags[INTS * e] & ODD_REPLAY) != 0) {
            oddReplay[e] = null;
        }
        if (flags[INTS * e + 1] > ((flags[INTS * e] & INLINE_FIRST) != 0 ? 1 : 0)) {
            pending[e] = null; // there is an array only for events beyond an inline first one
        }
        if ((flags[INTS * e] & HAS_EXTRA) != 0) {
            extra[e] = null;
        }
        flags[INTS * e] = 0;
        flags[INTS * e + 1] = 0;
    }

    // the replay a trace maps to

    boolean hasReplay(int e) {
        return (flags[INTS * e] & HAS_REPLAY) != 0;
    }

    String replayId(int e) {
        return (flags[INTS * e] & ODD_REPLAY) != 0 ? oddReplay[e]
                : Uuids.hexId(numbers[NUMBERS * e], numbers[NUMBERS * e + 1]);
    }

    boolean replayIs(int e, String replayId) {
        if ((flags[INTS * e] & ODD_REPLAY) != 0) {
            return oddReplay[e].equals(replayId);
        }
        return Uuids.isLowerHex(replayId) && Uuids.hexHalf(replayId, 0) == numbers[NUMBERS * e]
                && Uuids.hexHalf(replayId, 16) == numbers[NUMBERS * e + 1];
    }

    void setReplay(int e, String replayId) {
        boolean hexId = Uuids.isLowerHex(replayId);
        numbers[NUMBERS * e] = hexId ? Uuids.hexHalf(replayId, 0) : 0;
        numbers[NUMBERS * e + 1] = hexId ? Uuids.hexHalf(replayId, 16) : 0;
        if (hexId) {
            if ((flags[INTS * e] & ODD_REPLAY) != 0) {
                oddReplay[e] = null;
            }
            flags[INTS * e] = flags[INTS * e] & ~ODD_REPLAY | HAS_REPLAY;
        } else {
            oddReplay[e] = replayId;
            flags[INTS * e] |= HAS_REPLAY | ODD_REPLAY;
        }
    }

    void clearReplay(int e) {
        if ((flags[INTS * e] & ODD_REPLAY) != 0) {
            oddReplay[e] = null;
        }
        flags[INTS * e] &= ~(HAS_REPLAY | ODD_REPLAY);
    }

    long mappingExpiresAt(int e) {
        return numbers[NUMBERS * e + 2];
    }

    void mappingExpiresAt(int e, long at) {
        numbers[NUMBERS * e + 2] = at;
    }

    // the events remembered for a trace, in the order they came: the first one in the columns when it can be (the
    // common case, a backend error of a trace whose replay is not known yet, then holds no object), the others in an
    // array

    int pendingCount(int e) {
        return flags[INTS * e + 1];
    }

    private boolean inlineFirst(int e) {
        return (flags[INTS * e] & INLINE_FIRST) != 0;
    }

    PendingEvent pending(int e, int i) {
        if (inlineFirst(e)) {
            if (i == 0) {
                int n = NUMBERS * e;
                return new PendingEvent(Uuids.hexId(numbers[n + 4], numbers[n + 5]), numbers[n + 6],
                        Double.longBitsToDouble(numbers[n + 7]), LEVELS[flags[INTS * e + 2]], numbers[n + 8]);
            }
            return pending[e][i - 1];
        }
        return pending[e][i];
    }

    /** The position of the remembered event with {@code eventId}, or -1. */
    int pendingIndex(int e, String eventId) {
        int count = flags[INTS * e + 1];
        int from = 0;
        if (inlineFirst(e)) {
            if (Uuids.isLowerHex(eventId) && Uuids.hexHalf(eventId, 0) == numbers[NUMBERS * e + 4]
                    && Uuids.hexHalf(eventId, 16) == numbers[NUMBERS * e + 5]) {
                return 0;
            }
            from = 1;
        }
        for (int i = from; i < count; i++) {
            if (pending[e][i - from].eventId().equals(eventId)) {
                return i;
            }
        }
        return NONE;
    }

    private static int level(String level) {
        for (int i = 0; i < LEVELS.length; i++) {
            if (LEVELS[i].equals(level)) {
                return i;
            }
        }
        return NONE;
    }

    /** Remembers {@code event}: in place of one with its id, or last. */
    void putPending(int e, PendingEvent event) {
        int at = pendingIndex(e, event.eventId());
        if (at >= 0) {
            java.util.List<PendingEvent> all = pendingList(e);
            all.set(at, event);
            clearPending(e);
            all.forEach(p -> append(e, p));
            return;
        }
        append(e, event);
    }

    private void append(int e, PendingEvent event) {
        int count = flags[INTS * e + 1];
        int level = level(event.level());
        if (count == 0 && level >= 0 && Uuids.isLowerHex(event.eventId())) {
            int n = NUMBERS * e;
            numbers[n + 4] = Uuids.hexHalf(event.eventId(), 0);
            numbers[n + 5] = Uuids.hexHalf(event.eventId(), 16);
            numbers[n + 6] = event.projectId();
            numbers[n + 7] = Double.doubleToRawLongBits(event.timestamp());
            numbers[n + 8] = event.holdUntilMillis();
            flags[INTS * e + 2] = level;
            flags[INTS * e] |= INLINE_FIRST;
            flags[INTS * e + 1] = 1;
            return;
        }
        int inArray = count - (inlineFirst(e) ? 1 : 0);
        PendingEvent[] events = pending[e];
        if (events == null) {
            events = pending[e] = new PendingEvent[1];
        } else if (inArray == events.length) {
            events = pending[e] = Arrays.copyOf(events, 2 * events.length);
        }
        events[inArray] = event;
        flags[INTS * e + 1] = count + 1;
    }

    private java.util.List<PendingEvent> pendingList(int e) {
        java.util.List<PendingEvent> all = new java.util.ArrayList<>(flags[INTS * e + 1]);
        for (int i = 0; i < flags[INTS * e + 1]; i++) {
            all.add(pending(e, i));
        }
        return all;
    }

    /** Keeps the remembered events {@code keep} says yes to (asked once each, in order), in their order. */
    void retainPending(int e, java.util.function.Predicate<PendingEvent> keep) {
        java.util.List<PendingEvent> all = pendingList(e);
        clearPending(e);
        for (PendingEvent p : all) {
            if (keep.test(p)) {
                append(e, p);
            }
        }
    }

    void clearPending(int e) {
        pending[e] = null;
        flags[INTS * e + 1] = 0;
        flags[INTS * e] &= ~INLINE_FIRST;
    }

    long pendingExpiresAt(int e) {
        return numbers[NUMBERS * e + 3];
    }

    void pendingExpiresAt(int e, long at) {
        numbers[NUMBERS * e + 3] = at;
    }

    /** The index's own object for this trace (its drained events), or null. */
    Object extra(int e) {
        return (flags[INTS * e] & HAS_EXTRA) != 0 ? extra[e] : null;
    }

    void extra(int e, Object value) {
        extra[e] = value;
        flags[INTS * e] = value == null ? flags[INTS * e] & ~HAS_EXTRA : flags[INTS * e] | HAS_EXTRA;
    }
}
