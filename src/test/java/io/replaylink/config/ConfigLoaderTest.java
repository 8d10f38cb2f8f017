package io.replaylink.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {
    static final String MINIMAL = "sinks: [file]\n";

    @Test
    void shippedConfigsAreValid() {
        Path root = Path.of(System.getProperty("replaylink.projectRoot", ".."));
        ReplayLinkConfig embedded = ConfigLoader.load(root.resolve("config/replaylink.yaml"), Map.of());
        assertThat(embedded.server().port()).isEqualTo(3000);
        assertThat(embedded.server().host()).isEqualTo("127.0.0.1");
        assertThat(embedded.sinks()).extracting(ReplayLinkConfig.PluginEntry::name).containsExactly("file");
        // development: any project id, any key
        assertThat(embedded.project(1L).acceptsAnyKey()).isTrue();
        assertThat(embedded.project(4_242L).id()).isEqualTo(4_242L);
        ReplayLinkConfig production = ConfigLoader.load(root.resolve("config/production.yaml"), Map.of());
        assertThat(production.sinks()).as("one sink: every envelope reaches Sentry once")
                .extracting(ReplayLinkConfig.PluginEntry::name).containsExactly("http");
        assertThat(production.processors()).as("sampling shown but off")
                .extracting(ReplayLinkConfig.PluginEntry::name).containsExactly("replay-linker");
        assertThat(production.index().name()).isEqualTo("redis");
        assertThat(production.spool().enabled()).isTrue();
        try {
            var rules = io.replaylink.sampling.RulesFile.load(Files.readString(root.resolve("config/sampling.yaml")));
            assertThat(rules.defaults().rules()).extracting(io.replaylink.sampling.SamplingRule::id)
                    .containsExactly(1005L, 1000L);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void anyProjectIdIsAcceptedOnlyWithIdAny() throws Exception {
        ReplayLinkConfig listed = ConfigLoader.parse("""
                projects: [{id: 7, public_keys: []}]
                sinks: [{name: file}]
                """, Map.of());
        assertThat(listed.project(7L)).isNotNull();
        assertThat(listed.project(8L)).isNull();
        ReplayLinkConfig any = ConfigLoader.parse("""
                projects: [{id: 7, organization_id: 3, public_keys: []}, {id: any, organization_id: 9, public_keys: []}]
                sinks: [{name: file}]
                """, Map.of());
        assertThat(any.project(7L).organizationId()).isEqualTo(3);
        assertThat(any.project(8L).organizationId()).isEqualTo(9);
        assertThat(any.project(8L).id()).isEqualTo(8);
        // over HTTP: a project id nobody listed is accepted
        try (io.replaylink.testing.CapturingUpstream upstream = io.replaylink.testing.CapturingUpstream.start();
             io.replaylink.testing.TestSidecar sidecar = io.replaylink.testing.TestSidecar.start("""
                     server: {port: 0}
                     projects: [{id: any, public_keys: []}]
                     sinks: [{name: http, config: {url: "%s"}}]
                     """.formatted(upstream.url()))) {
            var answer = sidecar.post("/api/4242/envelope/?sentry_key=" + io.replaylink.testing.TestSidecar.KEY,
                    io.replaylink.testing.Envelopes.backendError(io.replaylink.testing.Envelopes.id(),
                            io.replaylink.testing.Envelopes.id()));
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        }
    }

    @Test
    void defaultsAreRelays() {
        ReplayLinkConfig c = ConfigLoader.parse(MINIMAL, Map.of());
        assertThat(c.limits().maxRequestSize()).isEqualTo(20L * 1024 * 1024);
        assertThat(c.limits().maxEnvelopeSize()).isEqualTo(200L * 1024 * 1024);
        assertThat(c.limits().envelope().maxEventSize()).isEqualTo(1024 * 1024);
        assertThat(c.limits().envelope().maxAttachmentSize()).isEqualTo(200L * 1024 * 1024);
    }

    @Test
    void sizesTakeUnits() {
        ReplayLinkConfig c = ConfigLoader.parse("limits: {max_event_size: 100KB, max_request_size: 2MiB,"
                + " max_envelope_size: 5000}\n" + MINIMAL, Map.of());
        assertThat(c.limits().envelope().maxEventSize()).isEqualTo(100_000);
        assertThat(c.limits().maxRequestSize()).isEqualTo(2 * 1024 * 1024);
        assertThat(c.limits().maxEnvelopeSize()).isEqualTo(5000);
    }

    @Test
    void environmentOverridesAnyScalar() {
        ReplayLinkConfig c = ConfigLoader.parse("server: {port: 3000}\n" + MINIMAL,
                Map.of("REPLAYLINK_SERVER_PORT", "3100", "REPLAYLINK_LIMITS_MAX_EVENT_SIZE", "2MiB"));
        assertThat(c.server().port()).isEqualTo(3100);
        assertThat(c.limits().envelope().maxEventSize()).isEqualTo(2 * 1024 * 1024);
    }

    /** List entries take the documented form, one {@code _} between the parts: {@code REPLAYLINK_PROJECTS_0_...}. */
    @Test
    void listEntriesAreOverriddenInTheDocumentedForm() {
        ReplayLinkConfig c = ConfigLoader.parse("projects: [{id: 1, public_keys: []}]\n" + MINIMAL,
                Map.of("REPLAYLINK_PROJECTS_0_ORGANIZATION_ID", "5"));
        assertThat(c.projects().get(1L).organizationId()).isEqualTo(5);
        assertThat(ConfigSection.envName("sinks[0].config.url")).isEqualTo("REPLAYLINK_SINKS_0_CONFIG_URL");
        assertThat(ConfigSection.envName("server.port")).isEqualTo("REPLAYLINK_SERVER_PORT");
    }

    /** A misspelt variable would silently do nothing: start-up stops and names the nearest one. */
    @Test
    void anUnknownVariableStopsStartUpNamingTheNearest() {
        assertThatThrownBy(() -> ConfigLoader.parse(MINIMAL, Map.of("REPLAYLINK_SERVER_PROT", "3100")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("REPLAYLINK_SERVER_PROT overrides no configuration key")
                .hasMessageContaining("the nearest is REPLAYLINK_SERVER_PORT");
        ReplayLinkConfig ok = ConfigLoader.parse(MINIMAL, Map.of("REPLAYLINK_HEAP", "2g",
                "REPLAYLINK_SINKS_0_CONFIG_DIR", "/tmp/x", "OTHER", "1"));
        assertThat(ok.sinks()).hasSize(1);
    }

    @Test
    void errorsNameTheKey() {
        assertKeyError("server: {prot: 1}\n" + MINIMAL, "server.prot", "unknown key");
        assertKeyError("server: {port: 70000}\n" + MINIMAL, "server.port", "between 0 and 65535");
        assertKeyError("server: {port: abc}\n" + MINIMAL, "server.port", "whole number");
        assertKeyError("limits: {max_event_size: lots}\n" + MINIMAL, "limits.max_event_size", "size");
        assertKeyError("projects: [{public_keys: []}]\n" + MINIMAL, "projects[0].id", "missing");
        assertKeyError("projects: [{id: 1, public_keys: [abc]}]\n" + MINIMAL, "projects[0].public_keys", "32 hex");
        assertKeyError("projects: [{id: 1}, {id: 1}]\n" + MINIMAL, "projects[1].id", "twice");
        assertKeyError("sinks: []\n", "sinks", "at least one sink");
        assertKeyError("sinks: [{config: {}}]\n", "sinks[0].name", "missing");
        assertKeyError("bogus: 1\n" + MINIMAL, "bogus", "unknown key");
        assertKeyError("7: 1\n" + MINIMAL, "7", "unknown key");
        assertKeyError("server: [1, 2]\n" + MINIMAL, "server", "mapping");
        assertKeyError("a: b: c\n", "(file)", "not valid YAML at line 1, column 5");
        assertKeyError("server:\n  port: 1\n  host: [\n", "(file)", "not valid YAML at line 4");
    }

    @Test
    void envOverrideIsValidatedToo() {
        assertThatThrownBy(() -> ConfigLoader.parse(MINIMAL, Map.of("REPLAYLINK_SERVER_PORT", "x")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("server.port");
    }

    @Test
    void missingFileIsAClearError(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no such file");
        Path ok = Files.writeString(dir.resolve("ok.yaml"), MINIMAL);
        assertThat(ConfigLoader.load(ok, Map.of()).sinks()).hasSize(1);
    }

    @Test
    void loggingFormatLevelsAndTheirOverrides() {
        var d = ConfigLoader.parse(MINIMAL, Map.of()).logging();
        assertThat(d).isEqualTo(io.replaylink.logging.LoggingSettings.defaults());
        var set = ConfigLoader.parse(MINIMAL + "logging: {format: json, level: WARN, levels: {io.netty: debug}, "
                + "repeat_window_ms: 0}\n", Map.of()).logging();
        assertThat(set).isEqualTo(new io.replaylink.logging.LoggingSettings("json", "warn",
                Map.of("io.netty", "debug"), 0));
        var env = ConfigLoader.parse(MINIMAL, Map.of("REPLAYLINK_LOGGING_FORMAT", "json",
                "REPLAYLINK_LOGGING_LEVEL", "debug")).logging();
        assertThat(env.format()).isEqualTo("json");
        assertThat(env.level()).isEqualTo("debug");
        assertKeyError(MINIMAL + "logging: {format: xml}\n", "logging.format", "must be text or json, got xml");
        assertKeyError(MINIMAL + "logging: {level: loud}\n", "logging.level", "must be one of trace");
        assertKeyError(MINIMAL + "logging: {levels: {io.netty: chatty}}\n", "logging.levels.io.netty",
                "must be one of trace");
        assertKeyError(MINIMAL + "logging: {fromat: json}\n", "logging.fromat", "unknown key");
    }

    @Test
    void theAdminListenerIsOffByDefaultAndNeverOnTheIngestPort() {
        assertThat(ConfigLoader.parse(MINIMAL, Map.of()).admin().enabled()).isFalse();
        var admin = ConfigLoader.parse(MINIMAL + "admin: {enabled: true, port: 0, token: t}\n", Map.of()).admin();
        assertThat(admin).isEqualTo(new ReplayLinkConfig.Admin(true, "127.0.0.1", 0, "t"));
        assertKeyError(MINIMAL + "server: {port: 3100}\nadmin: {enabled: true, port: 3100}\n", "admin.port",
                "must differ from server.port");
        assertKeyError(MINIMAL + "admin: {enabled: true, prot: 1}\n", "admin.prot", "unknown key");
    }

    static void assertKeyError(String yaml, String key, String reason) {
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo(key);
                    assertThat(e.getMessage()).contains(reason);
                });
    }
}
