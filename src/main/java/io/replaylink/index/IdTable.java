package io.replaylink.index;

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

    private final int maxEntries;
    private long[] keyHi;
    private long[] keyLo;
    private String[] oddKey;
    private int[] older;
    private int[] newer;
    private int eldest = NONE;
    private int newest = NONE;
    private int size;
    private int used;
    private int free = NONE;
    // open addressing (linear probing) over entries: a slot holds entry + 1, 0 when empty
    private int[] slots;

    IdTable(int maxEntries) {
        this.maxEntries = maxEntries;
        int capacity = Math.min(maxEntries, 1024);
        keyHi = new long[capacity];
        keyLo = new long[capacity];
        oddKey = new String[capacity];
        older = new int[capacity];
        newer = new int[capacity];
        slots = new int[tableSize(capacity)];
    }

    /** The entries' columns' length (a subclass's columns have it too). */
    final int capacity() {
        return keyHi.length;
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
        return newer[e];
    }

    // ids: 32 lower-case hex digits as two longs, or the string itself

    /** The value of a lower-case hex digit, or -1. */
    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }

    /** Whether {@code id} is 32 lower-case hex digits (then {@link #half} reads it). */
    static boolean isHexId(String id) {
        if (id.length() != 32) {
            return false;
        }
        for (int i = 0; i < 32; i++) {
            if (hex(id.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Sixteen hex digits of {@code id} from {@code from}, as a long. */
    static long half(String id, int from) {
        long v = 0;
        for (int i = from; i < from + 16; i++) {
            v = v << 4 | hex(id.charAt(i));
        }
        return v;
    }

    /** Two longs as 32 lower-case hex digits. */
    static String hexId(long hi, long lo) {
        byte[] out = new byte[32];
        for (int i = 15; i >= 0; i--) {
            out[i] = (byte) "0123456789abcdef".charAt((int) (hi & 15));
            out[16 + i] = (byte) "0123456789abcdef".charAt((int) (lo & 15));
            hi >>>= 4;
            lo >>>= 4;
        }
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The id of entry {@code e}. */
    final String id(int e) {
        return oddKey[e] != null ? oddKey[e] : hexId(keyHi[e], keyLo[e]);
    }

    private static int hash(long hi, long lo) {
        long h = (hi ^ Long.rotateLeft(lo, 29)) * 0x9E3779B97F4A7C15L;
        return (int) (h ^ h >>> 32);
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
        boolean hexKey = isHexId(id);
        long hi = hexKey ? half(id, 0) : id.hashCode();
        long lo = hexKey ? half(id, 16) : id.length();
        int mask = slots.length - 1;
        for (int s = hash(hi, lo) & mask; ; s = (s + 1) & mask) {
            int e = slots[s] - 1;
            if (e < 0) {
                return NONE;
            }
            if (keyHi[e] == hi && keyLo[e] == lo && (hexKey ? oddKey[e] == null : id.equals(oddKey[e]))) {
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
            free = newer[e];
        } else {
            if (used == keyHi.length) {
                int capacity = (int) Math.min(maxEntries, 2L * keyHi.length);
                keyHi = Arrays.copyOf(keyHi, capacity);
                keyLo = Arrays.copyOf(keyLo, capacity);
                oddKey = Arrays.copyOf(oddKey, capacity);
                older = Arrays.copyOf(older, capacity);
                newer = Arrays.copyOf(newer, capacity);
                grow(capacity);
                rehash(tableSize(capacity));
            }
            e = used++;
        }
        boolean hexKey = isHexId(id);
        keyHi[e] = hexKey ? half(id, 0) : id.hashCode();
        keyLo[e] = hexKey ? half(id, 16) : id.length();
        oddKey[e] = hexKey ? null : id;
        int mask = slots.length - 1;
        int s = hash(keyHi[e], keyLo[e]) & mask;
        while (slots[s] != 0) {
            s = (s + 1) & mask;
        }
        slots[s] = e + 1;
        size++;
        older[e] = newest;
        newer[e] = NONE;
        if (newest != NONE) {
            newer[newest] = e;
        } else {
            eldest = e;
        }
        newest = e;
        return e;
    }

    private void rehash(int tableSize) {
        slots = new int[tableSize];
        int mask = tableSize - 1;
        for (int e = eldest; e != NONE; e = newer[e]) {
            int s = hash(keyHi[e], keyLo[e]) & mask;
            while (slots[s] != 0) {
                s = (s + 1) & mask;
            }
            slots[s] = e + 1;
        }
    }

    /** Removes the entry: its slot (the probe sequences after it closed up), its place in the order, its columns. */
    final void remove(int e) {
        int mask = slots.length - 1;
        int s = hash(keyHi[e], keyLo[e]) & mask;
        while (slots[s] != e + 1) {
            s = (s + 1) & mask;
        }
        // backward shift: an entry further along that may sit in the hole moves into it
        for (int next = (s + 1) & mask; slots[next] != 0; next = (next + 1) & mask) {
            int home = hash(keyHi[slots[next] - 1], keyLo[slots[next] - 1]) & mask;
            if (((next - home) & mask) >= ((next - s) & mask)) {
                slots[s] = slots[next];
                s = next;
            }
        }
        slots[s] = 0;
        unlink(e);
        oddKey[e] = null;
        clear(e);
        newer[e] = free;
        free = e;
        size--;
    }

    private void unlink(int e) {
        if (older[e] != NONE) {
            newer[older[e]] = newer[e];
        } else {
            eldest = newer[e];
        }
        if (newer[e] != NONE) {
            older[newer[e]] = older[e];
        } else {
            newest = older[e];
        }
    }

    /** Makes {@code e} the newest. */
    final void touch(int e) {
        if (e == newest) {
            return;
        }
        unlink(e);
        older[e] = newest;
        newer[e] = NONE;
        newer[newest] = e;
        newest = e;
    }
}
