package io.replaylink.forward.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.replaylink.forward.ForwardedEnvelope;
import io.replaylink.loop.LoopDeadlines;
import io.replaylink.loop.TurnFlushes;
import io.replaylink.metrics.Metrics;
import io.replaylink.spi.EnvelopeSink;
import io.replaylink.spi.OutgoingEnvelope;
import io.replaylink.spi.SinkRejectedException;
import io.replaylink.spi.SinkUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.buffer.BufferInternal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

/**
 * Forwards envelopes to an upstream Relay or Sentry as Relay forwards them: {@code POST
 * {url}/api/{project}/envelope/} with the client's auth, {@code X-Forwarded-For} and user agent. Network errors,
 * timeouts and 5xx are retried with exponential backoff and full jitter within the delivery deadline; a 429 pauses
 * the project until its {@code Retry-After} and is passed to the client; other 4xx are final. At most {@code
 * max_in_flight} envelopes are held; beyond that the client is told to retry (503).
 */
final class HttpSink implements EnvelopeSink {
    /** The largest body the sink copies into a direct buffer of its own ({@link #wireCopy}). */
    static final int WIRE_COPY_MAX_BYTES = 64 * 1024;
    /** The bytes of such copies one sink holds at once (they live until their send settles, retries included). */
    static final long WIRE_COPY_BUDGET_BYTES = 32L * 1024 * 1024;
    private final AtomicLong wireBytes = new AtomicLong();

    private final String name;
    private final Vertx vertx;
    private final HttpSinkConfig config;
    private final Metrics metrics;
    private final HttpClient client;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<Long, RateLimit> rateLimits = new ConcurrentHashMap<>();
    private final boolean tls;
    private final String host;
    private final int port;
    /** The upstream URL's path (without a trailing slash), before {@code /api/...}. */
    private final String basePath;
    private static final CharSequence ENVELOPE_TYPE = HttpHeaders.createOptimized("application/x-sentry-envelope");
    private static final CharSequence GZIP = HttpHeaders.createOptimized("gzip");
    private final Promise<Void> drained = Promise.promise();
    private volatile boolean shuttingDown;

    private record RateLimit(long untilMillis, String header) {
    }

    HttpSink(String name, Vertx vertx, HttpSinkConfig config, Metrics metrics) {
        this.name = name;
        this.vertx = vertx;
        this.config = config;
        this.metrics = metrics;
        metrics.sinkInflight(name, () -> Math.max(0, inFlight.get()));
        this.tls = "https".equals(config.url().getScheme());
        this.host = config.url().getHost();
        this.port = config.url().getPort() > 0 ? config.url().getPort() : tls ? 443 : 80;
        String path = config.url().getRawPath();
        this.basePath = path == null ? "" : path;
        this.client = vertx.httpClientBuilder()
                .with(new HttpClientOptions()
                        .setConnectTimeout((int) config.connectTimeoutMs())
                        .setIdleTimeout(60).setIdleTimeoutUnit(TimeUnit.SECONDS)
                        .setKeepAlive(true)
                        .setSsl(tls))
                .with(new PoolOptions().setHttp1MaxSize(config.maxConnections())
                        .setMaxWaitQueueSize(config.maxInFlight()))
                // the requests of the envelopes one turn forwards leave together
                .withConnectHandler(TurnFlushes::install)
                .build();
    }

    @Override
    public CompletionStage<Void> send(OutgoingEnvelope envelope) {
        RateLimit limit = rateLimits.get(envelope.projectId());
        long now = System.currentTimeMillis();
        if (limit != null) {
            if (limit.untilMillis > now) {
                return CompletableFuture.failedFuture(new SinkUnavailableException(
                        "upstream rate limit for project " + envelope.projectId(),
                        Duration.ofMillis(limit.untilMillis - now), true, limit.header));
            }
            rateLimits.remove(envelope.projectId(), limit);
        }
        if (shuttingDown) {
            return CompletableFuture.failedFuture(
                    new SinkUnavailableException("http sink " + name + " is shutting down", Duration.ofSeconds(5)));
        }
        if (inFlight.incrementAndGet() > config.maxInFlight()) {
            release();
            return CompletableFuture.failedFuture(new SinkUnavailableException(
                    "http sink " + name + " holds " + config.maxInFlight() + " envelopes", Duration.ofSeconds(1)));
        }
        ByteBuf serialised = envelope instanceof ForwardedEnvelope f ? f.bodyBuf()
                : Unpooled.wrappedBuffer(envelope.body());
        // gzip reads the body once on a worker; otherwise the socket takes it: a small body in one direct buffer of
        // its own while the copies' budget lasts, else as it is (copied by the transport while it is written)
        int copied = config.gzip() ? 0 : reserveWireCopy(serialised.readableBytes());
        ByteBuf raw = copied > 0 ? wireCopy(serialised) : serialised.retain();
        Promise<Void> result = Promise.promise();
        Future<Buffer> body = config.gzip()
                ? vertx.executeBlocking(() -> gzip(raw), false)
                : Future.succeededFuture(BufferInternal.buffer(raw));
        body.onComplete(ar -> {
            if (ar.succeeded()) {
                attempt(envelope, raw, ar.result(), 1, System.currentTimeMillis(), result);
            } else {
                result.fail(ar.cause());
            }
        });
        return result.future().onComplete(ar -> {
            raw.release();
            wireBytes.addAndGet(-copied);
            release();
        }).toCompletionStage();
    }

    private void release() {
        int left = inFlight.decrementAndGet();
        if (left == 0 && shuttingDown) {
            drained.tryComplete();
        }
    }

    /**
     * The body in one pooled direct buffer, copied once for all attempts. The serialised envelope is a composite of
     * heap arrays (header lines, the request's body as Vert.x hands it over); written as it is, the epoll transport
     * copies it into a direct buffer on every write, by way of a heap array that merges its components: two copies
     * and a garbage array per envelope (JFR: 2.9 KB a 2 KB envelope, processing off).
     */
    static ByteBuf wireCopy(ByteBuf serialised) {
        int length = serialised.readableBytes();
        ByteBuf wire = ByteBufAllocator.DEFAULT.directBuffer(length, length);
        // from the source's side: a composite copies component by component (the other way round it merges first)
        serialised.getBytes(serialised.readerIndex(), wire, 0, length);
        return wire.writerIndex(length);
    }

    /**
     * The bytes of a body about to be copied by {@link #wireCopy}, reserved: {@code length}, or 0 (not copied) for a
     * body over {@link #WIRE_COPY_MAX_BYTES} (not copied on the event loop ahead of its write) or when the copies held
     * for their attempts would exceed {@link #WIRE_COPY_BUDGET_BYTES}. The caller gives them back when the send settles.
     */
    private int reserveWireCopy(int length) {
        if (length > WIRE_COPY_MAX_BYTES) {
            return 0;
        }
        if (wireBytes.addAndGet(length) <= WIRE_COPY_BUDGET_BYTES) {
            return length;
        }
        wireBytes.addAndGet(-length);
        return 0;
    }

    /** Compresses the body once for all attempts (on a worker thread: a large body must not stall the event loop). */
    private static Buffer gzip(ByteBuf raw) {
        ByteBuf out = Unpooled.buffer(raw.readableBytes() / 4 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(new ByteBufOutputStream(out))) {
            raw.getBytes(raw.readerIndex(), gz, raw.readableBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return BufferInternal.buffer(out);
    }

    /**
     * One attempt. The raw body is retained until the attempt's request is really over (not just timed out), so a
     * late write never reads a released buffer; a timed-out request is reset.
     */
    private void attempt(OutgoingEnvelope envelope, ByteBuf raw, Buffer body, int attempt, long firstAttemptAt,
                         Promise<Void> result) {
        // host, port and path set apart (an absolute URI is parsed again for every request); header names as
        // AsciiStrings; one timer per attempt (the timeout below), not a second one for idleness
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(host)
                .setPort(port)
                .setSsl(tls)
                .setURI(basePath + "/api/" + envelope.projectId() + "/envelope/")
                .setConnectTimeout(config.connectTimeoutMs());
        MultiMap headers = HttpHeaders.headers();
        envelope.forwardHeaders().forEach(headers::set);
        headers.set(HttpHeaders.CONTENT_TYPE, ENVELOPE_TYPE);
        if (config.gzip()) {
            headers.set(HttpHeaders.CONTENT_ENCODING, GZIP);
        }
        options.setHeaders(headers);
        raw.retain();
        io.vertx.core.http.HttpClientRequest[] sent = new io.vertx.core.http.HttpClientRequest[1];
        Future<Answer> underlying = client.request(options)
                .compose(request -> {
                    sent[0] = request;
                    return request.send(body);
                })
                .compose(response -> response.body().map(b -> new Answer(response.statusCode(),
                        response.getHeader("Retry-After"), response.getHeader("X-Sentry-Rate-Limits"), b)));
        underlying.onComplete(x -> raw.release());
        LoopDeadlines.timeout(underlying, config.timeoutMs(), Vertx.currentContext())
                .onFailure(e -> {
                    if (!underlying.isComplete() && sent[0] != null) {
                        sent[0].reset();
                    }
                })
                .onComplete(ar -> {
                    if (ar.succeeded() && ar.result().status / 100 == 2) {
                        result.complete();
                        return;
                    }
                    if (ar.succeeded() && ar.result().status == 429) {
                        Answer a = ar.result();
                        long secs = retryAfterSeconds(a.retryAfter, a.rateLimits);
                        rateLimits.put(envelope.projectId(),
                                new RateLimit(System.currentTimeMillis() + secs * 1000, a.rateLimits));
                        result.fail(new SinkUnavailableException("upstream answered 429",
                                Duration.ofSeconds(secs), true, a.rateLimits));
                        return;
                    }
                    if (ar.succeeded() && ar.result().status / 100 == 4) {
                        Answer a = ar.result();
                        result.fail(new SinkRejectedException(a.status, "upstream refused the envelope: "
                                + a.body.toString().strip()));
                        return;
                    }
                    String why = ar.succeeded() ? "upstream answered " + ar.result().status
                            : "upstream unreachable: " + ar.cause().getMessage();
                    long backoff = backoff(attempt);
                    boolean inTime = System.currentTimeMillis() + backoff - firstAttemptAt < config.deliveryDeadlineMs();
                    if (attempt >= config.maxAttempts() || !inTime || shuttingDown && attempt >= 2) {
                        result.fail(new SinkUnavailableException("http sink " + name + " gave up after " + attempt
                                + " attempts: " + why, Duration.ofSeconds(10)));
                        return;
                    }
                    metrics.sinkRetry(name);
                    vertx.setTimer(backoff, t -> attempt(envelope, raw, body, attempt + 1, firstAttemptAt, result));
                });
    }

    private record Answer(int status, String retryAfter, String rateLimits, Buffer body) {
    }

    private long backoff(int attempt) {
        long cap = Math.min(config.maxBackoffMs(), config.initialBackoffMs() << Math.min(20, attempt - 1));
        return 1 + ThreadLocalRandom.current().nextLong(cap);
    }

    /** Seconds to pause: {@code Retry-After} (seconds or HTTP date), else the longest X-Sentry-Rate-Limits entry. */
    long retryAfterSeconds(String retryAfter, String rateLimits) {
        if (retryAfter != null && !retryAfter.isBlank()) {
            String v = retryAfter.trim();
            try {
                return Math.max(1, (long) Math.ceil(Double.parseDouble(v)));
            } catch (NumberFormatException e) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                    return Math.max(1, Duration.between(ZonedDateTime.now(at.getZone()), at).toSeconds());
                } catch (RuntimeException ignored) {
                    // fall through to the rate-limit header
                }
            }
        }
        long longest = 0;
        if (rateLimits != null) {
            for (String limit : rateLimits.split(",")) {
                String secs = limit.trim().split(":", 2)[0];
                try {
                    longest = Math.max(longest, Long.parseLong(secs.trim()));
                } catch (NumberFormatException ignored) {
                    // a malformed entry does not count
                }
            }
        }
        return longest > 0 ? longest : config.defaultRetryAfterSecs();
    }

    @Override
    public CompletionStage<Void> shutdown() {
        shuttingDown = true;
        if (inFlight.get() == 0) {
            drained.tryComplete();
        }
        return drained.future().compose(v -> client.close()).toCompletionStage();
    }
}
