package io.replaylink.ingest;

import io.vertx.core.http.HttpHeaders;

/**
 * The request headers every ingest request is asked for, as Netty AsciiStrings: their case-insensitive hash is
 * computed once, not on every lookup (a String name is hashed again each time).
 */
final class HeaderNames {
    static final CharSequence X_SENTRY_AUTH = HttpHeaders.createOptimized("X-Sentry-Auth");
    static final CharSequence AUTHORIZATION = HttpHeaders.AUTHORIZATION;
    static final CharSequence X_FORWARDED_FOR = HttpHeaders.createOptimized("X-Forwarded-For");
    static final CharSequence USER_AGENT = HttpHeaders.USER_AGENT;
    static final CharSequence CONTENT_TYPE = HttpHeaders.CONTENT_TYPE;
    static final CharSequence CONTENT_ENCODING = HttpHeaders.CONTENT_ENCODING;
    static final CharSequence CONTENT_LENGTH = HttpHeaders.CONTENT_LENGTH;
    static final CharSequence EXPECT = HttpHeaders.EXPECT;
    static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

    private HeaderNames() {
    }
}
