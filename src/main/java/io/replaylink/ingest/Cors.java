package io.replaylink.ingest;

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

    private Cors() {
    }

    /** Headers every ingest answer carries. */
    static void decorate(HttpServerResponse response) {
        response.putHeader("Access-Control-Allow-Origin", "*");
        response.putHeader("Access-Control-Expose-Headers", EXPOSE_HEADERS);
        response.putHeader("Vary", "origin, access-control-request-method, access-control-request-headers");
        response.putHeader("Cross-Origin-Resource-Policy", "cross-origin");
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
