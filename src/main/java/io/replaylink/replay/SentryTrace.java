package io.replaylink.replay;

import io.replaylink.envelope.Uuids;

/** The {@code sentry-trace} header: {@code traceid-spanid[-sampled]}. */
public final class SentryTrace {
    private SentryTrace() {
    }

    /** The trace id (32 lowercase hex), or null when the header is not of that form. */
    public static String traceId(String header) {
        if (header == null) {
            return null;
        }
        String v = header.trim();
        int dash = v.indexOf('-');
        if (dash != 32) {
            return null;
        }
        String rest = v.substring(dash + 1);
        int second = rest.indexOf('-');
        String spanId = second < 0 ? rest : rest.substring(0, second);
        if (spanId.length() != 16 || !spanId.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return null;
        }
        return Uuids.normalize(v.substring(0, 32));
    }
}
