package io.replaylink.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real HTTP server standing in for Relay/Sentry upstream (in the spirit of Relay's {@code mini_sentry}): records
 * every request and answers as scripted (200 {} by default).
 */
public final class CapturingUpstream implements AutoCloseable {
    /** A request as received, and the status it was answered with. */
    public record Captured(String method, String uri, MultiMap headers, byte[] body, int status) {
        public String header(String name) {
            return headers.get(name);
        }
    }

    public record Answer(int status, String body, long delayMs, MultiMap headers) {
        public static Answer ok() {
            return new Answer(200, "{}", 0, MultiMap.caseInsensitiveMultiMap());
        }

        public static Answer status(int status) {
            return new Answer(status, "{\"detail\":\"scripted " + status + "\"}", 0, MultiMap.caseInsensitiveMultiMap());
        }

        public Answer withHeader(String name, String value) {
            MultiMap h = MultiMap.caseInsensitiveMultiMap().addAll(headers).add(name, value);
            return new Answer(status, body, delayMs, h);
        }

        public Answer delayed(long ms) {
            return new Answer(status, body, ms, headers);
        }
    }

    private final LinkedBlockingQueue<Captured> received = new LinkedBlockingQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private final Vertx vertx;
    private final HttpServer server;
    private volatile Function<Captured, Answer> responder = c -> Answer.ok();
    private final boolean ownsVertx;

    private CapturingUpstream(Vertx vertx, HttpServer server, boolean ownsVertx) {
        this.vertx = vertx;
        this.server = server;
        this.ownsVertx = ownsVertx;
    }

    /** An upstream on a Vert.x runtime of its own, closed with it. */
    public static CapturingUpstream start() {
        return start(Vertx.vertx(), true);
    }

    public static CapturingUpstream start(Vertx vertx) {
        return start(vertx, false);
    }

    private static CapturingUpstream start(Vertx vertx, boolean ownsVertx) {
        CapturingUpstream[] self = new CapturingUpstream[1];
        HttpServer server = vertx.createHttpServer();
        self[0] = new CapturingUpstream(vertx, server, ownsVertx);
        server.requestHandler(req -> self[0].handle(req));
        server.listen(0, "127.0.0.1").await();
        return self[0];
    }

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(body -> {
            Captured asked = new Captured(req.method().name(), req.uri(),
                    MultiMap.caseInsensitiveMultiMap().addAll(req.headers()), body.getBytes(), 0);
            Answer a = responder.apply(asked);
            count.incrementAndGet();
            received.add(new Captured(asked.method(), asked.uri(), asked.headers(), asked.body(), a.status()));
            Runnable reply = () -> {
                req.response().headers().addAll(a.headers());
                req.response().setStatusCode(a.status()).end(a.body());
            };
            if (a.delayMs() > 0) {
                vertx.setTimer(a.delayMs(), t -> reply.run());
            } else {
                reply.run();
            }
        });
    }

    public void respondWith(Function<Captured, Answer> responder) {
        this.responder = responder;
    }

    public String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    public int requestCount() {
        return count.get();
    }

    /** The next request, waiting up to {@code seconds}; fails the test when none came. */
    public Captured take(long seconds) throws InterruptedException {
        Captured c = received.poll(seconds, TimeUnit.SECONDS);
        if (c == null) {
            throw new AssertionError("the upstream received nothing within " + seconds + " s");
        }
        return c;
    }

    public List<Captured> drain() {
        List<Captured> out = new ArrayList<>();
        received.drainTo(out);
        return out;
    }

    @Override
    public void close() {
        server.close().await();
        if (ownsVertx) {
            vertx.close().await();
        }
    }
}
