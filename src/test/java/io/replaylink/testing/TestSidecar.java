package io.replaylink.testing;

import io.replaylink.ReplayLink;
import io.replaylink.config.ConfigLoader;
import io.replaylink.config.ReplayLinkConfig;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/** A real ReplayLink started in-process from a YAML config, and a plain HTTP client to talk to it. */
public final class TestSidecar implements AutoCloseable {
    public static final String KEY = "0123456789abcdef0123456789abcdef";
    public static final String OTHER_KEY = "fedcba9876543210fedcba9876543210";

    private final Vertx vertx;
    private final ReplayLink app;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestSidecar(Vertx vertx, ReplayLink app) {
        this.vertx = vertx;
        this.app = app;
    }

    public static TestSidecar start(String yaml) {
        return start(yaml, Map.of());
    }

    /**
     * Starts a sidecar. Load shedding is off unless the test asks for it ({@code server.shed_above_cpu}, or its
     * environment variable): a test's burst on a cold JVM keeps the loop busy for a moment, which is no overload.
     */
    public static TestSidecar start(String yaml, Map<String, String> env) {
        if (!yaml.contains("shed_above_cpu") && !env.containsKey("REPLAYLINK_SERVER_SHED_ABOVE_CPU")) {
            env = new java.util.HashMap<>(env);
            env.put("REPLAYLINK_SERVER_SHED_ABOVE_CPU", "1");
        }
        ReplayLinkConfig config = ConfigLoader.parse(yaml, env);
        Vertx vertx = ReplayLink.newVertx();
        try {
            ReplayLink app = ReplayLink.start(vertx, config, env).await(20, TimeUnit.SECONDS);
            return new TestSidecar(vertx, app);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException(e);
        }
    }

    /** A config with project 1 (any key) and project 2 (only {@link #OTHER_KEY}), forwarding to {@code upstream}. */
    public static String httpConfig(String upstreamUrl, String extra) {
        return """
                server: {port: 0, sink_timeout_ms: 10000}
                projects:
                  - {id: 1, public_keys: []}
                  - {id: 2, public_keys: [%s]}
                sinks:
                  - name: http
                    config: {url: "%s", max_attempts: 3, initial_backoff_ms: 20, timeout_ms: 3000}
                %s
                """.formatted(OTHER_KEY, upstreamUrl, extra);
    }

    public int port() {
        return app.port();
    }

    public ReplayLink app() {
        return app;
    }

    public String url(String pathAndQuery) {
        return "http://127.0.0.1:" + port() + pathAndQuery;
    }

    public String dsn(long project) {
        return "http://" + KEY + "@127.0.0.1:" + port() + "/" + project;
    }

    public HttpResponse<String> post(String pathAndQuery, byte[] body, String... headers) throws IOException,
            InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(pathAndQuery)))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends {@code body} with {@code Transfer-Encoding: chunked}, one chunk per {@code chunkSize} bytes. */
    public HttpResponse<String> postChunked(String pathAndQuery, byte[] body, int chunkSize, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(pathAndQuery)))
                .timeout(Duration.ofSeconds(30))
                .POST(new ChunkedPublisher(body, chunkSize));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url(path))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    public Vertx vertx() {
        return vertx;
    }

    @Override
    public void close() {
        try {
            app.stop().await(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the test has its answer; a slow stop must not hide it
        }
        vertx.close().await();
    }

    /** A body of unknown length (so the client uses chunked transfer encoding), published in fixed-size chunks. */
    private static final class ChunkedPublisher implements HttpRequest.BodyPublisher {
        private final byte[] body;
        private final int chunkSize;

        ChunkedPublisher(byte[] body, int chunkSize) {
            this.body = body;
            this.chunkSize = chunkSize;
        }

        @Override
        public long contentLength() {
            return -1;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            subscriber.onSubscribe(new Flow.Subscription() {
                int offset;
                boolean done;

                @Override
                public synchronized void request(long n) {
                    for (long i = 0; i < n && !done; i++) {
                        if (offset >= body.length) {
                            done = true;
                            subscriber.onComplete();
                            return;
                        }
                        int start = offset;
                        int len = Math.min(chunkSize, body.length - start);
                        offset += len;
                        subscriber.onNext(ByteBuffer.wrap(body, start, len));
                    }
                }

                @Override
                public void cancel() {
                    done = true;
                }
            });
        }
    }
}
