package io.replaylink.metrics;

import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.CapturingUpstream.Answer;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an operator's dashboard reads besides traffic: the upstream's health as the http sink sees it (a real HTTP
 * upstream that fails and recovers), the index's, the client's standard JVM and process metrics, and the spool's
 * gauges only when there is a spool.
 */
class HealthMetricsTest {

    private static final String ENVELOPE = "/api/1/envelope/?sentry_key=" + KEY;

    @Test
    void sinkUpFollowsTheUpstreamAndTheStandardJvmMetricsAreExported() throws Exception {
        try (CapturingUpstream upstream = CapturingUpstream.start();
             TestSidecar sidecar = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), ""))) {
            String before = sidecar.get("/metrics").body();
            assertThat(before).containsPattern("(?m)^replaylink_sink_up\\{sink=\"http\"} 1")
                    .containsPattern("(?m)^replaylink_index_up 1")
                    .containsPattern("(?m)^jvm_memory_used_bytes\\{area=\"heap\"} \\d")
                    .containsPattern("(?m)^jvm_threads_current \\d")
                    .containsPattern("(?m)^jvm_gc_collection_seconds_count\\{gc=\"[^\"]+\"} \\d")
                    .containsPattern("(?m)^process_cpu_seconds_total \\d")
                    .containsPattern("(?m)^process_resident_memory_bytes \\d")
                    .containsPattern("(?m)^replaylink_build_info\\{java=\"[^\"]+\",version=\"[^\"]+\"} 1")
                    .doesNotContain("replaylink_spool_bytes");

            upstream.respondWith(c -> Answer.status(503));
            var failed = sidecar.post(ENVELOPE, Envelopes.backendError(Envelopes.id(), Envelopes.id()));
            assertThat(failed.statusCode()).isEqualTo(503);
            assertThat(sidecar.get("/metrics").body()).containsPattern("(?m)^replaylink_sink_up\\{sink=\"http\"} 0");

            upstream.respondWith(c -> Answer.ok());
            var ok = sidecar.post(ENVELOPE, Envelopes.backendError(Envelopes.id(), Envelopes.id()));
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(sidecar.get("/metrics").body()).containsPattern("(?m)^replaylink_sink_up\\{sink=\"http\"} 1");

            // refused for good (a 4xx the client gets too) is an answer: the upstream is up
            upstream.respondWith(c -> Answer.status(400));
            sidecar.post(ENVELOPE, Envelopes.backendError(Envelopes.id(), Envelopes.id()));
            assertThat(sidecar.get("/metrics").body()).containsPattern("(?m)^replaylink_sink_up\\{sink=\"http\"} 1");
        }
    }

    @Test
    void anIndexThatCannotBeReachedIsDownFromTheStart(@TempDir Path dir) throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        try (TestSidecar sidecar = TestSidecar.start("""
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                index: {name: redis, config: {uri: "redis://127.0.0.1:%d", connect_timeout_ms: 300}}
                sinks: [{name: file, config: {dir: %s}}]
                """.formatted(closed, dir))) {
            assertThat(sidecar.get("/metrics").body()).containsPattern("(?m)^replaylink_index_up 0");
        }
    }

    @Test
    void theSpoolsGaugesAreExportedWhenThereIsASpool(@TempDir Path dir) throws Exception {
        try (CapturingUpstream upstream = CapturingUpstream.start();
             TestSidecar sidecar = TestSidecar.start(TestSidecar.httpConfig(upstream.url(),
                     "spool: {enabled: true, dir: " + dir + "}"))) {
            assertThat(sidecar.get("/metrics").body()).containsPattern("(?m)^replaylink_spool_bytes \\d")
                    .containsPattern("(?m)^replaylink_spool_oldest_age_seconds \\d");
        }
    }
}
