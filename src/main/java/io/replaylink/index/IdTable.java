package io.replaylink.index;

import io.replaylink.envelope.Uuids;

import java.util.Arrays;

/**
 * Ids to entries in columns of primitive arrays, in an order (eldest first) that a lookup may refresh: the common
 * part of the in-process index's compact tables, which keep no object per entry. An id of 32 lower-case hex digits
 * (what the SDKs send) is kept as two longs; any other string as it is, in a side column. An entry is an int, valid
 * until it is removed; a subclass keeps its own columns of the same length ({@link #grow}). Not thread-safe: the index
 * calls it under its lock. Why no objects: the index's entries live for minutes, so each object of theirs was copied
 * by young collections until promoted, and every link to a new one dirtied an old card that the next young
 * collection scanned.
 */
abstract class IdTable {
    static final int NONE = -1;
    private static final long ODD = 1L << 31;

    private final int maxEntries;
    // an entry's key: two longs side by side (one cache line), its string in a side column when it is not hex
    private long[] keys;
    private String[] oddKey;
    // the order: an entry's older and newer neighbours side by side
    private int[] links;
    private int eldest = NONE;
    private int newest = NONE;
    private int size;
    private int used;
    private int free = NONE;
    private int capacity;
    // open addressing (linear probing): a slot holds the key's hash (bit 31: not hex) above entry + 1, 0 when empty;
    // a probe compares hashes in the slots and reads an entry's key only when they match, and a removal finds each
    // shifted entry's home from its slot
    private long[] slots;

    IdTable(int maxEntries) {
        this.maxEntries = maxEntries;
        capacity = Math.min(maxEntries, 1024);
        keys = new long[2 * capacity];
        oddKey = new String[capacity];
        links = new int[2 * capacity];
        slots = new long[tableSize(capacity)];
    }

    /** The entries' columns' length (a subclass's columns have it too). */
    final int capacity() {
        return capacity;
    }

    /** Grows the subclass's columns to {@code capacity} entries. */
    abstract void grow(int capacity);

    /** Clears the subclass's columns of a removed entry (its objects go). */
    abstract void clear(int e);

    private static int tableSize(int entries) {
        return Integer.highestOneBit(Math.max(4, entries) * 2 - 1) << 1;
    }

    final int size() {
        return size;
    }

    /** The eldest entry (least recently used, or first added), or -1. */
    final int eldest() {
        return eldest;
    }

    /** The entry after {@code e} in the order (towards the newest), or -1. */
    final int newer(int e) {
        return links[2 * e + 1];
    }

    // ids: 32 lower-case hex digits as two longs, or the string itself

    /** The id of entry {@code e}. */
    final String id(int e) {
        return oddKey[e] != null ? oddKey[e] : Uuids.hexId(keys[2 * e], keys[2 * e + 1]);
    }

    /** A key's hash in a slot's upper half: bit 31 says the key is not hex. */
    private static long hash(long hi, long lo, boolean odd) {
        long h = (hi ^ Long.rotateLeft(lo, 29)) * 0x9E3779B97F4A7C15L;
        return ((h ^ h >>> 32) & (ODD - 1)) | (odd ? ODD : 0);
    }

    private static int entry(long slot) {
        return (int) slot - 1;
    }

    private static int home(long slot, int mask) {
        return (int) (slot >>> 32) & mask;
    }

    // lookups

    /** The entry of {@code id}, or -1; a hit becomes the newest. */
    final int get(String id) {
        int e = find(id);
        if (e != NONE) {
            touch(e);
        }
        return e;
    }

    /** The entry of {@code id}, or -1, where it is in the order. */
    final int find(String id) {
        boolean odd = !Uuids.isLowerHex(id);
        long hi = odd ? id.hashCode() : Uuids.hexHalf(id, 0);
        long lo = odd ? id.length() : Uuids.hexHalf(id, 16);
        long h = hash(hi, lo, odd);
        int mask = slots.length - 1;
        for (int s = (int) h & mask; ; s = (s + 1) & mask) {
            long slot = slots[s];
            if (slot == 0) {
                return NONE;
            }
            int e = entry(slot);
            if (slot >>> 32 == h && keys[2 * e] == hi && keys[2 * e + 1] == lo && (!odd || id.equals(oddKey[e]))) {
                return e;
            }
        }
    }

    /** A new entry for {@code id} (not in the table; the table not full), the newest, with nothing in it. */
    final int add(String id) {
        if (size >= maxEntries) {
            throw new IllegalStateException("full: remove the eldest first");
        }
        int e;
        if (free != NONE) {
            e = free;
            free = links[2 * e + 1];
        } else {
            if (used == capacity) {
                capacity = (int) Math.min(maxEntries, 2L * capacity);
                keys = Arrays.copyOf(keys, 2 * capacity);
                oddKey = Arrays.copyOf(oddKey, capacity);
                links = Arrays.copyOf(links, 2 * capacity);
                grow(capacity);
                rehash(tableSize(capacity));
            }
            e = used++;
        }
        boolean odd = !Uuids.isLowerHex(id);
        long hi = odd ? id.hashCode() : Uuids.hexHalf(id, 0);
        long lo = odd ? id.length() : Uuids.hexHalf(id, 16);
        keys[2 * e] = hi;
        keys[2 * e + 1] = lo;
        oddKey[e] = odd ? id : null;
        place(hash(hi, lo, odd) << 32 | (e + 1));
        size++;
        links[2 * e] = newest;
        links[2 * e + 1] = NONE;
        if (newest != NONE) {
            links[2 * newest + 1] = e;
        } else {
            eldest = e;
        }
        newest = e;
        return e;
    }

    private void place(long slot) {
        int mask = slots.length - 1;
        int s = home(slot, mask);
        while (slots[s] != 0) {
            s = (s + 1) & mask;
        }
        slots[s] = slot;
    }

    private void rehash(int tableSize) {
        long[] old = slots;
        slots = new long[tableSize];
        for (long slot : old) {
            if (slot != 0) {
                place(slot);
            }
        }
    }

    /** Removes the entry: its slot (the probe sequences after it closed up), its place in the order, its columns. */
    final void remove(int e) {
        int mask = slots.length - 1;
        int s = (int) hash(keys[2 * e], keys[2 * e + 1], oddKey[e] != null) & mask;
        while (entry(slots[s]) != e) {
            s = (s + 1) & mask;
        }
        // backward shift: an entry further along that may sit in the hole moves into it
        for (int next = (s + 1) & mask; slots[next] != 0; next = (next + 1) & mask) {
            int home = home(slots[next], mask);
            if (((next - home) & mask) >= ((next - s) & mask)) {
                slots[s] = slots[next];
                s = next;
            }
        }
        slots[s] = 0;
        unlink(e);
        oddKey[e] = null;
        clear(e);
        links[2 * e + 1] = free;
        free = e;
        size--;
    }

    private void unlink(int e) {
        int older = links[2 * e];
        int newer = links[2 * e + 1];
        if (older != NONE) {
            links[2 * older + 1] = newer;
        } else {
            eldest = newer;
        }
        if (newer != NONE) {
            links[2 * newer] = older;
        } else {
            newest = older;
        }
    }

    /** Makes {@code e} the newest. */
    final void touch(int e) {
        if (e == newest) {
            return;
        }
        unlink(e);
        links[2 * e] = newest;
        links[2 * e + 1] = NONE;
        links[2 * newest + 1] = e;
        newest = e;
    }
}
