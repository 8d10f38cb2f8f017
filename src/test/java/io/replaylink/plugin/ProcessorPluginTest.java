package io.replaylink.plugin;

import io.replaylink.config.ConfigException;
import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Plugins through the SPI: the example plugin jar (its own META-INF/services, built against plugin-spi alone) is
 * found by ServiceLoader, configured by name, and runs in config order; broken plugins never lose an envelope.
 */
class ProcessorPluginTest {
    static CapturingUpstream upstream;

    static final byte[] ENVELOPE = ("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{}\n"
            + "{\"type\":\"attachment\",\"length\":3}\nabc\n{\"type\":\"client_report\"}\n{}\n")
            .getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void start() {
        upstream = CapturingUpstream.start();
    }

    @AfterAll
    static void stop() {
        upstream.close();
    }

    @Test
    void examplePluginIsDiscoveredConfiguredAndRunsInConfigOrder() throws Exception {
        String config = TestSidecar.httpConfig(upstream.url(), """
                processors:
                  - name: example-tagger
                    config: {value: first, drop_types: [attachment]}
                  - name: example-tagger
                    config: {value: second, reject_project: 2}
                """);
        try (TestSidecar s = TestSidecar.start(config)) {
            HttpResponse<String> r = s.post("/api/1/envelope/?sentry_key=" + KEY, ENVELOPE);
            assertThat(r.statusCode()).isEqualTo(200);
            String forwarded = new String(upstream.take(5).body(), StandardCharsets.UTF_8);
            assertThat(forwarded).isEqualTo("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\","
                    + "\"x_example_tags\":[\"first\",\"second\"]}\n{\"type\":\"event\"}\n{}\n"
                    + "{\"type\":\"client_report\"}\n{}\n");
            HttpResponse<String> rejected = s.post("/api/2/envelope/?sentry_key=" + TestSidecar.OTHER_KEY, ENVELOPE);
            assertThat(rejected.statusCode()).isEqualTo(403);
            assertThat(rejected.body()).contains("project 2 is refused by example-tagger");
            assertThat(upstream.drain()).isEmpty();
            assertThat(s.get("/metrics").body())
                    .contains("replaylink_items_total{outcome=\"dropped\",reason=\"example-tagger\",type=\"any\"} 2.0");
        }
    }

    @Test
    void failingAndSlowProcessorsAreSkippedNotFatal() throws Exception {
        String config = TestSidecar.httpConfig(upstream.url(), """
                processors:
                  - name: test-failing
                  - name: test-slow
                  - name: example-tagger
                    config: {value: after}
                """).replace("sink_timeout_ms: 10000", "sink_timeout_ms: 10000, processor_timeout_ms: 200");
        try (TestSidecar s = TestSidecar.start(config)) {
            HttpResponse<String> r = s.post("/api/1/envelope/?sentry_key=" + KEY, ENVELOPE);
            assertThat(r.statusCode()).isEqualTo(200);
            String forwarded = new String(upstream.take(5).body(), StandardCharsets.UTF_8);
            assertThat(forwarded).contains("\"x_example_tags\":[\"after\"]").contains("abc");
            assertThat(s.get("/metrics").body())
                    .contains("replaylink_processor_failures_total{processor=\"test-failing\"} 1.0")
                    .contains("replaylink_processor_failures_total{processor=\"test-slow\"} 1.0");
        }
    }

    @Test
    void unknownPluginNameStopsStartUpNamingTheKey() {
        String config = TestSidecar.httpConfig(upstream.url(), """
                processors:
                  - name: no-such-plugin
                """);
        assertThatThrownBy(() -> TestSidecar.start(config))
                .rootCause().isInstanceOf(ConfigException.class)
                .hasMessageContaining("processors[0].name")
                .hasMessageContaining("no-such-plugin")
                .hasMessageContaining("example-tagger");
    }

    @Test
    void badPluginConfigNamesTheKey() {
        String config = TestSidecar.httpConfig(upstream.url(), """
                processors:
                  - name: example-tagger
                    config: {reject_project: lots}
                """);
        assertThatThrownBy(() -> TestSidecar.start(config))
                .rootCause().isInstanceOf(ConfigException.class)
                .hasMessageContaining("processors[0].config.reject_project");
    }

    @Test
    void aKeyNoPluginReadsIsATypoThatStopsStartUp() {
        String processor = TestSidecar.httpConfig(upstream.url(), """
                processors:
                  - name: replay-linker
                    config: {lookup_timout_ms: 50}
                """);
        assertThatThrownBy(() -> TestSidecar.start(processor))
                .rootCause().isInstanceOf(ConfigException.class)
                .hasMessageContaining("processors[0].config.lookup_timout_ms: unknown key")
                .hasMessageContaining("lookup_timeout_ms");
        String index = TestSidecar.httpConfig(upstream.url(), """
                index: {name: memory, config: {uri: "redis://127.0.0.1:1"}}
                """);
        assertThatThrownBy(() -> TestSidecar.start(index))
                .rootCause().isInstanceOf(ConfigException.class)
                .hasMessageContaining("index.config.uri: unknown key");
        assertThatThrownBy(() -> TestSidecar.start(TestSidecar.httpConfig(upstream.url(), ""),
                java.util.Map.of("REPLAYLINK_SINKS_0_CONFIG_URLL", "http://127.0.0.1:1")))
                .rootCause().isInstanceOf(ConfigException.class)
                .hasMessageContaining("sinks[0].config.urll: unknown key");
    }

    @Test
    void pluginSizesTakeUnits() {
        io.replaylink.spi.PluginConfig c = io.replaylink.testing.PluginContexts.of("t", "x.config",
                java.util.Map.of("a", "1MiB", "b", "100 KB", "c", 4096, "d", "lots", "e", "9999999999 GiB")).config();
        assertThat(c.bytes("a", 0)).isEqualTo(1024 * 1024);
        assertThat(c.bytes("b", 0)).isEqualTo(100_000);
        assertThat(c.bytes("c", 0)).isEqualTo(4096);
        assertThat(c.bytes("missing", 7)).isEqualTo(7);
        assertThatThrownBy(() -> c.bytes("d", 0)).hasMessageContaining("x.config.d: must be a size");
        assertThatThrownBy(() -> c.bytes("e", 0)).hasMessageContaining("x.config.e: must be a size");
    }
}
