package io.replaylink.forward;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.replaylink.envelope.JsonValues;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

class FileSinkTest {
    static final byte[] ENVELOPE = ("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n"
            + "{\"type\":\"event\",\"length\":16}\n{\"message\":\"hi\"}\n"
            + "{\"type\":\"attachment\",\"length\":3}\n\u0000\u0001\u0002\n").getBytes(StandardCharsets.ISO_8859_1);

    static String config(Path dir, long maxFileSize, int maxFiles) {
        return """
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                sinks:
                  - name: file
                    config: {dir: "%s", max_file_size: %d, max_files: %d}
                """.formatted(dir, maxFileSize, maxFiles);
    }

    @Test
    @SuppressWarnings("unchecked")
    void writesOneJsonLinePerEnvelopeWithJsonPayloadsInlineAndBinaryAsBase64(@TempDir Path dir) throws Exception {
        Map<String, Object> record = sendAndReadTheOneLine(dir, ENVELOPE);
        assertThat(record).containsEntry("project_id", 1L).containsEntry("event_id", "9ec79c33ec9942ab8353589fcb2e04dc");
        List<Map<String, Object>> items = (List<Map<String, Object>>) record.get("items");
        assertThat(items).hasSize(2);
        assertThat(items.get(0).get("payload")).isEqualTo(Map.of("message", "hi"));
        assertThat(Base64.getDecoder().decode((String) items.get(1).get("payload_base64")))
                .containsExactly(0, 1, 2);
        assertThat((Map<String, Object>) items.get(1).get("header")).containsEntry("type", "attachment");
    }

    /** A JSON payload with a line break goes as base64, byte for byte: its length still counts what is written. */
    @Test
    @SuppressWarnings("unchecked")
    void aPayloadWithLineBreaksIsKeptByteForByte(@TempDir Path dir) throws Exception {
        String payload = "{\"message\":\r\n\"hi\"}";
        byte[] envelope = ("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\",\"length\":"
                + payload.length() + "}\n" + payload + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Map<String, Object> record = sendAndReadTheOneLine(dir, envelope);
        Map<String, Object> item = ((List<Map<String, Object>>) record.get("items")).get(0);
        assertThat(new String(Base64.getDecoder().decode((String) item.get("payload_base64")),
                java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(payload);
    }

    /** Sends {@code envelope} through a sidecar with the file sink; the one line it wrote, parsed. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> sendAndReadTheOneLine(Path dir, byte[] envelope) throws Exception {
        try (TestSidecar s = TestSidecar.start(config(dir, 64 * 1024 * 1024, 10))) {
            assertThat(s.post("/api/1/envelope/?sentry_key=" + KEY, envelope).statusCode()).isEqualTo(200);
        }
        List<String> lines = Files.readAllLines(dir.resolve("envelopes-000001.jsonl"));
        assertThat(lines).hasSize(1);
        try (JsonParser p = new JsonFactory().createParser(lines.get(0))) {
            p.nextToken();
            return (Map<String, Object>) JsonValues.read(p);
        }
    }

    @Test
    void rotatesBySizeAndKeepsMaxFiles(@TempDir Path dir) throws Exception {
        try (TestSidecar s = TestSidecar.start(config(dir, 1024, 3))) {
            for (int i = 0; i < 20; i++) {
                var r = s.post("/api/1/envelope/?sentry_key=" + KEY, ENVELOPE);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(f -> f.getFileName().toString()).sorted().toList();
            assertThat(names).hasSize(3);
            assertThat(names.get(2)).isGreaterThan("envelopes-000005.jsonl");
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                assertThat(Files.size(f)).isLessThanOrEqualTo(1024);
            }
        }
    }
}
