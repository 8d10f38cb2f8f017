package io.replaylink.admin;

import io.replaylink.testing.Envelopes;
import io.replaylink.testing.MetricsText;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status page as a person sees it: a sidecar takes real traffic (links by DSC and by backfill, errors left
 * waiting or without a trace), Debian's headless Chromium loads {@code /status} (its script fetches
 * {@code /api/v1/status} with the token from the URL), and the numbers it shows are checked against {@code /metrics};
 * the screenshot is kept in {@code target/status-page.png} and its bars looked at.
 */
class StatusPageTest {

    static byte[] error(String eventId, String traceId, String dscReplay) {
        String header = "{\"event_id\":\"" + eventId + "\",\"trace\":{\"trace_id\":\"" + traceId + "\",\"public_key\":\""
                + KEY + "\"" + (dscReplay == null ? "" : ",\"replay_id\":\"" + dscReplay + "\"") + "}}";
        String event = "{\"event_id\":\"" + eventId + "\",\"level\":\"error\",\"platform\":\"java\",\"timestamp\":"
                + System.currentTimeMillis() / 1000 + "}";
        return (header + "\n{\"type\":\"event\"}\n" + event + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static String chromium(Path dir, String url, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--user-data-dir=" + dir.resolve("profile-" + UUID.randomUUID()), "--window-size=1280,1100",
                "--virtual-time-budget=4000"));
        command.addAll(List.of(extra));
        command.add(url);
        Path out = dir.resolve("chromium-" + UUID.randomUUID() + ".out");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(dir.resolve("chromium.err").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        return Files.readString(out);
    }

    /** The value of {@code series} at /metrics. */
    static long metric(String metrics, String series) {
        return (long) MetricsText.value(metrics, series).orElse(0);
    }

    /** The number a bar table shows for {@code key}. */
    static long shown(String dom, String table, String key) {
        int at = dom.indexOf("id=\"" + table + "\"");
        assertThat(at).as(table + " in the page").isPositive();
        Matcher m = Pattern.compile("data-key=\"" + Pattern.quote(key) + "\" data-value=\"(\\d+)\"")
                .matcher(dom.substring(at, dom.indexOf("</table>", at)));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void thePageShowsWhatTheMetricsSay(@TempDir Path dir) throws Exception {
        String sinkId = "status-" + UUID.randomUUID();
        try (TestSidecar sidecar = TestSidecar.start("""
                server: {port: 0}
                admin: {enabled: true, port: 0, token: "t0ken"}
                projects: [{id: 1, public_keys: []}, {id: 2, public_keys: []}]
                processors: [replay-linker]
                sinks: [{name: test-collect, config: {id: %s}}]
                """.formatted(sinkId))) {
            String replay = Envelopes.id();
            for (int i = 0; i < 6; i++) {
                sidecar.post("/api/1/envelope/?sentry_key=" + KEY, error(Envelopes.id(), Envelopes.id(), replay));
            }
            String late = Envelopes.id();
            for (int i = 0; i < 3; i++) {
                sidecar.post("/api/2/envelope/?sentry_key=" + KEY, error(Envelopes.id(), late, null));
            }
            for (int i = 0; i < 2; i++) {
                sidecar.post("/api/2/envelope/?sentry_key=" + KEY, error(Envelopes.id(), Envelopes.id(), null));
            }
            sidecar.post("/api/1/envelope/?sentry_key=" + KEY, ("{}\n{\"type\":\"event\"}\n{\"level\":\"error\","
                    + "\"platform\":\"go\"}\n").getBytes(StandardCharsets.UTF_8));
            sidecar.post("/api/2/envelope/?sentry_key=" + KEY, Envelopes.replayEvent(Envelopes.id(), late));
            String metrics = sidecar.get("/metrics").body();
            assertThat(metric(metrics, "replaylink_links_total{path=\"backfill\"}")).isEqualTo(3);

            String url = "http://127.0.0.1:" + sidecar.app().adminPort() + "/status#token=t0ken";
            String dom = chromium(dir, url, "--dump-dom");
            assertThat(dom).as("the page rendered its data").contains("data-rendered=");
            for (String path : List.of("dsc", "backfill")) {
                assertThat(shown(dom, "paths", path)).as("links by " + path)
                        .isEqualTo(metric(metrics, "replaylink_links_total{path=\"" + path + "\"}")).isPositive();
            }
            for (String reason : List.of("waiting", "no_trace_id")) {
                assertThat(shown(dom, "reasons", reason)).as("unlinked: " + reason).isEqualTo(metric(metrics,
                        "replaylink_backend_error_events_unlinked_total{reason=\"" + reason + "\"}")).isPositive();
            }
            assertThat(shown(dom, "outcomes", "accepted")).isEqualTo(metric(metrics,
                    "replaylink_requests_total{endpoint=\"envelope\",outcome=\"accepted\",reason=\"ok\"}"));
            // 12 backend errors, 9 linked (6 by DSC, 3 late, counted in their own window): 75%
            long errors = metric(metrics, "replaylink_backend_error_events_total");
            assertThat(errors).isEqualTo(12);
            assertThat(dom).contains("id=\"share5m\">75%<", "9 of 12");
            assertThat(dom).contains("project 1", "project 2");
            assertThat(dom).containsPattern("id=\"indexUp\"><span class=\"dot\"[^>]*></span>up<");
            long pairs = metric(metrics, "replaylink_index_operations_total{op=\"record\",outcome=\"recorded\"}")
                    + metric(metrics, "replaylink_index_operations_total{op=\"record\",outcome=\"drained\"}");
            assertThat(pairs).isPositive();
            assertThat(dom).contains("id=\"pairs\">" + pairs + "<");

            Path png = Path.of("target", "status-page.png").toAbsolutePath();
            Files.deleteIfExists(png);
            chromium(dir, url, "--screenshot=" + png);
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(1280);
            assertThat(pixels(image, 0x4a7bd0)).as("blue bars and lines").isGreaterThan(300);
            assertThat(pixels(image, 0xd05050)).as("red bars of unlinked reasons").isGreaterThan(100);
            assertThat(pixels(image, 0x1a7f37)).as("green: index up, share").isGreaterThan(20);

            HttpResponse<String> unauthorised = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + sidecar.app().adminPort() + "/api/v1/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(unauthorised.statusCode()).isEqualTo(401);
        }
    }

    static int pixels(BufferedImage image, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                if (Math.abs(((p >> 16) & 0xff) - ((rgb >> 16) & 0xff)) <= 10
                        && Math.abs(((p >> 8) & 0xff) - ((rgb >> 8) & 0xff)) <= 10
                        && Math.abs((p & 0xff) - (rgb & 0xff)) <= 10) {
                    n++;
                }
            }
        }
        return n;
    }
}
