package io.replaylink.envelope;

import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What Relay's typed header fields accept ({@code EnvelopeHeaders} and {@code ItemHeaders} in
 * {@code relay-server/src/envelope}, read with serde): a field of the wrong type, or a value its type cannot hold, is a
 * malformed header (400), as a serde error is in Relay. Unknown fields may hold any value except a bare {@code null}
 * (Relay keeps them as {@code Value}, which has no null). Each check answers the reason, or null when the header is
 * well typed.
 */
final class HeaderTypes {
    /** The envelope header's typed fields: a second occurrence of one of these is a duplicate-field error. */
    static final Set<String> ENVELOPE_FIELDS = Set.of("event_id", "dsn", "client", "version", "origin", "remote_addr",
            "forwarded_for", "user_agent", "client_hints", "no_cache", "retention", "downsampled_retention", "sent_at",
            "trace", "required_features");
    /** The item header's typed fields. */
    static final Set<String> ITEM_FIELDS = Set.of("type", "length", "item_count", "meta_length", "attachment_type",
            "content_type", "filename", "platform", "routing_hint", "metrics_extracted", "spans_extracted",
            "fully_normalized", "sampled");

    private static final long U16 = 65_535;
    private static final long U32 = 4_294_967_295L;
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    private HeaderTypes() {
    }

    static String envelopeHeader(Map<String, Object> fields) {
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            String problem = envelopeField(e.getKey(), e.getValue());
            if (problem != null) {
                return "field `" + e.getKey() + "`: " + problem;
            }
        }
        return null;
    }

    static String itemHeader(Map<String, Object> fields) {
        if (!fields.containsKey("type")) {
            return "missing field `type`";
        }
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            String problem = itemField(e.getKey(), e.getValue());
            if (problem != null) {
                return "field `" + e.getKey() + "`: " + problem;
            }
        }
        return null;
    }

    private static String envelopeField(String name, Object v) {
        return switch (name) {
            case "event_id" -> v == null || v instanceof String s && Uuids.parseAnyForm(s) != null ? null
                    : "expected an event identifier (a UUID), got " + describe(v);
            case "dsn" -> null; // checked with the request's credentials: without any, a bad dsn is a 401 (auth)
            case "client", "user_agent" -> nullOr(v, String.class, "a string");
            case "forwarded_for" -> v instanceof String ? null : "expected a string, got " + describe(v);
            case "version" -> whole(v, U16, false);
            case "retention", "downsampled_retention" -> whole(v, U16, true);
            case "no_cache" -> v instanceof Boolean ? null : "expected a boolean, got " + describe(v);
            case "origin" -> v == null ? null : v instanceof String s ? url(s) : "expected a URL string, got " + describe(v);
            case "remote_addr" -> v == null || v instanceof String s && ipAddress(s) ? null
                    : "expected an IP address, got " + describe(v);
            case "sent_at" -> v == null || v instanceof String s && rfc3339(s) ? null
                    : "expected an RFC 3339 formatted date and time string, got " + describe(v);
            case "client_hints" -> clientHints(v);
            case "required_features" -> v instanceof List<?> l && l.stream().allMatch(f -> f instanceof String) ? null
                    : "expected a list of feature names, got " + describe(v);
            case "trace" -> null; // Relay keeps a malformed DSC aside and ignores it
            case "sdk" -> v instanceof Map<?, ?> m ? sdk(m) : "expected an SDK object, got " + describe(v);
            default -> v == null ? "invalid type: null, expected any valid JSON value" : null;
        };
    }

    private static String itemField(String name, Object v) {
        return switch (name) {
            case "type" -> v instanceof String ? null
                    : "expected an envelope item type (see sentry develop docs), got " + describe(v);
            case "length", "item_count", "meta_length" -> whole(v, U32, true);
            case "attachment_type", "content_type", "filename", "platform" -> nullOr(v, String.class, "a string");
            case "routing_hint" -> v == null || v instanceof String s && Uuids.parseAnyForm(s) != null ? null
                    : "expected a UUID, got " + describe(v);
            case "metrics_extracted", "spans_extracted", "fully_normalized", "sampled" ->
                    v instanceof Boolean ? null : "expected a boolean, got " + describe(v);
            default -> v == null ? "invalid type: null, expected any valid JSON value" : null;
        };
    }

    private static String nullOr(Object v, Class<?> type, String what) {
        return v == null || type.isInstance(v) ? null : "expected " + what + ", got " + describe(v);
    }

    /** A whole number from 0 to {@code max} (serde's u16/u32: no fraction, no sign, no string). */
    private static String whole(Object v, long max, boolean nullable) {
        if (v == null) {
            return nullable ? null : "expected a whole number, got null";
        }
        if (v instanceof Long l) {
            return l >= 0 && l <= max ? null : "number " + l + " out of range 0.." + max;
        }
        if (v instanceof BigInteger) {
            return "number " + v + " out of range 0.." + max;
        }
        return "expected a whole number from 0 to " + max + ", got " + describe(v);
    }

    private static String sdk(Map<?, ?> sdk) {
        for (String key : new String[] {"name", "version"}) {
            Object v = sdk.get(key);
            if (v != null && !(v instanceof String)) {
                return "sdk." + key + ": expected a string, got " + describe(v);
            }
        }
        return null;
    }

    private static String clientHints(Object v) {
        if (!(v instanceof Map<?, ?> m)) {
            return "expected an object, got " + describe(v);
        }
        for (String key : new String[] {"sec_ch_ua_platform", "sec_ch_ua_platform_version", "sec_ch_ua",
                "sec_ch_ua_model"}) {
            Object hint = m.get(key);
            if (hint != null && !(hint instanceof String)) {
                return key + ": expected a string, got " + describe(hint);
            }
        }
        return null;
    }

    /**
     * A DSN as Relay's {@code PartialDsn} takes it: an http(s) URL whose user is a public key of 32 ASCII characters
     * and whose last path segment is a numeric project id.
     */
    static String dsn(String text) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            return "no valid url provided";
        }
        String scheme = uri.getScheme();
        if (scheme == null || uri.getHost() == null) {
            return "no valid url provided";
        }
        if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
            return "no valid scheme";
        }
        String user = uri.getRawUserInfo();
        String key = user == null ? "" : user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
        if (key.isEmpty() || key.length() != 32 || !key.chars().allMatch(c -> c < 128)) {
            return "username is empty";
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String project = path.substring(path.lastIndexOf('/') + 1);
        if (project.isEmpty() || project.length() > 20 || !project.chars().allMatch(c -> c >= '0' && c <= '9')
                || new BigInteger(project).bitLength() > 64) {
            return "empty path";
        }
        return null;
    }

    private static String url(String text) {
        try {
            URI uri = new URI(text);
            return uri.isAbsolute() ? null : "relative URL without a base";
        } catch (URISyntaxException e) {
            return "invalid URL";
        }
    }

    static boolean rfc3339(String text) {
        return Rfc3339.valid(text);
    }

    /** An IPv4 or IPv6 literal as Rust's {@code IpAddr} parses it (no host names, no zone). */
    static boolean ipAddress(String text) {
        if (IPV4.matcher(text).matches()) {
            return true;
        }
        if (!text.contains(":") || !IPV6_CHARS.matcher(text).matches()) {
            return false;
        }
        try {
            // only hex digits, colons and dots: parsed as a literal, never looked up
            return java.net.InetAddress.getByName("[" + text + "]") instanceof java.net.Inet6Address
                    || text.contains(".");
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    static String describe(Object v) {
        if (v == null) {
            return "null";
        } else if (v instanceof String) {
            return "a string";
        } else if (v instanceof Boolean) {
            return "a boolean";
        } else if (v instanceof Number) {
            return "the number " + v;
        } else if (v instanceof Map) {
            return "an object";
        } else if (v instanceof List) {
            return "a list";
        }
        return v.getClass().getSimpleName();
    }
}
