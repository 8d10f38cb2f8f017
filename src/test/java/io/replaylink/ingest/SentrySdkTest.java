package io.replaylink.ingest;

import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.SentrySdk;
import io.replaylink.testing.TestSidecar;
import io.sentry.Attachment;
import io.sentry.Hint;
import io.sentry.ITransaction;
import io.sentry.Sentry;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Sentry SDK ({@code io.sentry:sentry}) as the client: its error, transaction and attachment reach the
 * upstream exactly as the SDK sent them. A recording proxy between the SDK and ReplayLink keeps what the SDK put on
 * the wire (gzip, its own headers, connection closed after each send) to compare with what the upstream got.
 */
class SentrySdkTest {
    static Vertx vertx;
    static CapturingUpstream upstream;
    static TestSidecar sidecar;
    static HttpServer recorder;
    static final List<byte[]> sent = Collections.synchronizedList(new ArrayList<>());
    static final List<MultiMap> sentHeaders = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        upstream = CapturingUpstream.start(vertx);
        sidecar = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), ""));
        HttpClient client = vertx.createHttpClient();
        recorder = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
            sentHeaders.add(headers);
            sent.add("gzip".equals(headers.get("Content-Encoding")) ? gunzip(body.getBytes()) : body.getBytes());
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                    .setPort(sidecar.port()).setURI(req.uri()).setHeaders(headers.remove("Host"));
            client.request(options).compose(r -> r.send(body)).onSuccess(resp -> resp.body().onSuccess(answer ->
                    req.response().setStatusCode(resp.statusCode()).end(answer)));
        }));
        recorder.listen(0, "127.0.0.1").await();
    }

    @AfterAll
    static void stop() {
        Sentry.close();
        recorder.close().await();
        sidecar.close();
        upstream.close();
        vertx.close().await();
    }

    static byte[] gunzip(byte[] gz) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void errorTransactionAndAttachmentArriveByteForByte() throws Exception {
        SentrySdk.init("http://" + KEY + "@127.0.0.1:" + recorder.actualPort() + "/1");
        ITransaction tx = Sentry.startTransaction("GET /checkout", "http.server");
        tx.startChild("db.query", "select 1").finish();
        Sentry.captureException(new IllegalStateException("payment failed"),
                Hint.withAttachment(new Attachment("order 42\r\n\u0000binary".getBytes(StandardCharsets.ISO_8859_1),
                        "order.txt", "text/plain")));
        tx.finish();
        Sentry.flush(10_000);

        List<byte[]> received = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 10_000;
        while (received.size() < sent.size() || sent.size() < 2) {
            if (System.currentTimeMillis() > deadline) {
                break;
            }
            CapturingUpstream.Captured c = upstream.take(10);
            received.add(c.body());
            assertThat(c.header("X-Sentry-Auth")).contains("sentry_key=" + KEY);
        }
        assertThat(sent).hasSizeGreaterThanOrEqualTo(2);
        assertThat(sentHeaders).allSatisfy(h -> assertThat(h.get("Content-Encoding")).isEqualTo("gzip"));
        assertThat(asText(received)).containsExactlyInAnyOrderElementsOf(asText(sent));
        String all = String.join("\n", asText(received));
        assertThat(all).contains("\"type\":\"event\"").contains("\"type\":\"transaction\"")
                .contains("\"type\":\"attachment\"").contains("payment failed").contains("order 42\r\n\u0000binary");
    }

    static List<String> asText(List<byte[]> bodies) {
        return bodies.stream().map(b -> new String(b, StandardCharsets.ISO_8859_1)).toList();
    }
}
