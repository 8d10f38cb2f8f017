package io.replaylink.forward;

import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.CapturingUpstream.Answer;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/** The http sink against a real upstream that fails, rate-limits, stalls or is gone. */
class HttpSinkTest {
    static CapturingUpstream upstream;

    static final byte[] ENVELOPE = ("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n"
            + "{\"message\":\"x\"}\n").getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void start() {
        upstream = CapturingUpstream.start();
    }

    @AfterAll
    static void stop() {
        upstream.close();
    }

    @BeforeEach
    void reset() {
        upstream.drain();
        upstream.respondWith(c -> Answer.ok());
    }

    @Test
    void retriesServerErrorsWithBackoffThenDelivers() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        upstream.respondWith(c -> calls.incrementAndGet() <= 2 ? Answer.status(503) : Answer.ok());
        try (TestSidecar s = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), ""))) {
            HttpResponse<String> r = s.post("/api/1/envelope/?sentry_key=" + KEY, ENVELOPE);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(upstream.drain()).hasSize(3).allSatisfy(c -> assertThat(c.body()).isEqualTo(ENVELOPE));
            assertThat(s.get("/metrics").body()).contains("replaylink_sink_retries_total{sink=\"http\"} 2.0");
        }
    }

    @Test
    void smallAndLargeBodiesReachTheUpstreamIntactOnEveryAttempt() throws Exception {
        // a small body goes out of the sink's own direct copy, one over WIRE_COPY_MAX_BYTES as it came
        AtomicInteger calls = new AtomicInteger();
        upstream.respondWith(c -> calls.incrementAndGet() % 2 == 1 ? Answer.status(503) : Answer.ok());
        try (TestSidecar s = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), ""))) {
            for (int size : new int[] {10, 60_000, 200_000}) {
                byte[] attachment = new byte[size];
                new java.util.Random(size).nextBytes(attachment);
                java.io.ByteArrayOutputStream envelope = new java.io.ByteArrayOutputStream();
                envelope.writeBytes(("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"attachment\","
                        + "\"length\":" + size + ",\"filename\":\"a.bin\"}\n").getBytes(StandardCharsets.UTF_8));
                envelope.writeBytes(attachment);
                envelope.write('\n');
                byte[] sent = envelope.toByteArray();
                assertThat(s.post("/api/1/envelope/?sentry_key=" + KEY, sent).statusCode()).isEqualTo(200);
                assertThat(upstream.drain()).hasSize(2).allSatisfy(c -> assertThat(c.body()).isEqualTo(sent));
            }
        }
    }

    @Test
    void gaveUpAfterMaxAttemptsTellsTheClientToRetry() throws Exception {
        upstream.respondWith(c -> Answer.status(500));
        try (TestSidecar s = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), ""))) {
            HttpResponse<String> r = s.post("/api/1/envelope/?sentry_key=" + KEY, ENVELOPE);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertThat(r.body()).contains("gave up after 3 attempts").contains("upstream answered 500");
            assertThat(upstream.drain()).hasSize(3);
        }
    }

    @Test
    void upstreamDownIs503WithRetryAfter() throws Exception {
        int freePort = io.replaylink.testing.LoopbackPorts.free();
        try (TestSidecar s = TestSidecar.start(TestSidecar.httpConfig("http://127.0.0.1:" + freePort, ""))) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = s.post("/api/1/envelope/?sentry_key=" + KEY, ENVELOPE);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertThat(r.body()).contains("upstream unreachable");
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
        }
    }

    @Test
    void rateLimitIsPassedOnAndHonouredUntilRetryAfter() throws Exception {
        upstream.respondWith(c -> Answer.status(429).withHeader("Retry-After", "30")
                .withHeader("X-Sentry-Rate-Limits", "30:error:project"));
        try (TestSidecar s = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), ""))) {
            HttpResponse<String> first = s.post("/api/1/envelope/?sentry_key=" + KEY, ENVELOPE);
            assertThat(first.statusCode()).isEqualTo(429);
            assertThat(first.headers().firstValue("Retry-After")).hasValue("30");
            assertThat(first.headers().firstValue("X-Sentry-Rate-Limits")).hasValue("30:error:project");
            upstream.respondWith(c -> Answer.ok());
            HttpResponse<String> second = s.post("/api/1/envelope/?sentry_key=" + KEY, ENVELOPE);
            assertThat(second.statusCode()).isEqualTo(429);
            assertThat(Integer.parseInt(second.headers().firstValue("Retry-After").orElseThrow()))
                    .isBetween(28, 30);
            assertThat(upstream.drain()).as("no request while rate limited").hasSize(1);
            HttpResponse<String> otherProject = s.post("/api/2/envelope/?sentry_key=" + TestSidecar.OTHER_KEY,
                    ENVELOPE);
            assertThat(otherProject.statusCode()).as("the limit is per project").isEqualTo(200);
        }
    }

    @Test
    void upstream4xxIsFinalAndPassedOn() throws Exception {
        upstream.respondWith(c -> Answer.status(400));
        try (TestSidecar s = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), ""))) {
            HttpResponse<String> r = s.post("/api/1/envelope/?sentry_key=" + KEY, ENVELOPE);
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("upstream refused the envelope");
            assertThat(upstream.drain()).hasSize(1);
        }
    }

    @Test
    void fullInFlightWindowAnswers503InsteadOfQueueing() throws Exception {
        upstream.respondWith(c -> Answer.ok().delayed(1500));
        String config = """
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                sinks:
                  - name: http
                    config: {url: "%s", max_in_flight: 2}
                """.formatted(upstream.url());
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try (TestSidecar s = TestSidecar.start(config)) {
            List<CompletableFuture<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return s.post("/api/1/envelope/?sentry_key=" + KEY, ENVELOPE).statusCode();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, pool));
            }
            List<Integer> statuses = answers.stream().map(CompletableFuture::join).toList();
            assertThat(statuses).containsOnly(200, 503);
            assertThat(statuses.stream().filter(c -> c == 200).count()).isEqualTo(2);
            assertThat(upstream.drain()).hasSize(2);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void slowUpstreamIsCutOffByTheAttemptTimeout() throws Exception {
        upstream.respondWith(c -> Answer.ok().delayed(5000));
        String config = """
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                sinks:
                  - name: http
                    config: {url: "%s", timeout_ms: 300, max_attempts: 2, initial_backoff_ms: 10}
                """.formatted(upstream.url());
        try (TestSidecar s = TestSidecar.start(config)) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = s.post("/api/1/envelope/?sentry_key=" + KEY, ENVELOPE);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(ms).isLessThan(3000);
        }
    }

    @Test
    void gzipToTheUpstreamWhenConfigured() throws Exception {
        String config = """
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                sinks:
                  - name: http
                    config: {url: "%s", content_encoding: gzip}
                """.formatted(upstream.url());
        try (TestSidecar s = TestSidecar.start(config)) {
            assertThat(s.post("/api/1/envelope/?sentry_key=" + KEY, ENVELOPE).statusCode()).isEqualTo(200);
            CapturingUpstream.Captured c = upstream.take(5);
            assertThat(c.header("Content-Encoding")).isEqualTo("gzip");
            assertThat(new GZIPInputStream(new java.io.ByteArrayInputStream(c.body())).readAllBytes())
                    .isEqualTo(ENVELOPE);
        }
    }
}
