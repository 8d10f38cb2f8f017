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
