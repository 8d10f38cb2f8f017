package io.replaylink.ingest;

import io.vertx.core.http.HttpServerRequest;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The HTTP headers passed on upstream with an envelope, as Relay passes them: {@code X-Sentry-Auth} (the client's,
 * its {@code Authorization: Sentry ...}, or one built from the key that authenticated the request), {@code
 * X-Forwarded-For} with the client's address appended, and {@code User-Agent}.
 */
final class ForwardHeaders {
    private ForwardHeaders() {
    }

    static Map<String, String> of(HttpServerRequest http, String publicKey) {
        Map<String, String> headers = new LinkedHashMap<>();
        String sentryAuth = http.getHeader(HeaderNames.X_SENTRY_AUTH);
        if (sentryAuth == null) {
            String authorization = http.getHeader(HeaderNames.AUTHORIZATION);
            sentryAuth = authorization != null && authorization.regionMatches(true, 0, "sentry ", 0, 7)
                    ? authorization
                    : "Sentry sentry_key=" + publicKey + ", sentry_version=" + SentryAuth.PROTOCOL_VERSION;
        }
        headers.put("X-Sentry-Auth", sentryAuth);
        String client = http.remoteAddress() == null ? null : http.remoteAddress().hostAddress();
        String forwardedFor = http.getHeader(HeaderNames.X_FORWARDED_FOR);
        if (client != null) {
            forwardedFor = forwardedFor == null || forwardedFor.isBlank() ? client : forwardedFor + ", " + client;
        }
        if (forwardedFor != null) {
            headers.put("X-Forwarded-For", forwardedFor);
        }
        String userAgent = http.getHeader(HeaderNames.USER_AGENT);
        if (userAgent != null) {
            headers.put("User-Agent", userAgent);
        }
        return headers;
    }
}
