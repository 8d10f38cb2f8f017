package io.replaylink.ingest;

import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile or broken requests get a clear 4xx with a reason, never a 5xx (SDKs retry those for ever), over real HTTP:
 * numbers no Java type holds, gzip bodies of thousands of members, keys and ids in other scripts' digits, malformed
 * chunk sizes (a rejected body, not an internal error), and {@code Expect: 100-continue} for a request that is then
 * refused.
 */
class HostileInputTest {
    static CapturingUpstream upstream;
    static TestSidecar sidecar;

    @BeforeAll
    static void start() {
        upstream = CapturingUpstream.start();
        sidecar = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), """
                limits: {max_request_size: 1MiB}
                """));
    }

    @AfterAll
    static void stop() {
        sidecar.close();
        upstream.close();
    }

    HttpResponse<String> post(byte[] body, String... headers) throws Exception {
        return sidecar.post("/api/1/envelope/?sentry_key=" + KEY, body, headers);
    }

    @Test
    void aNumberNoTypeHoldsIsA400() throws Exception {
        HttpResponse<String> header = post("{\"x\":1e9999999999}\n".getBytes(StandardCharsets.UTF_8));
        assertThat(header.statusCode()).isEqualTo(400);
        assertThat(header.body()).contains("invalid envelope header").contains("number out of range");
        HttpResponse<String> item = post("{}\n{\"type\":\"event\",\"length\":1e9999999999}\n{}\n"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(item.statusCode()).isEqualTo(400);
        assertThat(item.body()).contains("invalid item header");
    }

    @Test
    void aGzipBodyOfTenThousandEmptyMembersIsReadWithoutRecursion() throws Exception {
        ByteArrayOutputStream members = new ByteArrayOutputStream();
        for (int i = 0; i < 10_000; i++) {
            members.write(gzip(new byte[0]));
        }
        HttpResponse<String> empty = post(members.toByteArray(), "Content-Encoding", "gzip");
        assertThat(empty.statusCode()).as(empty.body()).isEqualTo(400);
        assertThat(empty.body()).doesNotContain("internal");

        String envelope = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{\"a\":1}\n";
        byte[] bytes = envelope.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream split = new ByteArrayOutputStream();
        split.write(gzip(java.util.Arrays.copyOfRange(bytes, 0, 20)));
        split.write(gzip(new byte[0]));
        split.write(gzip(java.util.Arrays.copyOfRange(bytes, 20, bytes.length)));
        HttpResponse<String> ok = post(split.toByteArray(), "Content-Encoding", "gzip");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(new String(upstream.take(5).body(), StandardCharsets.UTF_8)).isEqualTo(envelope);

        split.write("garbage".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> trailing = post(split.toByteArray(), "Content-Encoding", "gzip");
        assertThat(trailing.statusCode()).isEqualTo(400);
        assertThat(trailing.body()).contains("invalid gzip body").contains("trailing data");
    }

    @Test
    void keysAndIdsTakeAsciiDigitsOnly() throws Exception {
        String arabicIndicOnes = "\u0661".repeat(32);
        String key = raw(("POST /api/1/envelope/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n"
                + "X-Sentry-Auth: Sentry sentry_key=" + arabicIndicOnes + "\r\n\r\n{}\n").getBytes(StandardCharsets.UTF_8));
        assertThat(key).startsWith("HTTP/1.1 400").contains("bad sentry DSN public key");
        HttpResponse<String> project = sidecar.post("/api/%D9%A1/envelope/?sentry_key=" + KEY,
                "{}\n".getBytes(StandardCharsets.UTF_8));
        assertThat(project.statusCode()).isEqualTo(400);
        assertThat(project.body()).contains("bad project path parameter");
    }

    /**
     * A malformed chunk size is the request's fault: answered 400 with a reason and the connection closed (the
     * decoder drops what follows the error), counted as a rejected body, never an internal error.
     */
    @Test
    void malformedChunkSizesAreAnswered400AndTheConnectionClosed() throws Exception {
        for (String size : new String[] {"zz", "-1", "ffffffffffffffff"}) {
            long started = System.nanoTime();
            String answer = raw("POST /api/1/envelope/?sentry_key=" + KEY + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n3\r\n{}\n\r\n" + size + "\r\nabc\r\n0\r\n\r\n");
            assertThat(answer).as(size).startsWith("HTTP/1.1 400").contains("malformed chunked request body")
                    .containsIgnoringCase("connection: close");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("closed, not timed out")
                    .isLessThan(Duration.ofMillis(2500));
        }
        String metrics = sidecar.get("/metrics").body();
        assertThat(metrics).contains("replaylink_requests_total{endpoint=\"envelope\",outcome=\"rejected\",reason=\"body\"} 3.0");
        assertThat(metrics).doesNotContainPattern("reason=\"internal\"} [1-9]");
        assertThat(sidecar.get("/api/relay/healthcheck/live/").statusCode()).isEqualTo(200);
    }

    /**
     * Content-Length together with Transfer-Encoding (RFC 9112 §6.3) is a smuggling attempt: answered 400 and the
     * connection closed, so the request hidden behind it is never served; nothing reaches the sink.
     */
    @Test
    void contentLengthWithTransferEncodingIsRefusedAndNothingBehindItIsServed() throws Exception {
        String smuggled = "GET /api/relay/healthcheck/live/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        String body = "0\r\n\r\n" + smuggled;
        long started = System.nanoTime();
        String answer = raw("POST /api/1/envelope/?sentry_key=" + KEY + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Length: " + body.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
        assertThat(answer).startsWith("HTTP/1.1 400")
                .contains("both Content-Length and Transfer-Encoding").containsIgnoringCase("connection: close");
        assertThat(answer).as("the smuggled request is not answered").doesNotContain("is_healthy")
                .containsOnlyOnce("HTTP/1.1 ");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
        assertThat(sidecar.get("/metrics").body())
                .contains("replaylink_requests_total{endpoint=\"http\",outcome=\"rejected\",reason=\"http_protocol\"} 1.0");
    }

    @Test
    void expectContinueIsAnsweredOnlyAfterTheProjectKeyAndDeclaredSizePass() throws Exception {
        String forbidden = raw("POST /api/7/envelope/?sentry_key=" + KEY + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Length: 3\r\nExpect: 100-continue\r\n\r\n");
        assertThat(forbidden).startsWith("HTTP/1.1 403").doesNotContain("100 Continue");
        String tooLarge = raw("POST /api/1/envelope/?sentry_key=" + KEY + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Length: 10000000000\r\nExpect: 100-continue\r\n\r\n");
        assertThat(tooLarge).startsWith("HTTP/1.1 413").doesNotContain("100 Continue");
        try (Socket s = new Socket("127.0.0.1", sidecar.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/1/envelope/?sentry_key=" + KEY + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Length: 3\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String first = readSome(s.getInputStream());
            assertThat(first).startsWith("HTTP/1.1 100 Continue");
            out.write("{}\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String rest = first.contains("HTTP/1.1 200") ? first : readSome(s.getInputStream());
            assertThat(rest).contains("HTTP/1.1 200");
        }
    }

    /** A body sent a byte at a time, slower than server.body_timeout_ms allows, is cut off with 408. */
    @Test
    void aTricklingBodyIsCutOffWith408() throws Exception {
        try (TestSidecar slow = TestSidecar.start("""
                server: {port: 0, body_timeout_ms: 300}
                projects: [{id: 1, public_keys: []}]
                sinks: [{name: http, config: {url: "%s"}}]
                """.formatted(upstream.url()));
             Socket s = new Socket("127.0.0.1", slow.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/1/envelope/?sentry_key=" + KEY + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Length: 100\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long started = System.nanoTime();
            String answer = readSome(s.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 408").contains("request body not received within 300 ms");
            assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(3000);
        }
    }

    /** Connections beyond server.max_connections are closed at once; the ones open keep being served. */
    @Test
    void connectionsBeyondTheBoundAreClosedAtOnce() throws Exception {
        try (TestSidecar bounded = TestSidecar.start("""
                server: {port: 0, max_connections: 3}
                projects: [{id: 1, public_keys: []}]
                sinks: [{name: http, config: {url: "%s"}}]
                """.formatted(upstream.url()))) {
            java.util.List<Socket> idle = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Socket s = new Socket("127.0.0.1", bounded.port());
                    s.getOutputStream().write("GET /api/relay/healthcheck/live/ HTTP/1.1\r\nHost: x\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    s.setSoTimeout(3000);
                    assertThat(readSome(s.getInputStream())).as("connection " + i).startsWith("HTTP/1.1 200");
                    idle.add(s);
                }
                try (Socket extra = new Socket("127.0.0.1", bounded.port())) {
                    extra.setSoTimeout(3000);
                    extra.getOutputStream().write("GET /api/relay/healthcheck/live/ HTTP/1.1\r\nHost: x\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    // closed at once, no answer: an end of stream, or a reset when the close found the request
                    // unread in the socket (the kernel then answers RST; with epoll that is the usual order)
                    int answer;
                    try {
                        answer = extra.getInputStream().read();
                    } catch (java.net.SocketException reset) {
                        assertThat(reset.getMessage()).contains("reset");
                        answer = -1;
                    }
                    assertThat(answer).as("closed at once, no answer").isEqualTo(-1);
                }
                Socket first = idle.get(0);
                first.getOutputStream().write("GET /api/relay/healthcheck/live/ HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(readSome(first.getInputStream())).as("an open connection is still served")
                        .startsWith("HTTP/1.1 200");
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
            String metrics = "";
            for (int attempt = 0; attempt < 50 && !metrics.contains("replaylink_connections_rejected_total"); attempt++) {
                try {
                    metrics = bounded.get("/metrics").body();
                } catch (java.io.IOException e) {
                    Thread.sleep(20); // the closed connections' count may lag a moment behind
                }
            }
            // the extra connection, and any /metrics attempt made before the idle ones' closes were counted
            java.util.regex.Matcher rejected = java.util.regex.Pattern
                    .compile("replaylink_connections_rejected_total (\\d+)\\.0").matcher(metrics);
            assertThat(rejected.find()).as(metrics).isTrue();
            assertThat(Integer.parseInt(rejected.group(1))).isGreaterThanOrEqualTo(1);
        }
    }

    /** An event just under max_event_size is not enriched over it: it goes on as it came, counted. */
    @Test
    void enrichmentNeverTakesAnEventOverItsSizeLimit() throws Exception {
        try (TestSidecar small = TestSidecar.start("""
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                limits: {max_event_size: 2000}
                index: {name: memory}
                processors: [replay-linker]
                sinks: [{name: http, config: {url: "%s"}}]
                """.formatted(upstream.url()))) {
            String trace = io.replaylink.testing.Envelopes.id();
            String replay = io.replaylink.testing.Envelopes.id();
            assertThat(small.post("/api/1/envelope/?sentry_key=" + KEY,
                    io.replaylink.testing.Envelopes.replayEvent(replay, trace)).statusCode()).isEqualTo(200);
            String padding = "x".repeat(1700);
            String event = "{\"event_id\":\"" + io.replaylink.testing.Envelopes.id() + "\",\"platform\":\"java\","
                    + "\"level\":\"error\",\"contexts\":{\"trace\":{\"trace_id\":\"" + trace + "\"}},\"extra\":{\"p\":\""
                    + padding + "\"}}";
            event = event + " ".repeat(2000 - event.length() - 1);
            String envelope = "{}\n{\"type\":\"event\",\"length\":" + event.length() + "}\n" + event + "\n";
            upstream.drain();
            HttpResponse<String> r = small.post("/api/1/envelope/?sentry_key=" + KEY,
                    envelope.getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            String forwarded = new String(upstream.take(5).body(), StandardCharsets.UTF_8);
            assertThat(forwarded).isEqualTo(envelope);
            assertThat(small.get("/metrics").body())
                    .contains("replaylink_enrichments_refused_total{reason=\"over_size_limit\"} 1.0");
        }
    }

    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** Sends raw bytes on a new connection; answers all that comes back until the server closes or 3 s pass. */
    /**
     * Overload: when the ingest loop's CPU share stays above {@code server.shed_above_cpu}, a growing share of new
     * requests is answered 503 with Retry-After and a reason, before the body is read; the others are served. (Here
     * the bound is 0, so any work counts as overload; the overload run of scripts/bench shows it at twice the
     * highest clean rate.)
     */
    @Test
    void anOverloadedLoopRefusesNewRequestsWith503AndRetryAfter() throws Exception {
        try (TestSidecar shedding = TestSidecar.start("""
                server: {port: 0, shed_above_cpu: 0}
                projects: [{id: 1, public_keys: []}]
                sinks: [{name: http, config: {url: "%s"}}]
                """.formatted(upstream.url()))) {
            byte[] envelope = "{}\n{\"type\":\"event\"}\n{}\n".getBytes(StandardCharsets.UTF_8);
            java.util.Map<Integer, Integer> statuses = new java.util.TreeMap<>();
            long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < end) {
                HttpResponse<String> r = shedding.post("/api/1/envelope/?sentry_key=" + KEY, envelope);
                statuses.merge(r.statusCode(), 1, Integer::sum);
                if (r.statusCode() == 503) {
                    assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
                    assertThat(r.body()).contains("overloaded");
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                }
            }
            assertThat(statuses).as(statuses.toString()).containsKeys(200, 503);
            assertThat(shedding.get("/api/relay/healthcheck/live/").statusCode()).isEqualTo(200);
            assertThat(shedding.get("/metrics").body()).contains("reason=\"overload\"");
        }
        upstream.drain();
    }

    /**
     * A header of many tiny fields is a small body but a large tree: the tree is charged to the in-flight budget with
     * the body, so past the budget it is a 503 with Retry-After (memory), not an OutOfMemoryError; within it, a 200.
     */
    @Test
    void aHeaderTreeIsChargedToTheInflightBudget() throws Exception {
        StringBuilder header = new StringBuilder("{");
        for (int i = 0; i < 60_000; i++) {
            header.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":0");
        }
        byte[] body = header.append("}\n{\"type\":\"event\"}\n{}\n").toString().getBytes(StandardCharsets.UTF_8);
        try (TestSidecar small = TestSidecar.start("""
                server: {port: 0, max_inflight_body_bytes: 2MiB}
                projects: [{id: 1, public_keys: []}]
                sinks: [{name: http, config: {url: "%s"}}]
                """.formatted(upstream.url()))) {
            HttpResponse<String> r = small.post("/api/1/envelope/?sentry_key=" + KEY, body);
            assertThat(body.length).isLessThan(1 << 20);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertThat(r.body()).contains("memory");
        }
        assertThat(post(body).statusCode()).as("within the default budget").isEqualTo(200);
        assertThat(upstream.take(5)).isNotNull();
    }

    String raw(String request) throws Exception {
        return raw(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    String raw(byte[] request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", sidecar.port())) {
            s.setSoTimeout(3000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = s.getInputStream().read(buf)) > 0) {
                    answer.write(buf, 0, n);
                }
            } catch (java.net.SocketTimeoutException e) {
                // the server kept the connection open: what came is the answer
            } catch (java.net.SocketException e) {
                // the server closed with bytes of the request unread: the kernel resets the connection after the
                // answer (what came is still the answer, and the assertions check it)
                if (!String.valueOf(e.getMessage()).contains("reset")) {
                    throw e;
                }
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }

    static String readSome(InputStream in) throws Exception {
        byte[] buf = new byte[4096];
        int n = in.read(buf);
        return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    }
}
