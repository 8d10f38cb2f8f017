package io.replaylink.ingest;

/**
 * Whole numbers as protocols write them: ASCII digits only. {@code Long.parseLong} also takes a sign and the digits
 * of other scripts ({@code U+0661} is 1), which no HTTP header, path or DSN carries.
 */
final class AsciiNumbers {
    private AsciiNumbers() {
    }

    /** The value of 1 to 18 ASCII digits, or -1 for anything else. */
    static long parse(String s) {
        if (s == null || s.isEmpty() || s.length() > 18) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
