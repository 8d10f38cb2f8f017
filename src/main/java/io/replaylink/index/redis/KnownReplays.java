package io.replaylink.index.redis;

import io.replaylink.envelope.Uuids;

import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Trace to replay mappings this sidecar has recently seen Redis hold: an answer from Redis to a lookup, or the value
 * a record found or set. Redis keeps the first replay id of a trace, so a mapping seen there does not change while
 * its key lives; a lookup of a trace seen less than {@code ttl} ago is answered from here, without a round trip.
 * Only hits are kept (a miss may turn into a hit any moment).
 *
 * <p>A record of a mapping this sidecar itself recorded less than {@code ttl} ago is skipped too: the record then
 * set the key's expiry at least {@code ttl} ahead (so the key still lives), and while the key lives no event can be
 * remembered for its trace (a lookup finds the mapping first, atomically), so there is nothing to drain.
 *
 * <p>Kept without an object per entry: ids are Sentry's 32-hex ids held as two longs each in open-addressing tables
 * of primitive arrays, so the entries, which live for {@code ttl} (a minute), are neither copied by every young
 * collection until they are promoted nor scanned as references from the old generation (a map of objects cost the
 * sidecar's young collections about 1.5 ms each at 7,000 envelopes/s). An id of another form is not kept (it is
 * asked of Redis every time; ids reach here as {@code Uuids.normalize} writes them, lower case). Bounded: at most
 * {@code maxEntries}, in two generations of half that each; when the newer one is full, the older one is emptied and
 * becomes the newer, so the oldest half leaves at once. The tables are at most half full: about 100 to 140 bytes per
 * entry of the bound, taken as they grow. Thread-safe (one lock; the event loop is its only user in practice).
 */
final class KnownReplays {
    private static final byte EMPTY = 0;
    private static final byte LOOKED_UP = 1;
    /** A record of ours set the key's expiry beyond the entry's. */
    private static final byte RECORDED = 2;

    private final long ttlNanos;
    private final int perGeneration;
    /** Whether the older generation is kept at all: not with a bound of one entry. */
    private final boolean keepOlder;
    private Generation newer;
    private Generation older;

    private final LongSupplier nanoClock;

    KnownReplays(long ttlMillis, int maxEntries) {
        this(ttlMillis, maxEntries, System::nanoTime);
    }

    /** {@code nanoClock}: {@link System#nanoTime} but in tests; record times passed in are on that clock. */
    KnownReplays(long ttlMillis, int maxEntries, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.ttlNanos = TimeUnit.MILLISECONDS.toNanos(ttlMillis);
        this.perGeneration = Math.max(1, maxEntries / 2);
        this.keepOlder = maxEntries >= 2;
        this.newer = new Generation(perGeneration);
        this.older = new Generation(perGeneration);
    }

    boolean enabled() {
        return ttlNanos > 0;
    }

    synchronized Optional<String> get(String traceId) {
        long[] trace = parse(traceId);
        Generation g = trace == null ? null : live(trace);
        return g == null ? Optional.empty() : Optional.of(g.replay(g.found));
    }

    /** Whether this sidecar recorded exactly this mapping less than {@code ttl} ago (see the class comment). */
    synchronized boolean recordedRecently(String traceId, String replayId) {
        long[] trace = parse(traceId);
        long[] replay = parse(replayId);
        Generation g = trace == null || replay == null ? null : live(trace);
        return g != null && g.flags[g.found] == RECORDED && g.holds(g.found, replay);
    }

    /** What a lookup found in Redis; a live entry with that replay is kept as it is (not prolonged). */
    synchronized void lookedUp(String traceId, String replayId) {
        long[] trace = parse(traceId);
        long[] replay = parse(replayId);
        if (!enabled() || trace == null || replay == null) {
            return;
        }
        Generation g = live(trace);
        if (g == null || !g.holds(g.found, replay)) {
            put(trace, replay, nanoClock.getAsLong() + ttlNanos, LOOKED_UP);
        }
    }

    /**
     * What a record found or set in Redis ({@code current}), given when the record was sent: Redis set the key's
     * expiry after that, at least {@code ttl} ahead, when {@code current} is the replay the record asked for.
     */
    synchronized void recorded(String traceId, String requested, String current, long sentAtNanos) {
        long[] trace = parse(traceId);
        long[] replay = parse(current);
        if (enabled() && trace != null && replay != null) {
            put(trace, replay, sentAtNanos + ttlNanos, current.equals(requested) ? RECORDED : LOOKED_UP);
        }
    }

    /** Entries held, expired ones included until their generation is emptied. */
    synchronized int size() {
        return newer.size + older.size;
    }

    /**
     * The generation holding the trace's live entry (at its {@code found} slot), or null. A live entry in the newer
     * generation comes first (it is the later word on the trace); an expired one there leaves the older generation's,
     * if that still lives (a record answered after its own ttl writes one).
     */
    private Generation live(long[] trace) {
        if (!enabled()) {
            return null;
        }
        long now = nanoClock.getAsLong();
        if (newer.findLive(trace, now)) {
            return newer;
        }
        return older.findLive(trace, now) ? older : null;
    }

    private void put(long[] trace, long[] replay, long expiresAt, byte flag) {
        int slot = newer.find(trace[0], trace[1]);
        if (slot < 0 && newer.size >= perGeneration) {
            Generation emptied = older;
            emptied.clear();
            older = newer;
            newer = emptied;
            if (!keepOlder) {
                older.clear();
            }
            slot = -1;
        }
        newer.put(slot, trace, replay, expiresAt, flag);
    }

    /** Two longs of a 32-hex id (either case), or null for any other form. */
    static long[] parse(String id) {
        if (id == null || id.length() != 32) {
            return null;
        }
        if (Uuids.isLowerHex(id)) {
            return new long[] {Uuids.hexHalf(id, 0), Uuids.hexHalf(id, 16)};
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 32; i++) {
            char c = id.charAt(i);
            int d = c < 128 ? Character.digit(c, 16) : -1;
            if (d < 0) {
                return null;
            }
            if (i < 16) {
                hi = hi << 4 | d;
            } else {
                lo = lo << 4 | d;
            }
        }
        return new long[] {hi, lo};
    }

    /**
     * One generation: linear probing over power-of-two tables, at most half full, grown by doubling up to what
     * {@code capacity} entries need. Entries are never removed one by one (an expired one stays until it is
     * overwritten or its generation is emptied), so probing needs no tombstones.
     */
    private static final class Generation {
        private final int maxSlots;
        /** Per slot: trace id high, low; replay id high, low. */
        long[] ids;
        long[] expires;
        byte[] flags;
        int size;
        /** The slot {@link #findLive} found. */
        int found;

        Generation(int capacity) {
            this.maxSlots = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1) * 2;
            allocate(Math.min(maxSlots, 256));
        }

        private void allocate(int slots) {
            ids = new long[4 * slots];
            expires = new long[slots];
            flags = new byte[slots];
        }

        /** The trace's slot, or {@code -(free slot) - 1}. */
        int find(long hi, long lo) {
            int mask = flags.length - 1;
            int s = mix(hi, lo) & mask;
            while (flags[s] != EMPTY) {
                if (ids[4 * s] == hi && ids[4 * s + 1] == lo) {
                    return s;
                }
                s = (s + 1) & mask;
            }
            return -s - 1;
        }

        /** Whether the trace has an entry here that has not expired at {@code now}; its slot in {@link #found}. */
        boolean findLive(long[] trace, long now) {
            found = find(trace[0], trace[1]);
            return found >= 0 && now - expires[found] < 0;
        }

        boolean holds(int slot, long[] replay) {
            return ids[4 * slot + 2] == replay[0] && ids[4 * slot + 3] == replay[1];
        }

        String replay(int slot) {
            return Uuids.hexId(ids[4 * slot + 2], ids[4 * slot + 3]);
        }

        /** Writes the entry at {@code slot} (the trace's own), or anywhere free when {@code slot} is negative. */
        void put(int slot, long[] trace, long[] replay, long expiresAt, byte flag) {
            if (slot < 0) {
                if (2 * (size + 1) > flags.length && flags.length < maxSlots) {
                    grow();
                }
                slot = -find(trace[0], trace[1]) - 1;
                size++;
            }
            ids[4 * slot] = trace[0];
            ids[4 * slot + 1] = trace[1];
            ids[4 * slot + 2] = replay[0];
            ids[4 * slot + 3] = replay[1];
            expires[slot] = expiresAt;
            flags[slot] = flag;
        }

        private void grow() {
            long[] oldIds = ids;
            long[] oldExpires = expires;
            byte[] oldFlags = flags;
            allocate(2 * oldFlags.length);
            for (int s = 0; s < oldFlags.length; s++) {
                if (oldFlags[s] != EMPTY) {
                    int to = -find(oldIds[4 * s], oldIds[4 * s + 1]) - 1;
                    System.arraycopy(oldIds, 4 * s, ids, 4 * to, 4);
                    expires[to] = oldExpires[s];
                    flags[to] = oldFlags[s];
                }
            }
        }

        void clear() {
            Arrays.fill(flags, EMPTY);
            size = 0;
        }

        private static int mix(long hi, long lo) {
            long h = (hi ^ Long.rotateLeft(lo, 29)) * 0x9E3779B97F4A7C15L;
            return (int) (h ^ h >>> 32);
        }
    }
}
