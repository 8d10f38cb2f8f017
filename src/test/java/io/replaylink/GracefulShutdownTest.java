package io.replaylink;

import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.CapturingUpstream.Answer;
import io.replaylink.testing.TestSidecar;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sidecar as a separate process: started with {@code --config}, stopped with SIGTERM while a request is in
 * flight. The request still gets its 200, the upstream its envelope, and the process exits 0.
 */
class GracefulShutdownTest {

    @Test
    void sigtermFinishesInFlightRequestsAndExitsZero(@TempDir Path dir) throws Exception {
        Vertx vertx = Vertx.vertx();
        CapturingUpstream upstream = CapturingUpstream.start(vertx);
        upstream.respondWith(c -> Answer.ok().delayed(1500));
        Path config = Files.writeString(dir.resolve("replaylink.yaml"), """
                server: {port: 0, shutdown_timeout_ms: 10000}
                projects: [{id: 1, public_keys: []}]
                sinks:
                  - name: http
                    config: {url: "%s"}
                """.formatted(upstream.url()));
        Path log = dir.resolve("sidecar.log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            int port = -1;
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
            long deadline = System.currentTimeMillis() + 30_000;
            while (port < 0 && System.currentTimeMillis() < deadline && process.isAlive()) {
                Matcher m = listening.matcher(Files.readString(log));
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                } else {
                    Thread.sleep(50);
                }
            }
            assertThat(port).as(Files.readString(log)).isPositive();

            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/api/1/envelope/?sentry_key=" + TestSidecar.KEY))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n"
                            + "{\"type\":\"event\"}\n{}\n")).build();
            CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(request,
                    HttpResponse.BodyHandlers.ofString());
            upstream.take(5);
            process.destroy();

            HttpResponse<String> answer = inFlight.get(10, TimeUnit.SECONDS);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(process.waitFor(15, TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
            assertThat(process.exitValue()).as(Files.readString(log)).isZero();
            assertThat(Files.readString(log)).contains("ReplayLink stopped");
        } finally {
            process.destroyForcibly();
            upstream.close();
            vertx.close().await();
        }
    }

    @Test
    void invalidConfigExitsNonZeroNamingTheKey(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("bad.yaml"), "server: {port: -5}\nsinks: [file]\n");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--config", config.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(output).contains("server.port").contains("between 0 and 65535");
    }
}
