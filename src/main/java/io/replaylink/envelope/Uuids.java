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
}
