package io.replaylink.ingest;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.github.luben.zstd.Zstd;
import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/** The envelope endpoint, black box: a real sidecar, a real upstream, real HTTP. */
class EnvelopeEndpointTest {
    static CapturingUpstream upstream;
    static TestSidecar sidecar;

    static final String ENVELOPE = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"x_unknown\":[1,{\"a\":2}]}\n"
            + "{\"type\":\"event\",\"length\":41,\"content_type\":\"application/json\"}\n"
            + "{\"message\":\"hello world\",\"level\":\"error\"}\n"
            + "{\"type\":\"hologram\",\"x\":1}\nunknown\rpayload\n"
            + "{\"type\":\"span\",\"item_count\":1,\"content_type\":\"application/vnd.sentry.items.span.v2+json\"}\n"
            + "{\"items\":[{\"trace_id\":\"771a43a4192642f0b136d5159a501700\"}]}\n"
            + "{\"type\":\"attachment\",\"length\":4,\"filename\":\"b.bin\"}\n\u0000\n\r\u00ff";

    @BeforeAll
    static void start() {
        upstream = CapturingUpstream.start();
        sidecar = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), """
                limits: {max_request_size: 64KiB, max_envelope_size: 256KiB}
                """));
    }

    @AfterAll
    static void stop() {
        sidecar.close();
        upstream.close();
    }

    @BeforeEach
    void reset() {
        upstream.respondWith(c -> CapturingUpstream.Answer.ok());
        upstream.drain();
    }

    static byte[] envelope() {
        return ENVELOPE.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void forwardsUnknownItemsAndHeaderFieldsByteForByte() throws Exception {
        HttpResponse<String> r = sidecar.post("/api/1/envelope/", envelope(),
                "X-Sentry-Auth", "Sentry sentry_key=" + KEY + ", sentry_version=7, sentry_client=test/1.0",
                "Content-Type", "application/x-sentry-envelope", "User-Agent", "test-agent/1",
                "X-Forwarded-For", "10.1.2.3");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}");
        CapturingUpstream.Captured c = upstream.take(5);
        assertThat(c.uri()).isEqualTo("/api/1/envelope/");
        assertThat(c.body()).isEqualTo(envelope());
        assertThat(c.header("X-Sentry-Auth")).isEqualTo("Sentry sentry_key=" + KEY
                + ", sentry_version=7, sentry_client=test/1.0");
        assertThat(c.header("X-Forwarded-For")).isEqualTo("10.1.2.3, 127.0.0.1");
        assertThat(c.header("User-Agent")).isEqualTo("test-agent/1");
        assertThat(c.header("Content-Type")).isEqualTo("application/x-sentry-envelope");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 100})
    void acceptsChunkedBodiesWithoutContentTypeAndAuthInTheQuery(int chunkSize) throws Exception {
        HttpResponse<String> r = sidecar.postChunked(
                "/api/1/envelope/?sentry_key=" + KEY + "&sentry_version=7&sentry_client=sentry.javascript.node%2F11.0.0",
                envelope(), chunkSize);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        CapturingUpstream.Captured c = upstream.take(5);
        assertThat(c.body()).isEqualTo(envelope());
        assertThat(c.header("X-Sentry-Auth")).isEqualTo("Sentry sentry_key=" + KEY + ", sentry_version=7");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "deflate", "br", "zstd", "identity", "", "UTF-8"})
    void decodesEveryContentEncodingRelayAccepts(String encoding) throws Exception {
        byte[] body = compress(encoding, envelope());
        String header = encoding.equals("deflate-raw") ? "deflate" : encoding;
        HttpResponse<String> r = sidecar.post("/api/1/envelope/?sentry_key=" + KEY, body,
                "Content-Encoding", header);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(upstream.take(5).body()).isEqualTo(envelope());
    }

    @Test
    void unsupportedEncodingIs415WithAcceptEncoding() throws Exception {
        HttpResponse<String> r = sidecar.post("/api/1/envelope/?sentry_key=" + KEY, envelope(),
                "Content-Encoding", "compress");
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(r.body()).contains("unsupported content encoding 'compress'");
        assertThat(r.headers().firstValue("Accept-Encoding")).hasValue("zstd,gzip,deflate,br");
        assertThat(upstream.requestCount()).isGreaterThanOrEqualTo(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "br", "zstd"})
    void decompressionBombStopsAtTheEnvelopeLimit(String encoding) throws Exception {
        byte[] zeros = new byte[20 * 1024 * 1024];
        byte[] bomb = compress(encoding, zeros);
        assertThat(bomb.length).isLessThan(64 * 1024);
        HttpResponse<String> r = sidecar.post("/api/1/envelope/?sentry_key=" + KEY, bomb,
                "Content-Encoding", encoding);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("decompressed body exceeds max_envelope_size (262144 bytes)");
        assertThat(sidecar.app().metrics().scrape()).isNotEmpty();
        assertThat(servesAfterwards()).isTrue();
    }

    @Test
    void decodedBytesCountAgainstTheInflightMemoryBudget() throws Exception {
        TestSidecar small = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), """
                limits: {max_envelope_size: 64MiB}
                """).replace("server: {port: 0,", "server: {port: 0, max_inflight_body_bytes: 2MiB,"));
        try {
            byte[] bomb = compress("gzip", new byte[8 * 1024 * 1024]);
            HttpResponse<String> r = small.post("/api/1/envelope/?sentry_key=" + KEY, bomb, "Content-Encoding", "gzip");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("too many request bodies in memory");
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertThat(small.post("/api/1/envelope/?sentry_key=" + KEY, envelope()).statusCode())
                    .as("the budget was given back").isEqualTo(200);
            upstream.drain();
        } finally {
            small.close();
        }
    }

    @Test
    void oversizedBodyIs413WithContentLength() throws Exception {
        byte[] big = bigEnvelope(100 * 1024);
        HttpResponse<String> r = sidecar.post("/api/1/envelope/?sentry_key=" + KEY, big);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("max_request_size (65536 bytes)");
        assertThat(servesAfterwards()).isTrue();
    }

    @Test
    void oversizedBodyIs413WhileStreamingChunks() throws Exception {
        byte[] big = bigEnvelope(100 * 1024);
        HttpResponse<String> r;
        try {
            r = sidecar.postChunked("/api/1/envelope/?sentry_key=" + KEY, big, 8192);
            assertThat(r.statusCode()).isEqualTo(413);
            assertThat(r.body()).contains("max_request_size");
        } catch (java.io.IOException e) {
            // the server closes the connection after its answer; the JDK client may report that instead
            assertThat(e.getMessage()).isNotNull();
        }
        assertThat(upstream.drain()).isEmpty();
        assertThat(servesAfterwards()).isTrue();
    }

    @Test
    void malformedEnvelopesAre400WithAReasonAndOffset() throws Exception {
        String[][] cases = {
                {"{}\n{\"type\":\"event\",\"length\":100}\n{}", "declares length 100 at byte 3"},
                {"{\"a\":}\n", "invalid envelope header at byte 0"},
                {"{}\n{\"length\":1}\nx", "missing field `type`"},
                {"{}\n{\"type\":\"attachment\",\"length\":1}\nxy", "missing newline after header or payload at byte 37"},
                {"{}\n{\"type\":\"event\"}\n{}\n\n", "unexpected end of file"},
                {"", "empty request body"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = sidecar.post("/api/1/envelope/?sentry_key=" + KEY,
                    c[0].getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(r.body()).as(c[0]).startsWith("{\"detail\":\"").contains(c[1]);
        }
        assertThat(upstream.drain()).isEmpty();
        assertThat(servesAfterwards()).isTrue();
    }

    @Test
    void itemOverItsTypeLimitIs413() throws Exception {
        String body = "{}\n{\"type\":\"client_report\",\"length\":200000}\n" + "x".repeat(200000) + "\n";
        TestSidecar big = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), ""));
        try {
            HttpResponse<String> r = big.post("/api/1/envelope/?sentry_key=" + KEY,
                    body.getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).isEqualTo(413);
            assertThat(r.body()).contains("envelope exceeded size limits for type 'client_report'");
        } finally {
            big.close();
        }
    }

    @Test
    void authFromEverySourceRelayAccepts() throws Exception {
        String dsnEnvelope = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"dsn\":\"https://" + KEY
                + "@o1.ingest.sentry.io/1\"}\n";
        assertThat(sidecar.post("/api/1/envelope/", envelope(), "X-Sentry-Auth", "Sentry sentry_key=" + KEY)
                .statusCode()).isEqualTo(200);
        assertThat(sidecar.post("/api/1/envelope/", envelope(), "Authorization", "Sentry sentry_key=" + KEY)
                .statusCode()).isEqualTo(200);
        assertThat(sidecar.post("/api/1/envelope/?sentry_key=" + KEY, envelope()).statusCode()).isEqualTo(200);
        assertThat(sidecar.post("/api/1/envelope/", dsnEnvelope.getBytes(StandardCharsets.UTF_8)).statusCode())
                .isEqualTo(200);
        upstream.drain();
    }

    @Test
    void authErrors() throws Exception {
        record Case(String path, String body, String[] headers, int status, String detail) {
        }
        String dsnFor2 = "{\"dsn\":\"https://" + KEY + "@sentry.io/2\"}\n";
        Case[] cases = {
                new Case("/api/1/envelope/", "{}\n", new String[0], 401, "missing authorization information"),
                new Case("/api/1/envelope/?sentry_key=" + KEY, "{}\n",
                        new String[] {"X-Sentry-Auth", "Sentry sentry_key=" + KEY}, 401,
                        "multiple authorization payloads detected"),
                new Case("/api/1/envelope/", "{}\n", new String[] {"X-Sentry-Auth", "Sentry sentry_key=abc"}, 400,
                        "bad sentry DSN public key"),
                new Case("/api/1/envelope/", "{}\n", new String[] {"X-Sentry-Auth", "Sentry sentry_version=7"}, 401,
                        "missing public key"),
                new Case("/api/1/envelope/", "{}\n",
                        new String[] {"X-Sentry-Auth", "Sentry sentry_key=" + KEY + ", sentry_version=9"}, 400,
                        "unsupported protocol version (9)"),
                new Case("/api/2/envelope/?sentry_key=" + KEY, "{}\n", new String[0], 403,
                        "is not allowed for project 2"),
                new Case("/api/7/envelope/?sentry_key=" + KEY, "{}\n", new String[0], 403,
                        "project 7 is not configured"),
                new Case("/api/abc/envelope/?sentry_key=" + KEY, "{}\n", new String[0], 400,
                        "bad project path parameter"),
                new Case("/api/1/envelope/?sentry_key=" + KEY, dsnFor2, new String[0], 400,
                        "project id header mismatch between envelope and request"),
                new Case("/api/2/envelope/?sentry_key=" + TestSidecar.OTHER_KEY, dsnFor2, new String[0], 400,
                        "public key header mismatch between envelope and request"),
                new Case("/api/1/envelope/", "{\"dsn\":\"not a dsn\"}\n", new String[0], 401,
                        "bad envelope authentication header"),
        };
        for (Case c : cases) {
            HttpResponse<String> r = sidecar.post(c.path, c.body.getBytes(StandardCharsets.UTF_8), c.headers);
            assertThat(r.statusCode()).as(c.detail).isEqualTo(c.status);
            assertThat(r.body()).as(c.detail).contains(c.detail);
        }
        assertThat(upstream.drain()).isEmpty();
        assertThat(servesAfterwards()).isTrue();
    }

    @Test
    void corsPreflightAndHeadersOnAnswers() throws Exception {
        HttpResponse<String> pre = sidecar.send(HttpRequest.newBuilder(URI.create(sidecar.url("/api/1/envelope/")))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://app.example.com")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type").build());
        assertThat(pre.statusCode()).isEqualTo(200);
        assertThat(pre.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
        assertThat(pre.headers().firstValue("Access-Control-Allow-Methods")).hasValue("POST");
        assertThat(pre.headers().firstValue("Access-Control-Allow-Headers").orElse(""))
                .contains("x-sentry-auth", "content-type", "content-encoding");
        HttpResponse<String> ok = sidecar.post("/api/1/envelope/?sentry_key=" + KEY, envelope(),
                "Origin", "https://app.example.com");
        assertThat(ok.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
        assertThat(ok.headers().firstValue("Access-Control-Expose-Headers").orElse(""))
                .contains("x-sentry-rate-limits", "retry-after");
        HttpResponse<String> bad = sidecar.post("/api/1/envelope/", envelope(), "Origin", "https://x");
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(bad.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
        upstream.drain();
    }

    @Test
    void healthChecksAndMetrics() throws Exception {
        assertThat(sidecar.get("/api/relay/healthcheck/live/").body()).isEqualTo("{\"is_healthy\":true}");
        assertThat(sidecar.get("/api/relay/healthcheck/ready/").statusCode()).isEqualTo(200);
        sidecar.post("/api/1/envelope/?sentry_key=" + KEY, envelope());
        sidecar.post("/api/1/envelope/", envelope());
        String metrics = sidecar.get("/metrics").body();
        assertThat(metrics)
                .containsPattern("replaylink_requests_total\\{endpoint=\"envelope\",outcome=\"accepted\",reason=\"ok\"} [1-9]")
                .containsPattern("replaylink_requests_total\\{endpoint=\"envelope\",outcome=\"rejected\",reason=\"auth\"} [1-9]")
                .containsPattern("replaylink_items_total\\{outcome=\"received\",reason=\"ok\",type=\"unknown\"} [1-9]")
                .contains("replaylink_request_duration_seconds_bucket")
                .contains("replaylink_request_body_bytes_total")
                .contains("replaylink_sink_sends_total{outcome=\"ok\",sink=\"http\"}");
        upstream.drain();
    }

    @Test
    void metricsCarryTheJvmsAllocationAndCollectionPauses() throws Exception {
        long before = allocated(sidecar.get("/metrics").body());
        byte[][] garbage = new byte[64][];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = new byte[1 << 20];
        }
        System.gc();
        String metrics = sidecar.get("/metrics").body();
        assertThat(allocated(metrics)).as("allocated bytes grow by the 64 MiB allocated here")
                .isGreaterThanOrEqualTo(before + 64L * garbage[0].length);
        java.util.regex.Matcher pauses = java.util.regex.Pattern
                .compile("(?m)^replaylink_jvm_gc_pause_seconds_count (\\S+)").matcher(metrics);
        assertThat(pauses.find()).isTrue();
        assertThat(Double.parseDouble(pauses.group(1))).as("collections observed").isGreaterThanOrEqualTo(1);
    }

    private static long allocated(String metrics) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?m)^replaylink_jvm_allocated_bytes_total (\\S+)").matcher(metrics);
        assertThat(m.find()).as(metrics).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    @Test
    void unknownPathsAre404AndWrongMethods405() throws Exception {
        assertThat(sidecar.get("/nope").statusCode()).isEqualTo(404);
        assertThat(sidecar.get("/api/1/envelope/").statusCode()).isEqualTo(405);
    }

    boolean servesAfterwards() throws Exception {
        HttpResponse<String> r = sidecar.post("/api/1/envelope/?sentry_key=" + KEY, envelope());
        boolean ok = r.statusCode() == 200;
        upstream.drain();
        return ok;
    }

    static byte[] bigEnvelope(int size) {
        return ("{}\n{\"type\":\"attachment\",\"length\":" + size + "}\n" + "a".repeat(size) + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] compress(String encoding, byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (encoding) {
            case "gzip" -> {
                try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                    gz.write(data);
                }
            }
            case "deflate" -> {
                try (DeflaterOutputStream d = new DeflaterOutputStream(out)) {
                    d.write(data);
                }
            }
            case "deflate-raw" -> {
                try (DeflaterOutputStream d = new DeflaterOutputStream(out, new Deflater(6, true))) {
                    d.write(data);
                }
            }
            case "br" -> {
                Brotli4jLoader.ensureAvailability();
                return Encoder.compress(data);
            }
            case "zstd" -> {
                return Zstd.compress(data);
            }
            default -> {
                return data;
            }
        }
        return out.toByteArray();
    }
}
