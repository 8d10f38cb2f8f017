package io.replaylink.index;

import io.replaylink.envelope.Uuids;
import io.replaylink.why.LinkNote;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The in-process index's why-notes as a ring of fixed-size records, written in order and never looked up when
 * written: a note costs one record's writes (no hash table, no eviction chain, no JSON), and a question (the why-API,
 * an operator's) scans the ring's id columns from the newest record back (about half a millisecond a pass over
 * 100,000 records; a question about an event takes four). An event's note made by the linker ({@link LinkNote})
 * keeps its fields in its record: ids as two longs each (the string beside them when it is not 32 hex digits), its
 * few short strings (level, path, form, reason, instance) as codes of a small table, and its JSON is made when it is
 * read, the same text as {@link LinkNote#toJson}. Any other note (how a trace's replay was learned, a plugin's note,
 * one with a replay id not of 32 hex digits or a string without a code) keeps its JSON in a ring of bytes that the
 * record points into. At most {@code max_notes} records (notes of both kinds) within three quarters of the budget
 * (a quarter of {@code max_bytes}), the bytes in the rest; the newest record overwrites the oldest, and a note whose
 * bytes the byte ring wrote over is gone: the oldest notes go first, of either kind. A later note of an event is its
 * newest. Why: each note cost the linking sidecar 4 µs (a third of what linking cost), nearly all of it in the two
 * hash tables (event notes, trace notes) that found notes as they were written, with their cache misses. Not
 * thread-safe: the index calls it under its lock.
 */
final class NoteStore {
    /** A record's kind: a {@link LinkNote} in the record's fields. */
    private static final int LINK = 1;
    /** An event's note as JSON in the byte ring. */
    private static final int EVENT_JSON = 2;
    /** How a trace's replay was learned, as JSON in the byte ring (the record's id is the trace's). */
    private static final int LEARNED_JSON = 3;
    // the meta word: kind (bits 0-1), flags, then the codes of the note's strings (8 bits each)
    private static final long LINKED = 1 << 2;
    private static final long NO_TRACE = 1 << 3;
    private static final long ODD_ID = 1 << 4;
    private static final long ODD_TRACE = 1 << 5;
    private static final long NO_REPLAY = 1 << 6;
    private static final int LEVEL_SHIFT = 8;
    private static final int PATH_SHIFT = 16;
    private static final int FORM_SHIFT = 24;
    private static final int REASON_SHIFT = 32;
    private static final int BY_SHIFT = 40;
    // a record's longs (besides its ids' high halves, in columns of their own that a question scans)
    private static final int STRIDE = 10;
    private static final int META = 0;
    private static final int ID_LO = 1;
    private static final int TRACE_LO = 2;
    private static final int KEEP_UNTIL = 3;
    /** A LinkNote's replay id (two longs); a JSON note's position and length in the byte ring. */
    private static final int A = 4;
    private static final int B = 5;
    private static final int PROJECT = 6;
    private static final int AT = 7;
    private static final int EVENT_AT = 8;
    private static final int WAIT_UNTIL = 9;
    /** A record's bytes: its longs and its two ids' high halves. */
    static final int RECORD_BYTES = 8 * (STRIDE + 2);
    /** Codes for at most this many distinct strings (code 0 is null); strings beyond it make a JSON note. */
    private static final int MAX_CODES = 255;
    private static final int MAX_CODED_LENGTH = 64;

    private final int notesPerTrace;
    private final int maxRecords;
    private final int byteCapacity;
    private long[] records = new long[0];
    private long[] idHi = new long[0];
    private long[] traceHi = new long[0];
    /** Ids not of 32 hex digits, by record (made when one first comes). */
    private String[] oddIds;
    private String[] oddTraces;
    /** Records ever written (position p is at {@code p % maxRecords}, intact while p >= written - maxRecords). */
    private long written;
    private byte[] ring = new byte[0];
    /** Bytes ever written to the byte ring (as {@code written}). */
    private long cursor;
    private final Map<String, Integer> codeOf = new HashMap<>();
    private final List<String> codes = new ArrayList<>(List.of(""));

    NoteStore(int maxNotes, int notesPerTrace, long capacityBytes) {
        this.notesPerTrace = notesPerTrace;
        long budget = Math.min(Integer.MAX_VALUE - 8, capacityBytes);
        this.maxRecords = (int) Math.max(0, Math.min(maxNotes, budget * 3 / 4 / RECORD_BYTES));
        this.byteCapacity = (int) (budget - (long) maxRecords * RECORD_BYTES);
    }

    // writing

    /** A linker's note of an event: its fields in a record (JSON only when one of them cannot be). */
    void noteLink(LinkNote n, long keepUntil) {
        if (maxRecords == 0) {
            return;
        }
        String traceId = n.traceId();
        String replayId = n.replayId();
        int level = code(n.level());
        int path = code(n.path());
        int form = code(n.form());
        int reason = code(n.reason());
        int by = code(n.by());
        if ((level | path | form | reason | by) < 0 || replayId != null && !Uuids.isLowerHex(replayId)) {
            noteEvent(n.eventId(), traceId, n.toJson(), keepUntil);
            return;
        }
        int r = next();
        int at = STRIDE * r;
        long meta = LINK | (n.linked() ? LINKED : 0) | (long) level << LEVEL_SHIFT | (long) path << PATH_SHIFT
                | (long) form << FORM_SHIFT | (long) reason << REASON_SHIFT | (long) by << BY_SHIFT
                | putId(r, true, n.eventId()) | putId(r, false, traceId);
        if (replayId == null) {
            meta |= NO_REPLAY;
            records[at + A] = 0;
            records[at + B] = 0;
        } else {
            records[at + A] = Uuids.hexHalf(replayId, 0);
            records[at + B] = Uuids.hexHalf(replayId, 16);
        }
        records[at + META] = meta;
        records[at + KEEP_UNTIL] = keepUntil;
        records[at + PROJECT] = n.projectId();
        records[at + AT] = n.atMillis();
        records[at + EVENT_AT] = Double.doubleToRawLongBits(n.eventAt());
        records[at + WAIT_UNTIL] = n.expiresAt();
    }

    /** An event's note as JSON (a plugin's, or one whose fields have no record form). */
    void noteEvent(String eventId, String traceId, String json, long keepUntil) {
        if (maxRecords > 0) {
            keepJson(EVENT_JSON, eventId, traceId, json, keepUntil);
        }
    }

    /** How the trace's replay was learned (the first such note kept is the one read). */
    void noteLearned(String traceId, String json, long keepUntil) {
        if (maxRecords > 0) {
            keepJson(LEARNED_JSON, traceId, null, json, keepUntil);
        }
    }

    private void keepJson(int kind, String id, String traceId, String json, long keepUntil) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        long position = append(bytes);
        if (position < 0) {
            return; // larger than the byte ring: not kept (an older note of the event stays its newest)
        }
        int r = next();
        int at = STRIDE * r;
        long meta = kind | putId(r, true, id) | putId(r, false, traceId);
        records[at + META] = meta;
        records[at + KEEP_UNTIL] = keepUntil;
        records[at + A] = position;
        records[at + B] = bytes.length;
    }

    /**
     * Writes record {@code r}'s event id ({@code event}; else its trace id) as {@link Key#of} reads one: two longs
     * (the high one in its column, which a question scans), the string itself beside them when it is not 32 hex
     * digits. Answers the meta word's flags for it.
     */
    private long putId(int r, boolean event, String id) {
        long[] hi = event ? idHi : traceHi;
        int lo = STRIDE * r + (event ? ID_LO : TRACE_LO);
        if (id == null) {
            hi[r] = 0;
            records[lo] = 0;
            return event ? 0 : NO_TRACE;
        }
        if (Uuids.isLowerHex(id)) {
            hi[r] = Uuids.hexHalf(id, 0);
            records[lo] = Uuids.hexHalf(id, 16);
            return 0;
        }
        hi[r] = id.hashCode();
        records[lo] = id.length();
        odd(event)[r] = id;
        return event ? ODD_ID : ODD_TRACE;
    }

    /** The next record (the newest; over the oldest once the ring is full), its odd ids cleared. */
    private int next() {
        if (written == idHi.length && idHi.length < maxRecords) {
            // before the first wrap positions are indexes: larger copies keep them
            int grown = (int) Math.min(maxRecords, Math.max(1024, 2L * idHi.length));
            records = Arrays.copyOf(records, STRIDE * grown);
            idHi = Arrays.copyOf(idHi, grown);
            traceHi = Arrays.copyOf(traceHi, grown);
            if (oddIds != null) {
                oddIds = Arrays.copyOf(oddIds, grown);
                oddTraces = Arrays.copyOf(oddTraces, grown);
            }
        }
        int r = (int) (written % maxRecords);
        written++;
        if (oddIds != null) {
            oddIds[r] = null;
            oddTraces[r] = null;
        }
        return r;
    }

    private String[] odd(boolean ids) {
        if (oddIds == null) {
            oddIds = new String[idHi.length];
            oddTraces = new String[idHi.length];
        }
        return ids ? oddIds : oddTraces;
    }

    /** The code of {@code s} (0: null), or -1 when it has none and no more codes may be made. */
    private int code(String s) {
        if (s == null) {
            return 0;
        }
        Integer c = codeOf.get(s);
        if (c != null) {
            return c;
        }
        if (codes.size() > MAX_CODES || s.length() > MAX_CODED_LENGTH) {
            return -1;
        }
        codes.add(s);
        codeOf.put(s, codes.size() - 1);
        return codes.size() - 1;
    }

    /** Appends {@code bytes} to the byte ring; its position, or -1 if it is larger than the ring. */
    private long append(byte[] bytes) {
        int n = bytes.length;
        if (n == 0 || n > byteCapacity) {
            return -1;
        }
        if (ring.length < byteCapacity && cursor + n > ring.length) {
            ring = Arrays.copyOf(ring, (int) Math.min(byteCapacity, Math.max(cursor + n, 2L * ring.length + 4096)));
        }
        int index = (int) (cursor % byteCapacity);
        if (index + n > byteCapacity) {
            cursor += byteCapacity - index; // the tail is too short: the note starts the next turn
            index = 0;
        }
        System.arraycopy(bytes, 0, ring, index, n);
        long position = cursor;
        cursor += n;
        return position;
    }

    /** Bytes the notes take (records written and the byte ring's, the overwritten included until each ring wraps). */
    long bytes() {
        return Math.min(written, maxRecords) * (long) RECORD_BYTES + Math.min(cursor, byteCapacity);
    }

    // reading: from the newest record back to the oldest still in the ring

    /** An id as the columns keep it ({@link #putId}): two longs, and the string itself when it is not 32 hex digits. */
    private record Key(long hi, long lo, String odd) {
        static Key of(String id) {
            return Uuids.isLowerHex(id) ? new Key(Uuids.hexHalf(id, 0), Uuids.hexHalf(id, 16), null)
                    : new Key(id.hashCode(), id.length(), id);
        }
    }

    private long oldest() {
        return Math.max(0, written - maxRecords);
    }

    private int kind(int r) {
        return (int) (records[STRIDE * r + META] & 3);
    }

    private boolean idIs(int r, Key k) {
        long meta = records[STRIDE * r + META];
        return idHi[r] == k.hi && records[STRIDE * r + ID_LO] == k.lo
                && ((meta & ODD_ID) != 0 ? k.odd != null && k.odd.equals(oddIds[r]) : k.odd == null);
    }

    private boolean traceIs(int r, Key k) {
        long meta = records[STRIDE * r + META];
        return (meta & NO_TRACE) == 0 && traceHi[r] == k.hi && records[STRIDE * r + TRACE_LO] == k.lo
                && ((meta & ODD_TRACE) != 0 ? k.odd != null && k.odd.equals(oddTraces[r]) : k.odd == null);
    }

    private Key idOf(int r) {
        return (records[STRIDE * r + META] & ODD_ID) != 0 ? Key.of(oddIds[r])
                : new Key(idHi[r], records[STRIDE * r + ID_LO], null);
    }

    /** Whether the record's note still holds: not expired, and its JSON not written over. */
    private boolean live(int r, long now) {
        int at = STRIDE * r;
        return records[at + KEEP_UNTIL] > now && (kind(r) == LINK || records[at + A] >= cursor - byteCapacity);
    }

    /** The record's note as JSON. */
    private String text(int r) {
        int at = STRIDE * r;
        long meta = records[at + META];
        if ((meta & 3) != LINK) {
            return new String(ring, (int) (records[at + A] % byteCapacity), (int) records[at + B],
                    StandardCharsets.UTF_8);
        }
        return new LinkNote(idText(r, true), idText(r, false),
                records[at + PROJECT], decode(meta, LEVEL_SHIFT), (meta & LINKED) != 0, decode(meta, PATH_SHIFT),
                decode(meta, FORM_SHIFT), decode(meta, REASON_SHIFT),
                (meta & NO_REPLAY) != 0 ? null : Uuids.hexId(records[at + A], records[at + B]),
                records[at + AT], Double.longBitsToDouble(records[at + EVENT_AT]), records[at + WAIT_UNTIL],
                decode(meta, BY_SHIFT)).toJson();
    }

    /** Record {@code r}'s event id ({@code event}; else its trace id, or null), as it was written. */
    private String idText(int r, boolean event) {
        long meta = records[STRIDE * r + META];
        if (event) {
            return (meta & ODD_ID) != 0 ? oddIds[r] : Uuids.hexId(idHi[r], records[STRIDE * r + ID_LO]);
        }
        return (meta & NO_TRACE) != 0 ? null : (meta & ODD_TRACE) != 0 ? oddTraces[r]
                : Uuids.hexId(traceHi[r], records[STRIDE * r + TRACE_LO]);
    }

    private String decode(long meta, int shift) {
        int c = (int) (meta >>> shift) & 0xff;
        return c == 0 ? null : codes.get(c);
    }

    /** The event's newest note, or null (also when that one expired or was written over). */
    String eventNote(String eventId, long now) {
        Key k = Key.of(eventId);
        for (long p = written - 1; p >= oldest(); p--) {
            int r = (int) (p % maxRecords);
            if (idHi[r] == k.hi && kind(r) != LEARNED_JSON && idIs(r, k)) {
                return live(r, now) ? text(r) : null;
            }
        }
        return null;
    }

    /** How the trace's replay was learned: the first such note still kept, or null. */
    String learned(String traceId, long now) {
        Key k = Key.of(traceId);
        int first = -1;
        for (long p = written - 1; p >= oldest(); p--) {
            int r = (int) (p % maxRecords);
            if (idHi[r] == k.hi && kind(r) == LEARNED_JSON && idIs(r, k) && live(r, now)) {
                first = r;
            }
        }
        return first < 0 ? null : text(first);
    }

    /** What the question gathers of one event of the trace. */
    private static final class Candidate {
        long firstWithTrace;
        long newest = -1;
        /** Whether the event's newest note that names a trace names this one (0: not seen yet). */
        int ofThisTrace;
    }

    /**
     * The notes of the trace's events, by event id: each event whose newest note naming a trace names this one, with
     * its newest note (a late link's names none), while that one holds; the first {@code notes_per_trace} events the
     * trace noted (as the Redis index keeps them).
     */
    Map<String, String> traceEvents(String traceId, long now) {
        Key t = Key.of(traceId);
        Map<Key, Candidate> candidates = new LinkedHashMap<>();
        for (long p = written - 1; p >= oldest(); p--) {
            int r = (int) (p % maxRecords);
            if (traceHi[r] == t.hi && kind(r) != LEARNED_JSON && traceIs(r, t)) {
                candidates.computeIfAbsent(idOf(r), k -> new Candidate()).firstWithTrace = p;
            }
        }
        if (!candidates.isEmpty()) {
            long[] his = candidates.keySet().stream().mapToLong(Key::hi).sorted().distinct().toArray();
            for (long p = written - 1; p >= oldest(); p--) {
                int r = (int) (p % maxRecords);
                if (Arrays.binarySearch(his, idHi[r]) < 0 || kind(r) == LEARNED_JSON) {
                    continue;
                }
                Candidate c = candidates.get(idOf(r));
                if (c == null) {
                    continue;
                }
                if (c.newest < 0) {
                    c.newest = p;
                }
                if (c.ofThisTrace == 0 && (records[STRIDE * r + META] & NO_TRACE) == 0) {
                    c.ofThisTrace = traceIs(r, t) ? 1 : -1;
                }
            }
        }
        List<Map.Entry<Key, Candidate>> listed = new ArrayList<>();
        for (Map.Entry<Key, Candidate> e : candidates.entrySet()) {
            if (e.getValue().ofThisTrace == 1 && live((int) (e.getValue().newest % maxRecords), now)) {
                listed.add(e);
            }
        }
        listed.sort((x, y) -> Long.compare(x.getValue().firstWithTrace, y.getValue().firstWithTrace));
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<Key, Candidate> e : listed.subList(0, Math.min(listed.size(), notesPerTrace))) {
            Key k = e.getKey();
            out.put(k.odd != null ? k.odd : Uuids.hexId(k.hi, k.lo), text((int) (e.getValue().newest % maxRecords)));
        }
        return out;
    }
}
