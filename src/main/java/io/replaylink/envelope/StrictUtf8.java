package io.replaylink.envelope;

/**
 * Strict UTF-8 (RFC 3629), as Rust's {@code str::from_utf8} and serde_json check it: no overlong forms, no encoded
 * surrogates, nothing above U+10FFFF. jackson's byte parser checks only the shape of multi-byte sequences, so header
 * bytes are checked here as well.
 */
public final class StrictUtf8 {
    private StrictUtf8() {
    }

    /** The offset of the first byte that starts an invalid sequence, or -1 when {@code bytes[from, to)} is valid. */
    static int firstInvalid(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to) {
            if (bytes[i] >= 0) {
                i++;
                continue;
            }
            int next = sequenceEnd(bytes, i, to);
            if (next < 0) {
                return i;
            }
            i = next;
        }
        return -1;
    }

    /**
     * Where the multi-byte sequence that starts at {@code i} (a byte of 0x80 or more) ends, or -1 when it is not
     * valid within {@code bytes[i, to)}: a continuation byte, C0/C1 (always overlong) or F5..FF first, too few bytes,
     * an overlong form, a surrogate, or above U+10FFFF.
     */
    public static int sequenceEnd(byte[] bytes, int i, int to) {
        int b = bytes[i] & 0xff;
        int need;
        int min;
        if (b >= 0xc2 && b <= 0xdf) {
            need = 1;
            min = 0x80;
        } else if (b >= 0xe0 && b <= 0xef) {
            need = 2;
            min = 0x800;
        } else if (b >= 0xf0 && b <= 0xf4) {
            need = 3;
            min = 0x10000;
        } else {
            return -1;
        }
        if (i + need >= to) {
            return -1;
        }
        int cp = b & (0x3f >> need);
        for (int k = 1; k <= need; k++) {
            int c = bytes[i + k] & 0xff;
            if ((c & 0xc0) != 0x80) {
                return -1;
            }
            cp = cp << 6 | c & 0x3f;
        }
        if (cp < min || cp > 0x10ffff || cp >= 0xd800 && cp <= 0xdfff) {
            return -1;
        }
        return i + need + 1;
    }
}
