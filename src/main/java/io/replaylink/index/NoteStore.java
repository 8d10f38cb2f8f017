package io.replaylink.index;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The in-process index's why-notes without an object per note: each note's JSON is appended to one ring of bytes
 * (its size is the notes' budget, a quarter of {@code max_bytes}; it grows to that size as it fills), and two
 * {@link IdTable}s find them: event notes by event id (at most {@code max_notes}, oldest first out) and trace notes by
 * trace id (how its replay was learned, and a chain through the event notes of its events, at most
 * {@code notes_per_trace}; at most {@code max_traces}). A note whose bytes the ring has written over is gone, so the
 * oldest notes go first, of either kind, and the budget is exact. A later note of an event is its newest. Why: the
 * notes were the linking sidecar's last objects that live for minutes (a map entry, the key, the note object and its
 * fields per event; a list per trace), and with them its young pauses were 16 ms against 3 ms without. Not
 * thread-safe: the index calls it under its lock.
 */
final class NoteStore {
    private final int maxNotes;
    private final int maxTraces;
    private final int notesPerTrace;
    private final int capacity;
    private byte[] ring = new byte[0];
    /** Bytes ever written (a record at position p is at {@code p % capacity} and intact while p >= cursor - capacity). */
    private long cursor;
    private final EventNotes events;
    private final TraceNotes traces;

    NoteStore(int maxNotes, int maxTraces, int notesPerTrace, long capacityBytes) {
        this.maxNotes = maxNotes;
        this.maxTraces = maxTraces;
        this.notesPerTrace = notesPerTrace;
        this.capacity = (int) Math.min(Integer.MAX_VALUE - 8, capacityBytes);
        this.events = new EventNotes(Math.max(1, maxNotes));
        this.traces = new TraceNotes(Math.max(1, maxTraces));
    }

    /** Event notes: where each one's JSON is, until when it holds, and its place in its trace's chain. */
    private static final class EventNotes extends IdTable {
        long[] at;
        int[] length;
        long[] expiresAt;
        int[] trace;
        int[] previous;
        int[] next;

        EventNotes(int maxEntries) {
            super(maxEntries);
            grow(capacity());
        }

        @Override
        void grow(int n) {
            at = at == null ? new long[n] : Arrays.copyOf(at, n);
            length = length == null ? new int[n] : Arrays.copyOf(length, n);
            expiresAt = expiresAt == null ? new long[n] : Arrays.copyOf(expiresAt, n);
            trace = trace == null ? new int[n] : Arrays.copyOf(trace, n);
            previous = previous == null ? new int[n] : Arrays.copyOf(previous, n);
            next = next == null ? new int[n] : Arrays.copyOf(next, n);
        }

        @Override
        void clear(int e) {
            length[e] = 0;
            trace[e] = NONE;
        }
    }

    /** Trace notes: where the learned note is (length 0: none), until when, the chain of its events' notes. */
    private static final class TraceNotes extends IdTable {
        long[] learnedAt;
        int[] learnedLength;
        long[] expiresAt;
        int[] first;
        int[] last;
        int[] count;

        TraceNotes(int maxEntries) {
            super(maxEntries);
            grow(capacity());
        }

        @Override
        void grow(int n) {
            learnedAt = learnedAt == null ? new long[n] : Arrays.copyOf(learnedAt, n);
            learnedLength = learnedLength == null ? new int[n] : Arrays.copyOf(learnedLength, n);
            expiresAt = expiresAt == null ? new long[n] : Arrays.copyOf(expiresAt, n);
            first = first == null ? new int[n] : Arrays.copyOf(first, n);
            last = last == null ? new int[n] : Arrays.copyOf(last, n);
            count = count == null ? new int[n] : Arrays.copyOf(count, n);
        }

        @Override
        void clear(int t) {
            learnedLength[t] = 0;
            count[t] = 0;
            first[t] = NONE;
            last[t] = NONE;
        }
    }

    // the ring

    /** Appends {@code bytes}; its position, or -1 if it is larger than the ring. */
    private long append(byte[] bytes) {
        int n = bytes.length;
        if (n == 0 || n > capacity) {
            return -1;
        }
        if (ring.length < capacity && cursor + n > ring.length) {
            // before the first wrap positions are indexes: a larger copy keeps them
            ring = Arrays.copyOf(ring, (int) Math.min(capacity, Math.max(cursor + n, 2L * ring.length + 4096)));
        }
        int index = (int) (cursor % capacity);
        if (index + n > capacity) {
            cursor += capacity - index; // the tail is too short: the record starts the next turn
            index = 0;
        }
        System.arraycopy(bytes, 0, ring, index, n);
        long position = cursor;
        cursor += n;
        return position;
    }

    private boolean intact(long position) {
        return position >= cursor - capacity;
    }

    private String read(long position, int length) {
        return new String(ring, (int) (position % capacity), length, StandardCharsets.UTF_8);
    }

    /** Bytes the ring holds (the notes' JSON, the overwritten included until the ring wraps). */
    long bytes() {
        return Math.min(cursor, capacity);
    }

    // event notes

    void noteEvent(String eventId, String traceId, String json, long expiresAt, long now) {
        if (maxNotes <= 0) {
            return;
        }
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        long position = append(bytes);
        int e = events.find(eventId);
        if (position < 0) {
            if (e >= 0) {
                removeEvent(e);
            }
            return;
        }
        if (e < 0) {
            if (events.size() >= maxNotes) {
                removeEvent(events.eldest());
            }
            e = events.add(eventId);
            events.trace[e] = IdTable.NONE;
        } else {
            events.touch(e);
        }
        events.at[e] = position;
        events.length[e] = bytes.length;
        events.expiresAt[e] = expiresAt;
        if (traceId != null) {
            int t = trace(traceId, expiresAt, now);
            if (events.trace[e] != t) {
                unchain(e);
                if (traces.count[t] < notesPerTrace) {
                    chain(e, t);
                }
            }
        }
        dropOverwritten();
    }

    /** Event notes whose bytes the ring wrote over go (the eldest first: the ring and the table share the order). */
    private void dropOverwritten() {
        for (int e = events.eldest(); e >= 0 && !intact(events.at[e]); e = events.eldest()) {
            removeEvent(e);
        }
    }

    private void removeEvent(int e) {
        unchain(e);
        events.remove(e);
    }

    private void chain(int e, int t) {
        events.trace[e] = t;
        events.previous[e] = traces.last[t];
        events.next[e] = IdTable.NONE;
        if (traces.last[t] >= 0) {
            events.next[traces.last[t]] = e;
        } else {
            traces.first[t] = e;
        }
        traces.last[t] = e;
        traces.count[t]++;
    }

    private void unchain(int e) {
        int t = events.trace[e];
        if (t < 0) {
            return;
        }
        if (events.previous[e] >= 0) {
            events.next[events.previous[e]] = events.next[e];
        } else {
            traces.first[t] = events.next[e];
        }
        if (events.next[e] >= 0) {
            events.previous[events.next[e]] = events.previous[e];
        } else {
            traces.last[t] = events.previous[e];
        }
        traces.count[t]--;
        events.trace[e] = IdTable.NONE;
    }

    /** The event's note, or null. */
    String eventNote(String eventId, long now) {
        int e = events.find(eventId);
        return e < 0 || events.expiresAt[e] <= now || !intact(events.at[e]) ? null
                : read(events.at[e], events.length[e]);
    }

    // trace notes

    /** The trace's note, made (the newest) if it is missing or expired; it holds until {@code expiresAt}. */
    private int trace(String traceId, long expiresAt, long now) {
        int t = traces.find(traceId);
        if (t >= 0 && traces.expiresAt[t] <= now) {
            removeTrace(t); // expired: starts anew, the newest
            t = -1;
        }
        if (t < 0) {
            if (traces.size() >= maxTraces) {
                removeTrace(traces.eldest());
            }
            t = traces.add(traceId);
            traces.first[t] = IdTable.NONE;
            traces.last[t] = IdTable.NONE;
        }
        traces.expiresAt[t] = expiresAt;
        return t;
    }

    private void removeTrace(int t) {
        for (int e = traces.first[t]; e >= 0; ) {
            int next = events.next[e];
            events.trace[e] = IdTable.NONE;
            e = next;
        }
        traces.remove(t);
    }

    /** Keeps how the trace's replay was learned: the first such note while it lasts. */
    void noteLearned(String traceId, String json, long expiresAt, long now) {
        int t = trace(traceId, expiresAt, now);
        if (traces.learnedLength[t] > 0 && intact(traces.learnedAt[t])) {
            return;
        }
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        long position = append(bytes);
        traces.learnedAt[t] = position;
        traces.learnedLength[t] = position < 0 ? 0 : bytes.length;
        dropOverwritten();
    }

    /** How the trace's replay was learned, or null. */
    String learned(String traceId, long now) {
        int t = traces.find(traceId);
        return t < 0 || traces.expiresAt[t] <= now || traces.learnedLength[t] == 0 || !intact(traces.learnedAt[t])
                ? null : read(traces.learnedAt[t], traces.learnedLength[t]);
    }

    /** The notes of the trace's events still kept, by event id. */
    Map<String, String> traceEvents(String traceId, long now) {
        Map<String, String> out = new TreeMap<>();
        int t = traces.find(traceId);
        if (t < 0 || traces.expiresAt[t] <= now) {
            return out;
        }
        for (int e = traces.first[t]; e >= 0; e = events.next[e]) {
            if (events.expiresAt[e] > now && intact(events.at[e])) {
                out.put(events.id(e), read(events.at[e], events.length[e]));
            }
        }
        return out;
    }
}
