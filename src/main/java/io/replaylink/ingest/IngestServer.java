package io.replaylink.ingest;

import io.replaylink.config.ReplayLinkConfig;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.forward.Delivery;
import io.replaylink.loop.TurnFlushes;
import io.replaylink.metrics.Metrics;
import io.replaylink.plugin.ProcessorChain;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The HTTP server: routes Relay's paths to the ingest endpoint, answers CORS preflights, health checks and
 * {@code /metrics}. Paths are matched as Relay matches them: repeated slashes collapse and the trailing slash is
 * optional.
 */
public final class IngestServer {
    private static final Pattern SLASHES = Pattern.compile("/{2,}");

    private final Vertx vertx;
    private final Context context;
    private final ReplayLinkConfig config;
    private final Metrics metrics;
    private final IngestEndpoint endpoint;
    private volatile HttpServer server;
    private volatile boolean draining;
    private volatile boolean strictDecoderMissing;
    /** Measures the thread that serves the requests (the ingest loop) and refuses new ones when it is overloaded. */
    private volatile LoadShedder shedder;
    private static final System.Logger LOG = System.getLogger(IngestServer.class.getName());
    /** Connections open now (every connection is on the ingest loop, but closes may be reported elsewhere). */
    private final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();

    public IngestServer(Vertx vertx, Context context, ReplayLinkConfig config, EnvelopeParser parser,
                        ProcessorChain processors, Delivery delivery, Metrics metrics) {
        this.vertx = vertx;
        this.context = context;
        this.config = config;
        this.metrics = metrics;
        this.endpoint = new IngestEndpoint(vertx, config, parser, processors, delivery, metrics,
                new InflightBudget(config.server().maxInflightBodyBytes(), metrics));
    }

    /** Starts listening; the future holds the actual port (useful with port 0). */
    public Future<Integer> start() {
        HttpServerOptions options = new HttpServerOptions()
                .setHost(config.server().host())
                .setPort(config.server().port())
                .setDecompressionSupported(false)
                .setCompressionSupported(false)
                .setIdleTimeout(75).setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setHandle100ContinueAutomatically(false)
                // h2c off by default: SDKs speak HTTP/1.1 here, and the pipeline is then complete when a connection
                // is admitted, so the strict decoder can take the place of Vert.x's before the first byte is read
                .setHttp2ClearTextEnabled(config.server().h2c())
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(64 * 1024);
        // listening from the context puts every connection on its event loop
        Promise<Integer> port = Promise.promise();
        context.runOnContext(v -> {
            shedder = LoadShedder.forServingThread(config.server().shedAboveCpu());
            vertx.setPeriodic(LoadShedder.WINDOW_MS, id -> {
                shedder.sample();
                metrics.ingestLoop(shedder.busy(), shedder.share());
            });
            server = vertx.createHttpServer(options).requestHandler(this::route)
                    .invalidRequestHandler(this::invalid)
                    .connectionHandler(c -> admit(c, options));
            server.listen().map(HttpServer::actualPort).onComplete(port);
        });
        return port.future();
    }

    /**
     * Bounds open connections ({@code server.max_connections}): one beyond the bound is closed at once, counted, so
     * that idle or slow clients cannot take every file descriptor from the ones being served.
     */
    private void admit(io.vertx.core.http.HttpConnection connection, HttpServerOptions options) {
        if (connections.incrementAndGet() > config.server().maxConnections()) {
            connections.decrementAndGet();
            metrics.connectionRejected();
            connection.close();
            return;
        }
        connection.closeHandler(v -> connections.decrementAndGet());
        // the answers one turn writes leave together (the upstream's answers to several envelopes come in one read)
        TurnFlushes.install(connection);
        if (!config.server().h2c() && !StrictRequestDecoder.install(connection, options) && !strictDecoderMissing) {
            strictDecoderMissing = true;
            LOG.log(System.Logger.Level.WARNING, "the strict HTTP decoder could not be installed: Content-Length with Transfer-Encoding and"
                    + " malformed chunk sizes are handled as Vert.x handles them");
        }
    }

    /**
     * A request the HTTP decoder refused before its body: a bad request line or header, too long a line or header
     * block, or {@code Content-Length} together with {@code Transfer-Encoding}. Answered as Relay answers, with a
     * reason, and the connection is closed (what follows on it cannot be trusted to be a request).
     */
    private void invalid(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        int status;
        String detail;
        if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
            status = 414;
            detail = "request line too long";
        } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
            status = 431;
            detail = "request headers too large";
        } else if (cause instanceof StrictRequestDecoder.AmbiguousLength a) {
            status = 400;
            detail = a.getMessage();
        } else {
            status = 400;
            detail = "malformed HTTP request";
        }
        metrics.request("http", "rejected", status == 400 ? "http_protocol" : "http_too_large", System.nanoTime());
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .putHeader("Connection", "close").end(HttpAnswers.detailJson(detail))
                .onComplete(v -> request.connection().close());
    }

    /** Stops taking requests, lets in-flight ones finish within the timeout. */
    public Future<Void> shutdown(Duration timeout) {
        draining = true;
        return server == null ? Future.succeededFuture()
                : server.shutdown(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void route(HttpServerRequest request) {
        String raw = request.path();
        String path = raw.contains("//") ? SLASHES.matcher(raw).replaceAll("/") : raw;
        if (path.startsWith("/api/") && request.method() == HttpMethod.OPTIONS) {
            Cors.preflight(request.response());
            return;
        }
        IngestRoute m = IngestRoute.of(path);
        if (m != null) {
            Cors.decorate(request.response());
            if (request.method() != HttpMethod.POST) {
                reply(request, 405, "{\"detail\":\"method not allowed: use POST\"}");
                return;
            }
            if (draining) {
                HttpAnswers.send(request.response(),
                        new IngestError.Unavailable("shutting down", Duration.ofSeconds(5), "shutdown"));
                return;
            }
            LoadShedder shedder = this.shedder;
            if (shedder != null) {
                shedder.serving();
            }
            if (shedder != null && shedder.shed()) {
                // the loop has no time left: refused before the body is read, so the requests taken keep their
                // latency and this one comes back later (never left to time out in a socket buffer)
                metrics.request(m.kind().label, "rejected", "overload", System.nanoTime());
                HttpAnswers.send(request.response(), new IngestError.Unavailable(
                        "the sidecar is overloaded, retry later", Duration.ofSeconds(1), "overload"));
                return;
            }
            endpoint.handle(request, m.kind(), m.project());
            return;
        }
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            reply(request, 404, "{\"detail\":\"not found\"}");
            return;
        }
        switch (path) {
            case "/api/relay/healthcheck/live", "/api/relay/healthcheck/live/", "/api/0/relays/live/" ->
                    reply(request, 200, "{\"is_healthy\":true}");
            case "/api/relay/healthcheck/ready", "/api/relay/healthcheck/ready/" ->
                    reply(request, draining ? 503 : 200, "{\"is_healthy\":" + !draining + "}");
            case "/metrics" -> request.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(Buffer.buffer(metrics.scrape()));
            default -> reply(request, 404, "{\"detail\":\"not found\"}");
        }
    }

    private static void reply(HttpServerRequest request, int status, String json) {
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(json);
    }
}
