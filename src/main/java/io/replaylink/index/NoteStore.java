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
    private final NoteTable events;
    private final NoteTable traces;
    // the columns' places: an event note's and a trace note's numbers (n, two per entry) and ints (i, four)
    private static final int AT = 0;
    private static final int EXPIRES = 1;
    private static final int LENGTH = 0;
    private static final int TRACE = 1;
    private static final int PREVIOUS = 2;
    private static final int NEXT = 3;
    private static final int LEARNED_AT = 0;
    private static final int LEARNED_LENGTH = 0;
    private static final int FIRST = 1;
    private static final int LAST = 2;
    private static final int COUNT = 3;

    NoteStore(int maxNotes, int maxTraces, int notesPerTrace, long capacityBytes) {
        this.maxNotes = maxNotes;
        this.maxTraces = maxTraces;
        this.notesPerTrace = notesPerTrace;
        this.capacity = (int) Math.min(Integer.MAX_VALUE - 8, capacityBytes);
        this.events = new NoteTable(Math.max(1, maxNotes), 0, IdTable.NONE, IdTable.NONE, IdTable.NONE);
        this.traces = new NoteTable(Math.max(1, maxTraces), 0, IdTable.NONE, IdTable.NONE, 0);
    }

    /**
     * Notes of one kind: side by side per entry, two numbers ({@code n}) and four ints ({@code i}). Event notes: where
     * the JSON is and until when it holds; its length, its trace note and its neighbours in that trace's chain. Trace
     * notes: where the learned note is and until when the trace note holds; the learned note's length (0: none), the
     * first and last event notes of its chain and their count.
     */
    private static final class NoteTable extends IdTable {
        long[] n;
        int[] i;
        /** An entry's four ints when it is new. */
        private final int[] empty;

        NoteTable(int maxEntries, int... empty) {
            super(maxEntries);
            this.empty = empty;
            grow(capacity());
        }

        @Override
        void grow(int capacity) {
            n = n == null ? new long[2 * capacity] : Arrays.copyOf(n, 2 * capacity);
            i = i == null ? new int[4 * capacity] : Arrays.copyOf(i, 4 * capacity);
        }

        @Override
        void clear(int e) {
            System.arraycopy(empty, 0, i, 4 * e, 4);
        }

        /** A new entry, its ints as {@code empty} says. */
        int create(String id) {
            int e = add(id);
            clear(e);
            return e;
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
            e = events.create(eventId);
        } else {
            events.touch(e);
        }
        events.n[2 * e + AT] = position;
        events.i[4 * e + LENGTH] = bytes.length;
        events.n[2 * e + EXPIRES] = expiresAt;
        if (traceId != null) {
            int t = trace(traceId, expiresAt, now);
            if (events.i[4 * e + TRACE] != t) {
                unchain(e);
                if (traces.i[4 * t + COUNT] < notesPerTrace) {
                    chain(e, t);
                }
            }
        }
        dropOverwritten();
    }

    /** Event notes whose bytes the ring wrote over go (the eldest first: the ring and the table share the order). */
    private void dropOverwritten() {
        for (int e = events.eldest(); e >= 0 && !intact(events.n[2 * e + AT]); e = events.eldest()) {
            removeEvent(e);
        }
    }

    private void removeEvent(int e) {
        unchain(e);
        events.remove(e);
    }

    private void chain(int e, int t) {
        events.i[4 * e + TRACE] = t;
        events.i[4 * e + PREVIOUS] = traces.i[4 * t + LAST];
        events.i[4 * e + NEXT] = IdTable.NONE;
        if (traces.i[4 * t + LAST] >= 0) {
            events.i[4 * (traces.i[4 * t + 2]) + NEXT] = e;
        } else {
            traces.i[4 * t + FIRST] = e;
        }
        traces.i[4 * t + LAST] = e;
        traces.i[4 * t + COUNT]++;
    }

    private void unchain(int e) {
        int t = events.i[4 * e + TRACE];
        if (t < 0) {
            return;
        }
        if (events.i[4 * e + PREVIOUS] >= 0) {
            events.i[4 * (events.i[4 * e + 2]) + NEXT] = events.i[4 * e + NEXT];
        } else {
            traces.i[4 * t + FIRST] = events.i[4 * e + NEXT];
        }
        if (events.i[4 * e + NEXT] >= 0) {
            events.i[4 * (events.i[4 * e + 3]) + PREVIOUS] = events.i[4 * e + PREVIOUS];
        } else {
            traces.i[4 * t + LAST] = events.i[4 * e + PREVIOUS];
        }
        traces.i[4 * t + COUNT]--;
        events.i[4 * e + TRACE] = IdTable.NONE;
    }

    /** The event's note, or null. */
    String eventNote(String eventId, long now) {
        int e = events.find(eventId);
        return e < 0 || events.n[2 * e + EXPIRES] <= now || !intact(events.n[2 * e + AT]) ? null
                : read(events.n[2 * e + AT], events.i[4 * e + LENGTH]);
    }

    // trace notes

    /** The trace's note, made (the newest) if it is missing or expired; it holds until {@code expiresAt}. */
    private int trace(String traceId, long expiresAt, long now) {
        int t = traces.find(traceId);
        if (t >= 0 && traces.n[2 * t + EXPIRES] <= now) {
            removeTrace(t); // expired: starts anew, the newest
            t = -1;
        }
        if (t < 0) {
            if (traces.size() >= maxTraces) {
                removeTrace(traces.eldest());
            }
            t = traces.create(traceId);
        }
        traces.n[2 * t + EXPIRES] = expiresAt;
        return t;
    }

    private void removeTrace(int t) {
        for (int e = traces.i[4 * t + FIRST]; e >= 0; ) {
            int next = events.i[4 * e + NEXT];
            events.i[4 * e + TRACE] = IdTable.NONE;
            e = next;
        }
        traces.remove(t);
    }

    /** Keeps how the trace's replay was learned: the first such note while it lasts. */
    void noteLearned(String traceId, String json, long expiresAt, long now) {
        int t = trace(traceId, expiresAt, now);
        if (traces.i[4 * t + LEARNED_LENGTH] > 0 && intact(traces.n[2 * t + LEARNED_AT])) {
            return;
        }
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        long position = append(bytes);
        traces.n[2 * t + LEARNED_AT] = position;
        traces.i[4 * t + LEARNED_LENGTH] = position < 0 ? 0 : bytes.length;
        dropOverwritten();
    }

    /** How the trace's replay was learned, or null. */
    String learned(String traceId, long now) {
        int t = traces.find(traceId);
        return t < 0 || traces.n[2 * t + EXPIRES] <= now || traces.i[4 * t + LEARNED_LENGTH] == 0 || !intact(traces.n[2 * t + LEARNED_AT])
                ? null : read(traces.n[2 * t + LEARNED_AT], traces.i[4 * t + LEARNED_LENGTH]);
    }

    /** The notes of the trace's events still kept, by event id. */
    Map<String, String> traceEvents(String traceId, long now) {
        Map<String, String> out = new TreeMap<>();
        int t = traces.find(traceId);
        if (t < 0 || traces.n[2 * t + EXPIRES] <= now) {
            return out;
        }
        for (int e = traces.i[4 * t + FIRST]; e >= 0; e = events.i[4 * e + NEXT]) {
            if (events.n[2 * e + EXPIRES] > now && intact(events.n[2 * e + AT])) {
                out.put(events.id(e), read(events.n[2 * e + AT], events.i[4 * e + LENGTH]));
            }
        }
        return out;
    }
}
