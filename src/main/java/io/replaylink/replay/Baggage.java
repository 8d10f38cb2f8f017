package io.replaylink.replay;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * W3C {@code baggage} as Sentry SDKs read it: comma-separated {@code key=value} members with optional {@code
 * ;properties}, percent-encoded, at most {@link #MAX_CHARS} characters and {@link #MAX_MEMBERS} members (what
 * lies beyond is ignored, as the SDKs do).
 */
public final class Baggage {
    public static final int MAX_CHARS = 8192;
    public static final int MAX_MEMBERS = 64;

    private Baggage() {
    }

    /** The value of {@code key} (e.g. {@code sentry-replay_id}), decoded. */
    public static Optional<String> value(String header, String key) {
        if (header == null || header.isEmpty()) {
            return Optional.empty();
        }
        String text = header.length() > MAX_CHARS ? header.substring(0, MAX_CHARS) : header;
        int members = 0;
        int start = 0;
        while (start <= text.length() && members < MAX_MEMBERS) {
            int comma = text.indexOf(',', start);
            int end = comma < 0 ? text.length() : comma;
            String member = text.substring(start, end);
            int semicolon = member.indexOf(';');
            if (semicolon >= 0) {
                member = member.substring(0, semicolon);
            }
            int eq = member.indexOf('=');
            if (eq > 0) {
                members++;
                if (decode(member.substring(0, eq).trim()).equals(key)) {
                    return Optional.of(decode(member.substring(eq + 1).trim()));
                }
            }
            if (comma < 0) {
                break;
            }
            start = comma + 1;
        }
        return Optional.empty();
    }

    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
