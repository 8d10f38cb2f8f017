package io.replaylink.ingest;

import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.DeflaterOutputStream;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/** The legacy store endpoint: a JSON event (plain, base64, base64 of zlib) becomes an envelope with one item. */
class StoreEndpointTest {
    static CapturingUpstream upstream;
    static TestSidecar sidecar;

    static final String EVENT = "{\"event_id\":\"9EC79C33-EC99-42AB-8353-589FCB2E04DC\",\"message\":\"boom\","
            + "\"level\":\"error\",\"contexts\":{\"trace\":{\"trace_id\":\"771a43a4192642f0b136d5159a501700\"}}}";

    @BeforeAll
    static void start() {
        upstream = CapturingUpstream.start();
        sidecar = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), ""));
    }

    @AfterAll
    static void stop() {
        sidecar.close();
        upstream.close();
    }

    static String expectedEnvelope(String type, String json) {
        return "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"" + type
                + "\",\"content_type\":\"application/json\",\"length\":" + json.getBytes(StandardCharsets.UTF_8).length
                + "}\n" + json + "\n";
    }

    @Test
    void jsonEventBecomesAnEventEnvelope() throws Exception {
        HttpResponse<String> r = sidecar.post("/api/1/store/", EVENT.getBytes(StandardCharsets.UTF_8),
                "X-Sentry-Auth", "Sentry sentry_key=" + KEY + ", sentry_version=7", "Content-Type", "application/json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}");
        CapturingUpstream.Captured c = upstream.take(5);
        assertThat(c.uri()).isEqualTo("/api/1/envelope/");
        assertThat(new String(c.body(), StandardCharsets.UTF_8)).isEqualTo(expectedEnvelope("event", EVENT));
    }

    @Test
    void transactionTypeBecomesATransactionItem() throws Exception {
        String tx = "{\"type\":\"transaction\",\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"spans\":[]}";
        assertThat(sidecar.post("/api/1/store/?sentry_key=" + KEY, tx.getBytes(StandardCharsets.UTF_8)).statusCode())
                .isEqualTo(200);
        assertThat(new String(upstream.take(5).body(), StandardCharsets.UTF_8))
                .isEqualTo(expectedEnvelope("transaction", tx));
    }

    @Test
    void base64AndBase64OfZlibAsOldSdksSendThem() throws Exception {
        byte[] json = EVENT.getBytes(StandardCharsets.UTF_8);
        byte[] b64 = Base64.getEncoder().encode(json);
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(z)) {
            d.write(json);
        }
        byte[] b64zlib = Base64.getEncoder().encode(z.toByteArray());
        for (byte[] body : new byte[][] {b64, b64zlib}) {
            assertThat(sidecar.post("/api/1/store/?sentry_key=" + KEY, body).statusCode()).isEqualTo(200);
            assertThat(new String(upstream.take(5).body(), StandardCharsets.UTF_8))
                    .isEqualTo(expectedEnvelope("event", EVENT));
        }
    }

    @Test
    void eventWithoutIdGetsOne() throws Exception {
        HttpResponse<String> r = sidecar.post("/api/1/store/?sentry_key=" + KEY,
                "{\"message\":\"no id\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).matches("\\{\"id\":\"[0-9a-f]{32}\"}");
        String id = r.body().substring(7, 39);
        assertThat(new String(upstream.take(5).body(), StandardCharsets.UTF_8)).startsWith("{\"event_id\":\"" + id);
    }

    @Test
    void envelopeContentTypeIsReadAsAnEnvelope() throws Exception {
        String envelope = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{}\n";
        assertThat(sidecar.post("/api/1/store/?sentry_key=" + KEY, envelope.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/x-sentry-envelope").statusCode()).isEqualTo(200);
        assertThat(new String(upstream.take(5).body(), StandardCharsets.UTF_8)).isEqualTo(envelope);
    }

    @Test
    void badBodiesAre400() throws Exception {
        String[][] cases = {
                {"{\"message\": ", "invalid JSON data"},
                {"[1,2]", "invalid request body"},
                {"!!!", "invalid request body"},
                {"{\"event_id\":\"nope\"}", "invalid event id"},
                {"", "empty request body"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = sidecar.post("/api/1/store/?sentry_key=" + KEY,
                    c[0].getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(r.body()).as(c[0]).contains(c[1]);
        }
        assertThat(upstream.drain()).isEmpty();
    }

    @Test
    void eventOverTheEventLimitIs413() throws Exception {
        String big = "{\"message\":\"" + "x".repeat(1024 * 1024) + "\"}";
        HttpResponse<String> r = sidecar.post("/api/1/store/?sentry_key=" + KEY, big.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("size limits for type 'event'");
    }
}
