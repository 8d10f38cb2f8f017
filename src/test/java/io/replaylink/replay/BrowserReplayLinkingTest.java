package io.replaylink.replay;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.SentrySdk;
import io.replaylink.testing.TestSidecar;
import io.replaylink.testing.UpstreamItems;
import io.sentry.Sentry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole path with real SDKs: a page in headless Chromium with {@code @sentry/browser} 11 (tracing and Session
 * Replay, in session mode and in buffer mode) calls a Node backend ({@code @sentry/node} 11) and a Java backend
 * ({@code io.sentry:sentry} 8.63, which keeps the trace id but drops {@code baggage}, so its replay can only come
 * from the index); each backend fails and reports its error. Browser and Node report to one sidecar, Java to the
 * other; both share one real Redis and forward to a real capturing upstream with the http sink. Every backend error
 * must reach the upstream linked to the page's replay exactly once: inline, or in error_ids of one of its segments.
 */
class BrowserReplayLinkingTest {
    static final Path JS = Path.of(System.getProperty("replaylink.projectRoot", ".."), "src", "test", "js");
    static final Pattern EVENT = Pattern.compile("event ([0-9a-f]{32})");

    static CapturingUpstream upstream;
    static List<TestSidecar> sidecars = List.of();
    static Process node;
    static int nodePort;
    static final List<String> nodeEvents = new CopyOnWriteArrayList<>();
    static final List<String> javaEvents = new CopyOnWriteArrayList<>();
    static HttpServer pages;
    static byte[] bundle;

    @BeforeAll
    static void start() throws Exception {
        assertThat(JS.resolve("node_modules")).as("scripts/test installs the JavaScript SDKs (npm ci)").exists();
        bundle = bundle();
        upstream = CapturingUpstream.start();
        sidecars = SharedRedisLinkingTest.twoOnRedis(upstream, "{lookup_timeout_ms: 1000}");
        startNode(sidecars.get(0).dsn(1));
        SentrySdk.init(sidecars.get(1).dsn(1));
        pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        pages.createContext("/bundle.js", ex -> reply(ex, 200, "application/javascript", bundle));
        pages.createContext("/page.html", BrowserReplayLinkingTest::page);
        pages.createContext("/java/checkout", BrowserReplayLinkingTest::javaBackend);
        pages.start();
    }

    @AfterAll
    static void stop() {
        if (pages != null) {
            pages.stop(0);
        }
        Sentry.close();
        if (node != null) {
            node.destroy();
        }
        sidecars.forEach(TestSidecar::close);
        if (upstream != null) {
            upstream.close();
        }
    }

    /** The page's script: browser.js and @sentry/browser bundled by esbuild, as a shop's build would. */
    static byte[] bundle() throws Exception {
        Path out = Files.createTempFile("replaylink-bundle", ".js");
        try {
            run(List.of(JS.resolve("node_modules/.bin/esbuild").toString(), "browser.js", "--bundle", "--format=iife",
                    "--outfile=" + out, "--log-level=warning"));
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).directory(JS.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + output).isZero();
        return output;
    }

    static void startNode(String dsn) throws Exception {
        ProcessBuilder b = new ProcessBuilder("node", "node-backend.js").directory(JS.toFile()).redirectErrorStream(true);
        b.environment().put("SENTRY_DSN", dsn);
        node = b.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("listening ")) {
                        port.complete(Integer.parseInt(line.substring(10).trim()));
                    }
                    Matcher m = EVENT.matcher(line);
                    if (m.find()) {
                        nodeEvents.add(m.group(1));
                    }
                    System.out.println("node backend: " + line);
                }
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
        }, "node-backend-output");
        reader.setDaemon(true);
        reader.start();
        nodePort = port.get(30, TimeUnit.SECONDS);
    }

    static void page(HttpExchange ex) throws IOException {
        String query = ex.getRequestURI().getQuery();
        String mode = query != null && query.contains("mode=buffer") ? "buffer" : "session";
        String config = """
                {"dsn": "%s", "mode": "%s", "tracesSampleRate": %s, "browserErrorAfterMs": 500,
                 "backends": ["http://127.0.0.1:%d/node/checkout", "/java/checkout"]}
                """.formatted(sidecars.get(0).dsn(1), mode, mode.equals("session") ? "1.0" : "0", nodePort);
        String html = "<!doctype html><html><head><title>shop</title><link rel=\"icon\" href=\"data:,\"></head>"
                + "<body>shop<script>window.REPLAYLINK = " + config + "</script><script src=\"/bundle.js\"></script>"
                + "</body></html>";
        reply(ex, 200, "text/html", html.getBytes(StandardCharsets.UTF_8));
    }

    /** The Java backend: continues the trace from sentry-trace alone (its baggage is lost on the way). */
    static void javaBackend(HttpExchange ex) throws IOException {
        ex.getRequestBody().readAllBytes();
        String sentryTrace = ex.getRequestHeaders().getFirst("sentry-trace");
        Sentry.continueTrace(sentryTrace, null);
        String id = Sentry.captureException(new IllegalStateException("inventory service failed (java)")).toString();
        javaEvents.add(id);
        Sentry.flush(5000);
        reply(ex, 500, "application/json", ("{\"event_id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"session", "buffer"})
    void everyBackendErrorOfTheReplaysTraceIsLinkedOnce(String mode) throws Exception {
        upstream.drain();
        nodeEvents.clear();
        javaEvents.clear();
        String url = "http://127.0.0.1:" + pages.getAddress().getPort() + "/page.html?mode=" + mode;
        String done = run(List.of("node", "drive.js", url, "60000"));
        Matcher m = Pattern.compile("\"replayId\":\"([0-9a-f]{32})\"").matcher(done);
        assertThat(m.find()).as("the page's replay id in: " + done).isTrue();
        String replay = m.group(1);
        assertThat(nodeEvents).as("the Node backend reported its error").hasSize(1);
        assertThat(javaEvents).as("the Java backend reported its error").hasSize(1);
        Map<String, String> replayOf = new HashMap<>();
        nodeEvents.forEach(id -> replayOf.put(id, replay));
        javaEvents.forEach(id -> replayOf.put(id, replay));

        List<CapturingUpstream.Captured> received = new ArrayList<>();
        Map<String, Integer> linked = new HashMap<>();
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            received.addAll(upstream.drain());
            linked = links(UpstreamItems.of(received), replayOf);
            if (linked.keySet().containsAll(replayOf.keySet())) {
                break;
            }
            Thread.sleep(200);
        }
        UpstreamItems items = UpstreamItems.of(received);
        System.out.printf("browser in %s mode, replay %s: %d events and %d replay_events at the upstream; backend "
                + "errors linked %s (node %s, java %s)%n", mode, replay, items.events().size(),
                items.replayEvents().size(), linked, nodeEvents, javaEvents);
        for (Map<String, Object> e : items.events()) {
            System.out.printf("  event %s platform %s contexts %s tags %s%n", e.get("event_id"), e.get("platform"),
                    e.get("contexts"), e.get("tags"));
        }
        for (Map<String, Object> r : items.replayEvents()) {
            System.out.printf("  replay_event segment %s trace_ids %s error_ids %s%n", r.get("segment_id"),
                    r.get("trace_ids"), r.get("error_ids"));
        }
        assertThat(items.replayEvents()).as("the replay reached the upstream").isNotEmpty();
        for (String id : replayOf.keySet()) {
            assertThat(linked.getOrDefault(id, 0)).as("backend error " + id + " linked to " + replay).isEqualTo(1);
        }
        assertThat(linked.keySet()).noneMatch(k -> k.startsWith("wrong replay"));
    }

    /** How often each backend error is linked at the upstream: inline in its own payload, or carried late. */
    static Map<String, Integer> links(UpstreamItems items, Map<String, String> replayOf) {
        Map<String, Integer> linked = new HashMap<>(items.carried(replayOf));
        for (Map<String, Object> e : items.events()) {
            String id = (String) e.get("event_id");
            if (replayOf.containsKey(id) && e.get("contexts") instanceof Map<?, ?> contexts
                    && contexts.get("replay") instanceof Map<?, ?> r) {
                linked.merge(replayOf.get(id).equals(r.get("replay_id")) ? id : "wrong replay: " + id, 1,
                        Integer::sum);
            }
        }
        return linked;
    }
}
