package io.replaylink.replay;

import io.replaylink.spi.ReplayLinkMessage;
import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.CollectingSinkProvider;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.SentrySdk;
import io.replaylink.testing.TestSidecar;
import io.sentry.Sentry;
import io.sentry.protocol.SentryId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real Java SDK ({@code io.sentry:sentry}) as the backend service: it continues a trace from the headers a
 * browser sent ({@code sentry-trace}, {@code baggage}) and captures an exception; the upstream must see it linked
 * to the browser's replay in every case the contract names.
 */
class SentrySdkLinkingTest {
    static CapturingUpstream upstream;
    static TestSidecar sidecar;
    static CollectingSinkProvider.Collected links;

    @BeforeAll
    static void start() {
        upstream = CapturingUpstream.start();
        String sinkId = "sdk-" + Envelopes.id();
        sidecar = TestSidecar.start("""
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                index: {name: memory}
                processors: [replay-linker]
                sinks:
                  - {name: http, config: {url: "%s"}}
                  - {name: test-collect, config: {id: %s}}
                """.formatted(upstream.url(), sinkId));
        links = CollectingSinkProvider.get(sinkId);
        SentrySdk.init(sidecar.dsn(1));
    }

    @AfterAll
    static void stop() {
        Sentry.close();
        sidecar.close();
        upstream.close();
    }

    @BeforeEach
    void clear() {
        upstream.drain();
        links.links().clear();
        links.envelopes().clear();
    }

    /** The SDK continues the browser's trace and captures an exception; returns the envelope the upstream got. */
    static String captureInTrace(String trace, String baggage) throws Exception {
        Sentry.continueTrace(trace + "-b0e6f15b45c36b12-1", List.of(baggage));
        SentryId id = Sentry.captureException(new IllegalStateException("checkout failed"));
        Sentry.flush(5000);
        String body = awaitUpstream(id.toString());
        assertThat(body).contains("\"trace_id\":\"" + trace + "\"");
        return body;
    }

    static String awaitUpstream(String eventId) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            CapturingUpstream.Captured c = upstream.take(10);
            String body = new String(c.body(), StandardCharsets.UTF_8);
            if (body.contains(eventId)) {
                return body;
            }
        }
        throw new AssertionError("upstream never got event " + eventId);
    }

    static void sendFromBrowser(byte[] envelope) throws Exception {
        assertThat(sidecar.post("/api/1/envelope/?sentry_key=" + KEY, envelope).statusCode()).isEqualTo(200);
    }

    @Test
    void baggageWithReplayIdLinksTheSdksError() throws Exception {
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        String body = captureInTrace(trace, "sentry-trace_id=" + trace + ",sentry-public_key=" + KEY
                + ",sentry-sample_rate=1,sentry-sampled=true,sentry-replay_id=" + replay);
        assertThat(body).contains("\"replay_id\":\"" + replay + "\"");
        assertThat(body).contains("\"contexts\":{\"replay\":{\"replay_id\":\"" + replay + "\"}");
    }

    @Test
    void replayEventFirstLinksTheSdksErrorThroughTheIndex() throws Exception {
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        sendFromBrowser(Envelopes.replayEvent(replay, trace));
        String body = captureInTrace(trace, "sentry-trace_id=" + trace + ",sentry-public_key=" + KEY
                + ",sentry-sampled=true");
        assertThat(body).contains("\"contexts\":{\"replay\":{\"replay_id\":\"" + replay + "\"}")
                .contains("\"replay_id\":\"" + replay + "\"}");
        assertThat(links.links()).isEmpty();
    }

    @Test
    void replayEventAfterTheSdksErrorEmitsOneEventLink() throws Exception {
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        String body = captureInTrace(trace, "sentry-trace_id=" + trace + ",sentry-public_key=" + KEY
                + ",sentry-sampled=true");
        assertThat(body).doesNotContain("\"replay\":{");
        String eventId = body.substring(body.indexOf("\"event_id\":\"") + 12).substring(0, 32);
        sendFromBrowser(Envelopes.replayEvent(replay, trace));
        ReplayLinkMessage link = links.links().poll(5, TimeUnit.SECONDS);
        assertThat(link).isNotNull();
        assertThat(link.eventId()).isEqualTo(eventId);
        assertThat(link.replayId()).isEqualTo(replay);
        assertThat(ReplayLinkingTest.innerPayload(new String(link.message(), StandardCharsets.UTF_8)))
                .contains("\"error_id\":\"" + eventId + "\"");
        sendFromBrowser(Envelopes.replayEvent(replay, trace));
        assertThat(links.links().poll(300, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void bufferModeBrowserErrorCarriesThePair() throws Exception {
        String trace = Envelopes.id();
        String replay = Envelopes.id();
        String body = captureInTrace(trace, "sentry-trace_id=" + trace + ",sentry-public_key=" + KEY
                + ",sentry-sampled=false");
        String eventId = body.substring(body.indexOf("\"event_id\":\"") + 12).substring(0, 32);
        sendFromBrowser(Envelopes.browserError(Envelopes.id(), trace, replay));
        ReplayLinkMessage link = links.links().poll(5, TimeUnit.SECONDS);
        assertThat(link).isNotNull();
        assertThat(link.eventId()).isEqualTo(eventId);
        assertThat(link.replayId()).isEqualTo(replay);
        sendFromBrowser(Envelopes.replayEvent(replay, trace));
        assertThat(links.links().poll(300, TimeUnit.MILLISECONDS)).isNull();
    }
}
