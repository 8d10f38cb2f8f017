package io.replaylink.deploy;

import io.replaylink.config.ConfigLoader;
import io.replaylink.config.ReplayLinkConfig;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment kit under config/deploy works as written: every configuration it carries loads under the strict
 * loader with the REPLAYLINK_* variables it sets (a typo there would stop the sidecar at start-up), the nginx snippet
 * passes {@code nginx -t}, and the paths its health checks ask for are answered 200 by a running sidecar.
 */
class DeployKitTest {
    static final Path KIT = Path.of(System.getProperty("replaylink.projectRoot", ".."), "config", "deploy");
    static final Path PRODUCTION = KIT.resolveSibling("production.yaml");

    @Test
    void composeOverrideEnvironmentLoadsWithTheProductionConfig() throws Exception {
        Map<String, Object> compose = yaml(KIT.resolve("docker-compose.override.yml"));
        Map<String, Object> service = map(map(compose.get("services")).get("replaylink"));
        Map<String, String> env = strings(map(service.get("environment")));
        assertThat(env).isNotEmpty();
        ReplayLinkConfig config = ConfigLoader.load(PRODUCTION, env);
        assertThat(config.server().host()).isEqualTo("0.0.0.0");
        assertThat(service.get("command").toString()).contains("/etc/replaylink/replaylink.yaml");
    }

    @Test
    void kubernetesConfigMapLoadsWithItsContainersEnvironment() throws Exception {
        Map<String, Object> configMap = null;
        Map<String, Object> sidecar = null;
        for (Object doc : new Yaml().loadAll(Files.readString(KIT.resolve("kubernetes-sidecar.yaml")))) {
            Map<String, Object> d = map(doc);
            if ("ConfigMap".equals(d.get("kind"))) {
                configMap = d;
            }
            if ("Deployment".equals(d.get("kind"))) {
                Map<String, Object> pod = map(map(map(d.get("spec")).get("template")).get("spec"));
                for (Object c : (List<?>) pod.get("containers")) {
                    if ("replaylink".equals(map(c).get("name"))) {
                        sidecar = map(c);
                    }
                }
            }
        }
        assertThat(configMap).isNotNull();
        assertThat(sidecar).isNotNull();
        Map<String, String> env = new LinkedHashMap<>();
        for (Object e : (List<?>) sidecar.get("env")) {
            env.put(map(e).get("name").toString(), map(e).get("value").toString());
        }
        String yaml = map(configMap.get("data")).get("replaylink.yaml").toString();
        ReplayLinkConfig config = ConfigLoader.parse(yaml, env);
        assertThat(config.server().port()).isEqualTo(3000);
        assertThat(config.server().maxInflightBodyBytes()).isEqualTo(512L * 1024 * 1024);
        // the probes ask for paths a sidecar answers 200
        String ready = map(map(sidecar.get("readinessProbe")).get("httpGet")).get("path").toString();
        String live = map(map(sidecar.get("livenessProbe")).get("httpGet")).get("path").toString();
        assertAnswered(ready, live);
    }

    @Test
    void systemdUnitAndDockerfileEnvironmentLoadWithTheProductionConfig() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^Environment=(REPLAYLINK_[A-Z0-9_]+)=(\\S+)$")
                .matcher(Files.readString(KIT.resolve("replaylink.service")));
        while (m.find()) {
            env.put(m.group(1), m.group(2));
        }
        assertThat(env).containsKey("REPLAYLINK_SPOOL_DIR");
        assertThat(ConfigLoader.load(PRODUCTION, env).spool().dir().toString())
                .isEqualTo("/var/lib/replaylink/spool");

        String dockerfile = Files.readString(KIT.resolve("Dockerfile"));
        Map<String, String> dockerEnv = new LinkedHashMap<>();
        Matcher d = Pattern.compile("(?m)^ENV (REPLAYLINK_[A-Z0-9_]+)=(\\S+)$").matcher(dockerfile);
        while (d.find()) {
            dockerEnv.put(d.group(1), d.group(2));
        }
        assertThat(ConfigLoader.load(PRODUCTION, dockerEnv).server().host()).isEqualTo("0.0.0.0");
        assertThat(dockerfile).contains("USER replaylink").contains("HEALTHCHECK").contains("-Xmx");
        Matcher health = Pattern.compile("curl -fsS http://127\\.0\\.0\\.1:3000(\\S+)").matcher(dockerfile);
        assertThat(health.find()).isTrue();
        assertAnswered(health.group(1));
    }

    @Test
    void nginxSnippetPassesNginxTest() throws Exception {
        Path dir = Files.createTempDirectory("replaylink-nginx-kit");
        try {
            Path conf = Files.writeString(dir.resolve("nginx.conf"), """
                    pid %s/nginx.pid;
                    error_log %s/error.log;
                    events {}
                    http {
                    %s  include %s;
                    }
                    """.formatted(dir, dir, io.replaylink.testing.NginxConfigs.privatePaths(dir),
                    KIT.resolve("nginx-replaylink.conf").toAbsolutePath()));
            Process p = new ProcessBuilder("nginx", "-t", "-p", dir.toString(), "-c", conf.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("test is successful");
        } finally {
            io.replaylink.testing.TempDirs.delete(dir);
        }
        // the snippet routes exactly the ingest paths to ReplayLink
        String snippet = Files.readString(KIT.resolve("nginx-replaylink.conf"));
        Matcher location = Pattern.compile("location ~ (\\S+) \\{\\s*proxy_pass http://replaylink;").matcher(snippet);
        assertThat(location.find()).isTrue();
        Pattern route = Pattern.compile(location.group(1));
        assertThat(route.matcher("/api/42/envelope/").find()).isTrue();
        assertThat(route.matcher("/api/42/store").find()).isTrue();
        assertThat(route.matcher("/api/0/relays/register/challenge/").find()).isFalse();
        assertThat(route.matcher("/api/42/security/").find()).isFalse();
    }

    /**
     * The alert rules and the dashboard use only metrics the sidecar exports: after an error that arrives before its
     * replay, the replay, and an error after it (every series the kit asks for then exists), each metric name in the
     * rules' and panels' expressions has samples at {@code /metrics}.
     */
    @Test
    void alertRulesAndDashboardUseExportedMetrics() throws Exception {
        java.util.Set<String> used = new java.util.TreeSet<>();
        Matcher m = Pattern.compile("(?:replaylink|jvm|process)_[a-z_]+").matcher(Files.readString(KIT.resolve("prometheus-alerts.yml"))
                + Files.readString(KIT.resolve("grafana-dashboard.json")));
        while (m.find()) {
            used.add(m.group());
        }
        assertThat(used).contains("replaylink_links_total", "replaylink_spool_oldest_age_seconds",
                "replaylink_index_operations_total", "replaylink_requests_total", "replaylink_sink_up",
                "replaylink_index_up", "jvm_memory_used_bytes", "process_cpu_seconds_total");
        Path spool = Files.createTempDirectory("replaylink-kit-spool");
        try (io.replaylink.testing.CapturingUpstream upstream = io.replaylink.testing.CapturingUpstream.start();
             TestSidecar sidecar = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), """
                     processors: [{name: replay-linker}]
                     spool: {enabled: true, dir: "%s"}
                     """.formatted(spool)))) {
            String trace = io.replaylink.testing.Envelopes.id();
            String replay = io.replaylink.testing.Envelopes.id();
            assertThat(sidecar.post("/api/1/envelope/?sentry_key=" + TestSidecar.KEY, io.replaylink.testing.Envelopes.backendError(
                    io.replaylink.testing.Envelopes.id(), trace, "error", false)).statusCode()).isEqualTo(200);
            assertThat(sidecar.post("/api/1/envelope/?sentry_key=" + TestSidecar.KEY, io.replaylink.testing.Envelopes.replayEvent(replay, trace))
                    .statusCode()).isEqualTo(200);
            assertThat(sidecar.post("/api/1/envelope/?sentry_key=" + TestSidecar.KEY, io.replaylink.testing.Envelopes.backendError(
                    io.replaylink.testing.Envelopes.id(), trace, "error", false)).statusCode()).isEqualTo(200);
            // the spool delivers after the answer: wait (at most 10 s) for the sends to be counted
            String metrics = sidecar.get("/metrics").body();
            for (long deadline = System.currentTimeMillis() + 10_000; System.currentTimeMillis() < deadline
                    && !metrics.contains("replaylink_sink_sends_total{"); ) {
                Thread.sleep(50);
                metrics = sidecar.get("/metrics").body();
            }
            for (String name : used) {
                assertThat(Pattern.compile("(?m)^" + name + "[{ ]").matcher(metrics).find())
                        .as(name + " at /metrics").isTrue();
            }
            // the two links (the early error, late; the later one, inline) count for their project
            assertThat(metrics).contains("replaylink_project_links_total{project=\"1\"} 2.0");
            assertThat(metrics).containsPattern("replaylink_build_info\\{java=\"[^\"]+\",version=\"[^\"]+\"} 1(\\.0)?\n");
        } finally {
            io.replaylink.testing.TempDirs.delete(spool);
        }
    }

    private static void assertAnswered(String... paths) throws Exception {
        try (TestSidecar sidecar = TestSidecar.start(TestSidecar.httpConfig("http://127.0.0.1:9", ""))) {
            for (String path : paths) {
                assertThat(sidecar.get(path).statusCode()).as(path).isEqualTo(200);
            }
        }
    }

    private static Map<String, Object> yaml(Path file) throws Exception {
        return map(new Yaml().load(Files.readString(file)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static Map<String, String> strings(Map<String, Object> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }
}
