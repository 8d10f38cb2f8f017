package io.replaylink.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.replaylink.testing.SidecarProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar as a process, with its Kafka broker and Redis down (two closed ports): what an operator's log collector
 * gets with {@code logging.format: json}, how repeats are limited, and that per-logger levels apply to libraries.
 */
class JsonLogsTest {

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Path config(Path dir, String logging) throws Exception {
        Path config = dir.resolve("replaylink.yaml");
        Files.writeString(config, """
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                index: {name: redis, config: {uri: "redis://127.0.0.1:%d"}}
                sinks:
                  - name: kafka
                    config: {bootstrap_servers: "127.0.0.1:%d"}
                logging: %s
                """.formatted(closedPort(), closedPort(), logging));
        return config;
    }

    private static Map<String, String> json(String line) throws Exception {
        Map<String, String> fields = new HashMap<>();
        try (JsonParser p = new JsonFactory().createParser(line)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                fields.put(name, p.getValueAsString());
                p.skipChildren();
            }
            assertThat(p.currentToken()).isEqualTo(JsonToken.END_OBJECT);
            assertThat(p.nextToken()).isNull();
        }
        return fields;
    }

    @Test
    void jsonLinesCarryEveryLibrarysLogsAndRepeatsAreLimited(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("out.log");
        try (SidecarProcess sidecar = SidecarProcess.start(config(dir, "{format: json, repeat_window_ms: 2000}"), log)) {
            Thread.sleep(6_500);
            List<String> lines = sidecar.log().lines().filter(l -> l.startsWith("{")).toList();
            List<Map<String, String>> records = new java.util.ArrayList<>();
            for (String line : lines) {
                Map<String, String> r = json(line);
                assertThat(r).containsKeys("@timestamp", "level", "logger_name", "thread_name", "message");
                records.add(r);
            }
            // everything else on the output is the start-up text on stdout
            assertThat(sidecar.log().lines().filter(l -> !l.startsWith("{")))
                    .allMatch(l -> l.startsWith("ReplayLink ") || l.startsWith("  "));
            assertThat(records).anyMatch(r -> r.get("logger_name").equals("io.replaylink.index.redis.RedisConnection")
                    && r.get("level").equals("WARN"));
            long kafkaRefused = records.stream().filter(r -> r.get("logger_name")
                    .equals("org.apache.kafka.clients.NetworkClient") && r.get("message").contains("could not be established"))
                    .count();
            // the client retries from every 50 ms up to every second: dozens in 6.5 s; once per 2 s window here
            assertThat(kafkaRefused).isBetween(1L, 5L);
            assertThat(records).anyMatch(r -> r.get("message").matches("\\(\\d+ like the next message of "
                    + "org\\.apache\\.kafka\\.clients\\.NetworkClient left out in the last 2 s\\)"));
        }
    }

    @Test
    void levelsPerLoggerReachTheLibraries(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("out.log");
        try (SidecarProcess sidecar = SidecarProcess.start(config(dir,
                "{format: text, levels: {org.apache.kafka: error, io.replaylink.index: error, io.lettuce: warn}}"), log)) {
            Thread.sleep(3_000);
            String out = sidecar.log();
            assertThat(out).doesNotContain("NetworkClient").doesNotContain("RedisConnection")
                    .doesNotContain("computationThreadPoolSize");
            assertThat(out).contains("listening on http://127.0.0.1:");
        }
    }
}
