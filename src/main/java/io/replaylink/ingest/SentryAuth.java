package io.replaylink.ingest;

import io.vertx.core.MultiMap;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * The credentials of an ingest request, read as Relay reads them ({@code extractors/request_meta.rs}): from {@code
 * X-Sentry-Auth}, {@code Authorization: Sentry ...} (or {@code Basic}), or the {@code sentry_key} query parameter.
 * Exactly one source may be present; a header that does not start with {@code Sentry } is ignored.
 *
 * @param publicKey  the project's public key (32 hex, lower case)
 * @param version    the protocol version the client speaks
 * @param client     the {@code sentry_client} value, when sent
 */
record SentryAuth(String publicKey, int version, String client) {
    static final int PROTOCOL_VERSION = 7;
    private static final CharSequence[] AUTH_HEADERS = {HeaderNames.X_SENTRY_AUTH, HeaderNames.AUTHORIZATION};

    /** The credentials of the request; empty when it carries none (the envelope's {@code dsn} may then serve). */
    static Optional<SentryAuth> fromRequest(MultiMap headers, String query) throws AuthException {
        SentryAuth found = null;
        for (CharSequence name : AUTH_HEADERS) {
            for (String value : headers.getAll(name)) {
                SentryAuth auth = fromHeader(value);
                if (auth != null) {
                    if (found != null) {
                        throw new AuthException(401, "multiple authorization payloads detected");
                    }
                    found = auth;
                }
            }
        }
        if (query != null && query.contains("sentry_")) {
            SentryAuth auth = fromQuery(query);
            if (auth != null) {
                if (found != null) {
                    throw new AuthException(401, "multiple authorization payloads detected");
                }
                found = auth;
            }
        }
        return Optional.ofNullable(found);
    }

    private static SentryAuth fromHeader(String value) throws AuthException {
        String v = value.trim();
        if (v.regionMatches(true, 0, "basic ", 0, 6)) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(v.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new AuthException(401, "bad x-sentry-auth header: invalid basic credentials");
            }
            int colon = decoded.indexOf(':');
            return new SentryAuth(checkKey(colon < 0 ? decoded : decoded.substring(0, colon)), PROTOCOL_VERSION, null);
        }
        if (v.length() < 7 || !v.regionMatches(true, 0, "sentry ", 0, 7)) {
            return null;
        }
        String key = null;
        String version = null;
        String client = null;
        for (String pair : v.substring(7).split(",")) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String name = pair.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String val = pair.substring(eq + 1).trim();
            switch (name) {
                case "sentry_key" -> key = val;
                case "sentry_version" -> version = val;
                case "sentry_client" -> client = val;
                default -> {
                }
            }
        }
        if (key == null || key.isEmpty()) {
            throw new AuthException(401, "bad x-sentry-auth header: missing public key in auth header");
        }
        return new SentryAuth(checkKey(key), parseVersion(version), client);
    }

    private static SentryAuth fromQuery(String query) throws AuthException {
        String key = null;
        String version = null;
        String client = null;
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String val = eq < 0 ? "" : decode(pair.substring(eq + 1));
            switch (name) {
                case "sentry_key" -> key = val;
                case "sentry_version" -> version = val;
                case "sentry_client" -> client = val;
                default -> {
                }
            }
        }
        if (key == null) {
            return null;
        }
        if (key.isEmpty()) {
            throw new AuthException(401, "bad x-sentry-auth header: missing public key in query string");
        }
        return new SentryAuth(checkKey(key), parseVersion(version), client);
    }

    /** DSNs read lately (an SDK sends the same one in every envelope): at most this many, each at most 256 chars. */
    private static final int DSN_CACHE_SIZE = 256;
    private static final java.util.concurrent.ConcurrentHashMap<String, Dsn> DSNS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** {@link #parseDsn}, remembering valid short DSNs (a URI parse per envelope was 2% of its CPU). */
    static Dsn parseDsnCached(String dsn) throws AuthException {
        Dsn known = DSNS.get(dsn);
        if (known != null) {
            return known;
        }
        Dsn parsed = parseDsn(dsn);
        if (dsn.length() <= 256) {
            if (DSNS.size() >= DSN_CACHE_SIZE) {
                DSNS.clear();
            }
            DSNS.put(dsn, parsed);
        }
        return parsed;
    }

    /** Reads the public key and project id from a DSN such as {@code https://KEY@host/path/42}. */
    static Dsn parseDsn(String dsn) throws AuthException {
        try {
            URI uri = new URI(dsn);
            String userInfo = uri.getRawUserInfo();
            String path = uri.getPath();
            if (userInfo == null || path == null || path.length() < 2) {
                throw new AuthException(401, "bad envelope authentication header: invalid dsn");
            }
            String key = userInfo.contains(":") ? userInfo.substring(0, userInfo.indexOf(':')) : userInfo;
            String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
            String projectId = trimmed.substring(trimmed.lastIndexOf('/') + 1);
            long id = AsciiNumbers.parse(projectId);
            if (id <= 0) {
                throw new AuthException(401, "bad envelope authentication header: invalid dsn");
            }
            return new Dsn(checkKey(key), id);
        } catch (URISyntaxException e) {
            throw new AuthException(401, "bad envelope authentication header: invalid dsn");
        }
    }

    record Dsn(String publicKey, long projectId) {
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    private static String checkKey(String key) throws AuthException {
        String k = key.trim();
        int dot = k.indexOf('.');
        if (dot >= 0) {
            k = k.substring(0, dot);
        }
        // ASCII hex only: Character.digit would take other scripts' digits (U+0661 ...) as hex
        if (k.length() != 32 || !k.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
                || c >= 'A' && c <= 'F')) {
            throw new AuthException(400, "bad sentry DSN public key");
        }
        return k.toLowerCase(Locale.ROOT);
    }

    private static int parseVersion(String version) throws AuthException {
        if (version == null || version.isEmpty()) {
            return PROTOCOL_VERSION;
        }
        String major = version.contains(".") ? version.substring(0, version.indexOf('.')) : version;
        long v = AsciiNumbers.parse(major.trim());
        if (v < 0) {
            throw new AuthException(401, "bad x-sentry-auth header: invalid value for version");
        }
        if (v > PROTOCOL_VERSION) {
            throw new AuthException(400, "unsupported protocol version (" + v + ")");
        }
        return (int) v;
    }

    /** An authentication failure with its HTTP status (400 or 401). */
    static final class AuthException extends Exception {
        final int status;

        AuthException(int status, String detail) {
            super(detail, null, false, false);
            this.status = status;
        }

        IngestError toError() {
            return status == 401 ? new IngestError.Unauthorized(getMessage())
                    : new IngestError.BadRequest(getMessage(), "auth");
        }
    }
}
