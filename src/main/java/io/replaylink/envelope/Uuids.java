package io.replaylink.envelope;

/** Sentry ids (event, trace, replay): 32 hex written lower case; the dashed UUID form is accepted on input. */
public final class Uuids {
    private Uuids() {
    }

    /** The id as 32 lowercase hex, or null when it is neither form of a UUID. */
    public static String normalize(String id) {
        if (id == null) {
            return null;
        }
        if (isLowerHex(id)) {
            // the form SDKs send: the id itself (no copy) unless it is the nil UUID
            return ZERO.equals(id) ? null : id;
        }
        String s = id.length() == 36 && id.charAt(8) == '-' && id.charAt(13) == '-' && id.charAt(18) == '-'
                && id.charAt(23) == '-' ? id.replace("-", "") : id;
        if (s.length() != 32) {
            return null;
        }
        char[] out = new char[32];
        boolean allZero = true;
        for (int i = 0; i < 32; i++) {
            char c = s.charAt(i);
            int d = Character.digit(c, 16);
            if (d < 0 || c > 'f') {
                return null;
            }
            allZero &= d == 0;
            out[i] = Character.forDigit(d, 16);
        }
        return allZero ? null : new String(out);
    }

    private static final String ZERO = "0".repeat(32);
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long ONES = 0x0101010101010101L;

    /**
     * Whether {@code id} is 32 lower-case hex digits (then {@link #hexHalf} reads it). Eight characters at a time as
     * the bytes of a long, no branch per character: ids are read several times per event.
     */
    public static boolean isLowerHex(String id) {
        if (id.length() != 32) {
            return false;
        }
        int any = 0;
        for (int i = 0; i < 32; i++) {
            any |= id.charAt(i);
        }
        // beyond ASCII a character's low byte could pass for a digit
        return any < 0x80 && hexBytes(eight(id, 0)) & hexBytes(eight(id, 8)) & hexBytes(eight(id, 16))
                & hexBytes(eight(id, 24));
    }

    /** Sixteen hex digits of an id {@link #isLowerHex} accepts, from {@code from}, as a long. */
    public static long hexHalf(String id, int from) {
        return nibbles(eight(id, from)) << 32 | nibbles(eight(id, from + 8));
    }

    /** Two longs (as {@link #hexHalf} reads them) as the id's 32 lower-case hex digits. */
    public static String hexId(long hi, long lo) {
        byte[] out = new byte[32];
        DIGITS.set(out, 0, hexBytes((int) (hi >>> 32)));
        DIGITS.set(out, 8, hexBytes((int) hi));
        DIGITS.set(out, 16, hexBytes((int) (lo >>> 32)));
        DIGITS.set(out, 24, hexBytes((int) lo));
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static final java.lang.invoke.VarHandle DIGITS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Eight hex digits of {@code value}, the highest first, as the bytes of a long (the first in the lowest). */
    private static long hexBytes(int value) {
        // each nibble to its own byte, the lowest nibble in the lowest byte; then the highest first
        long s = value & 0xFFFFFFFFL;
        s = (s | s << 16) & 0x0000FFFF0000FFFFL;
        s = (s | s << 8) & 0x00FF00FF00FF00FFL;
        s = (s | s << 4) & 0x0F0F0F0F0F0F0F0FL;
        s = Long.reverseBytes(s);
        // '0' + d, and 39 more from 10 on (to 'a'): d + 6 reaches bit 4 exactly then
        return s + '0' * ONES + (((s + 6 * ONES) >>> 4) & ONES) * 39;
    }

    /** Eight ASCII characters from {@code i} as the bytes of a long, the first in the lowest. */
    private static long eight(String s, int i) {
        return s.charAt(i) | (long) s.charAt(i + 1) << 8 | (long) s.charAt(i + 2) << 16
                | (long) s.charAt(i + 3) << 24 | (long) s.charAt(i + 4) << 32 | (long) s.charAt(i + 5) << 40
                | (long) s.charAt(i + 6) << 48 | (long) s.charAt(i + 7) << 56;
    }

    /** Per byte (each below 0x80), the high bit when it is at least {@code c}. */
    private static long atLeast(long x, int c) {
        return (x + (0x80 - c) * ONES) & HIGH_BITS;
    }

    /** Whether all eight bytes (each below 0x80) are 0-9 or a-f. */
    private static boolean hexBytes(long x) {
        long digit = atLeast(x, '0') & ~atLeast(x, '9' + 1);
        long letter = atLeast(x, 'a') & ~atLeast(x, 'f' + 1);
        return (digit | letter) == HIGH_BITS;
    }

    /** Eight hex digits (as {@link #hexBytes} accepts) as a 32-bit value, the first digit the highest. */
    private static long nibbles(long x) {
        // '0'-'9' have bit 6 clear and their value in the low four bits; 'a'-'f' have it set and value - 9 there
        long v = (x & 0x0F0F0F0F0F0F0F0FL) + 9 * ((x >>> 6) & ONES);
        long pairs = ((v << 4) | (v >>> 8)) & 0x00FF00FF00FF00FFL;
        long quads = ((pairs << 8) | (pairs >>> 16)) & 0x0000FFFF0000FFFFL;
        return ((quads << 16) | (quads >>> 32)) & 0xFFFFFFFFL;
    }

    /**
     * Any form Rust's {@code uuid} crate parses, as Relay reads an {@code event_id}: 32 hex digits, the hyphenated
     * form, either in braces, or behind {@code urn:uuid:}; hex in either case. Answers the 32 lowercase hex digits
     * (the nil UUID included), or null.
     */
    public static String parseAnyForm(String text) {
        String s = text;
        if (s.length() == 45 && s.regionMatches(true, 0, "urn:uuid:", 0, 9)) {
            s = s.substring(9);
        } else if (s.length() == 38 && s.charAt(0) == '{' && s.charAt(37) == '}') {
            s = s.substring(1, 37);
        }
        if (s.length() == 36) {
            if (s.charAt(8) != '-' || s.charAt(13) != '-' || s.charAt(18) != '-' || s.charAt(23) != '-') {
                return null;
            }
            s = s.substring(0, 8) + s.substring(9, 13) + s.substring(14, 18) + s.substring(19, 23) + s.substring(24);
        }
        if (s.length() != 32) {
            return null;
        }
        char[] out = new char[32];
        for (int i = 0; i < 32; i++) {
            char c = s.charAt(i);
            int d = c < 128 ? Character.digit(c, 16) : -1;
            if (d < 0) {
                return null;
            }
            out[i] = Character.forDigit(d, 16);
        }
        return new String(out);
    }
}
