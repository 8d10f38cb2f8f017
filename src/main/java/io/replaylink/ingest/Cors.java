package io.replaylink.ingest;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * CORS as Relay answers it on its ingest routes ({@code middlewares/cors.rs}): any origin, POST, the headers SDKs
 * send, and the rate-limit headers exposed so that a browser SDK can read them. Without these a browser treats
 * every send as failed.
 */
final class Cors {
    static final String ALLOW_HEADERS = "x-sentry-auth,x-requested-with,x-forwarded-for,origin,referer,accept,"
            + "content-type,authentication,authorization,content-encoding,transfer-encoding";
    static final String EXPOSE_HEADERS = "x-sentry-error,x-sentry-rate-limits,retry-after";

    // every answer carries these: names and values as Netty's AsciiStrings, hashed and encoded once
    private static final CharSequence ALLOW_ORIGIN = HttpHeaders.createOptimized("Access-Control-Allow-Origin");
    private static final CharSequence ANY = HttpHeaders.createOptimized("*");
    private static final CharSequence EXPOSE = HttpHeaders.createOptimized("Access-Control-Expose-Headers");
    private static final CharSequence EXPOSED = HttpHeaders.createOptimized(EXPOSE_HEADERS);
    private static final CharSequence VARY = HttpHeaders.createOptimized("Vary");
    private static final CharSequence VARY_ON = HttpHeaders.createOptimized(
            "origin, access-control-request-method, access-control-request-headers");
    private static final CharSequence RESOURCE_POLICY = HttpHeaders.createOptimized("Cross-Origin-Resource-Policy");
    private static final CharSequence CROSS_ORIGIN = HttpHeaders.createOptimized("cross-origin");

    private Cors() {
    }

    /** Headers every ingest answer carries. */
    static void decorate(HttpServerResponse response) {
        response.putHeader(ALLOW_ORIGIN, ANY);
        response.putHeader(EXPOSE, EXPOSED);
        response.putHeader(VARY, VARY_ON);
        response.putHeader(RESOURCE_POLICY, CROSS_ORIGIN);
    }

    /** The answer to an {@code OPTIONS} preflight. */
    static void preflight(HttpServerResponse response) {
        decorate(response);
        response.putHeader("Access-Control-Allow-Methods", "POST");
        response.putHeader("Access-Control-Allow-Headers", ALLOW_HEADERS);
        response.putHeader("Access-Control-Max-Age", "3600");
        response.setStatusCode(200).end();
    }
}
