package io.replaylink.ingest;

/** Event ids as Sentry writes them: 32 lowercase hex; the dashed UUID form is accepted on input. */
final class EventIds {
    private EventIds() {
    }

    /** The id as 32 lowercase hex, or null when it is not a UUID in either form. */
    static String normalize(String id) {
        if (id == null) {
            return null;
        }
        String s = id.length() == 36 && id.charAt(8) == '-' && id.charAt(13) == '-' && id.charAt(18) == '-'
                && id.charAt(23) == '-' ? id.replace("-", "") : id;
        if (s.length() != 32) {
            return null;
        }
        StringBuilder out = new StringBuilder(32);
        for (int i = 0; i < 32; i++) {
            char c = s.charAt(i);
            if (Character.digit(c, 16) < 0) {
                return null;
            }
            out.append(Character.toLowerCase(c));
        }
        return out.toString();
    }
}
