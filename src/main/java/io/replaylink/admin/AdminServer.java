package io.replaylink.admin;

import io.replaylink.config.ReplayLinkConfig;
import io.replaylink.why.WhyAnswers;
import io.replaylink.why.WhyService;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The admin listener ({@code admin:} in the config): its own address, loopback by default, never the ingest port.
 * <ul>
 *   <li>{@code GET /api/v1/events/{event_id}?org=N}: what became of the event (linked: to what, by which path, when;
 *       not: why) and a sentence saying so;</li>
 *   <li>{@code GET /api/v1/traces/{trace_id}?org=N}: the trace's replay (how and when it was learned, by which
 *       instance), the events waiting for it, the links made and the events left unlinked;</li>
 *   <li>{@code GET /status} and {@code GET /api/v1/status}: the live status page and its data.</li>
 * </ul>
 * {@code org} defaults to 0 (a config that names no organisation). With {@code admin.token} every request but the
 * page itself needs {@code Authorization: Bearer <token>} (401 otherwise); the page's script sends the token it finds
 * in the URL's fragment ({@code /status#token=...}). Each index read is bounded by {@link #TIMEOUT_MS}: 503 then.
 */
public final class AdminServer {
    static final long TIMEOUT_MS = 2_000;

    private final Vertx vertx;
    private final ReplayLinkConfig.Admin config;
    private final WhyService why;
    private final StatusPage status;
    private HttpServer server;

    public AdminServer(Vertx vertx, ReplayLinkConfig.Admin config, WhyService why, StatusPage status) {
        this.vertx = vertx;
        this.config = config;
        this.why = why;
        this.status = status;
    }

    /** Listens; the future holds the actual port. */
    public Future<Integer> start() {
        server = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port())
                .setIdleTimeout(60).setIdleTimeoutUnit(TimeUnit.SECONDS).setMaxInitialLineLength(4096)
                .setMaxHeaderSize(16 * 1024)).requestHandler(this::route);
        return server.listen().map(HttpServer::actualPort);
    }

    public Future<Void> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    private void route(HttpServerRequest request) {
        boolean page = request.path().equals("/status") || request.path().equals("/status/");
        // the page itself holds no data (a browser cannot send a header with a typed URL): its script sends the
        // token, taken from the URL's fragment (/status#token=...), which the browser never sends to the server
        if (!page && !authorised(request)) {
            reply(request, 401, "application/json", "{\"detail\":\"admin.token is set: send Authorization: Bearer "
                    + "<token>\"}");
            return;
        }
        if (request.method() != HttpMethod.GET) {
            reply(request, 405, "application/json", "{\"detail\":\"only GET\"}");
            return;
        }
        String path = request.path();
        long org;
        try {
            String o = request.getParam("org");
            org = o == null || o.isEmpty() ? 0 : Long.parseLong(o);
        } catch (NumberFormatException e) {
            reply(request, 400, "application/json", "{\"detail\":\"org must be an organisation id (a number)\"}");
            return;
        }
        if (path.startsWith("/api/v1/events/")) {
            answer(request, why.event(org, path.substring("/api/v1/events/".length())),
                    a -> WhyAnswers.event(a, System.currentTimeMillis()), a -> a.known() ? 200 : 404);
        } else if (path.startsWith("/api/v1/traces/")) {
            answer(request, why.trace(org, path.substring("/api/v1/traces/".length())),
                    t -> WhyAnswers.trace(t, why, System.currentTimeMillis()), t -> 200);
        } else if (path.equals("/api/v1/status")) {
            // reading every metric (the JVM's through JMX) is work for a worker, not the event loop
            vertx.executeBlocking(status::json, false).onComplete(ar -> {
                if (ar.succeeded()) {
                    reply(request, 200, "application/json", ar.result());
                } else {
                    reply(request, 500, "application/json", "{\"detail\":" + io.replaylink.why.LinkNote.quoted(String.valueOf(ar.cause())) + "}");
                }
            });
        } else if (path.equals("/status") || path.equals("/status/")) {
            reply(request, 200, "text/html; charset=utf-8", StatusPage.HTML);
        } else {
            reply(request, 404, "application/json", "{\"detail\":\"not found; try /status, /api/v1/events/{event_id}"
                    + " or /api/v1/traces/{trace_id}\"}");
        }
    }

    private <T> void answer(HttpServerRequest request, CompletionStage<T> pending, Function<T, String> body,
                            Function<T, Integer> status) {
        Promise<T> answered = Promise.promise();
        pending.whenComplete((value, error) -> {
            if (error == null) {
                answered.tryComplete(value);
            } else {
                answered.tryFail(error instanceof java.util.concurrent.CompletionException ? error.getCause() : error);
            }
        });
        answered.future().timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS).onComplete(ar -> {
            if (ar.succeeded()) {
                reply(request, status.apply(ar.result()), "application/json", body.apply(ar.result()));
            } else if (ar.cause() instanceof IllegalArgumentException bad) {
                reply(request, 400, "application/json", "{\"detail\":" + io.replaylink.why.LinkNote.quoted(bad.getMessage()) + "}");
            } else {
                request.response().putHeader("Retry-After", "5");
                reply(request, 503, "application/json", "{\"detail\":" + io.replaylink.why.LinkNote.quoted("the replay index did not answer: "
                        + ar.cause()) + "}");
            }
        });
    }

    private boolean authorised(HttpServerRequest request) {
        if (config.token().isEmpty()) {
            return true;
        }
        String header = request.getHeader("Authorization");
        byte[] expected = ("Bearer " + config.token()).getBytes(StandardCharsets.UTF_8);
        return header != null && MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8));
    }

    private static void reply(HttpServerRequest request, int status, String type, String body) {
        if (request.response().ended()) {
            return;
        }
        request.response().setStatusCode(status).putHeader("Content-Type", type)
                .putHeader("Cache-Control", "no-store").end(body);
    }
}
