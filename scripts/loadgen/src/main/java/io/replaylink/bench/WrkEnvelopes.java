package io.replaylink.bench;

import io.replaylink.loadgen.Stream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The envelopes of {@code scripts/loadgen/wrk/envelopes.lua}, in its order (a cycle of nine: one browser replay
 * envelope, then eight Java-SDK error envelopes: four with the replay id in their DSC, two of that trace without it,
 * two of a trace with no replay), for the benches that send from Java what wrk sends in the closed loop.
 */
final class WrkEnvelopes {
    static final String KEY = "0123456789abcdef0123456789abcdef";
    private static final String DSN = "http://" + KEY + "@127.0.0.1/1";
    private final java.util.Random random;
    private int n;
    private String trace;
    private String replay;

    WrkEnvelopes(long seed) {
        random = new java.util.Random(seed);
    }

    private String id() {
        return String.format("%016x%016x", random.nextLong(), random.nextLong());
    }

    private String span() {
        return String.format("%016x", random.nextLong());
    }

    private static String item(String kind, String payload) {
        return "{\"type\":\"" + kind + "\",\"length\":" + payload.getBytes(StandardCharsets.UTF_8).length + "}\n"
                + payload + "\n";
    }

    private static String header(String eventId, String t, String r) {
        String dsc = "\"trace\":{\"trace_id\":\"" + t + "\",\"environment\":\"production\",\"release\":\"shop@4.2.1\","
                + "\"public_key\":\"" + KEY + "\",\"sample_rate\":\"1\",\"sampled\":\"true\"";
        if (r != null) {
            dsc += ",\"replay_id\":\"" + r + "\"";
        }
        return "{\"event_id\":\"" + eventId + "\",\"sent_at\":\"2026-12-04T10:00:00.000Z\",\"dsn\":\"" + DSN
                + "\",\"sdk\":{\"name\":\"sentry.java\",\"version\":\"8.63.0\"}," + dsc + "}}\n";
    }

    private static final String STACKTRACE;

    static {
        String[][] frames = {
                {"java.lang.Thread", "run", "Thread.java", "840"},
                {"org.apache.tomcat.util.threads.TaskThread$WrappingRunnable", "run", "TaskThread.java", "61"},
                {"org.apache.catalina.connector.CoyoteAdapter", "service", "CoyoteAdapter.java", "344"},
                {"org.springframework.web.servlet.FrameworkServlet", "service", "FrameworkServlet.java", "885"},
                {"org.springframework.web.servlet.DispatcherServlet", "doDispatch", "DispatcherServlet.java", "1089"},
                {"com.example.shop.checkout.CheckoutController", "placeOrder", "CheckoutController.java", "57"},
                {"com.example.shop.checkout.OrderService", "place", "OrderService.java", "112"},
                {"com.example.shop.inventory.StockRepository", "reserve", "StockRepository.java", "48"}};
        StringBuilder s = new StringBuilder("{\"frames\":[");
        for (int i = 0; i < frames.length; i++) {
            String[] f = frames[i];
            s.append(i == 0 ? "" : ",").append(String.format("{\"filename\":\"%s\",\"function\":\"%s\",\"module\":"
                    + "\"%s\",\"lineno\":%s,\"in_app\":%s,\"native\":false}", f[2], f[1], f[0], f[3],
                    f[0].contains("com.example")));
        }
        STACKTRACE = s.append("]}").toString();
    }

    private String errorEvent(String eventId, String t) {
        return "{\"event_id\":\"" + eventId + "\",\"contexts\":{\"trace\":{\"trace_id\":\"" + t + "\",\"span_id\":\""
                + span() + "\",\"op\":\"http.server\",\"status\":\"internal_error\"},\"runtime\":{\"name\":"
                + "\"OpenJDK Runtime Environment\",\"version\":\"17.0.15+6-Debian-1deb12u1\"},\"os\":{\"name\":"
                + "\"Linux\",\"version\":\"6.1.0-27-amd64\"}},\"sdk\":{\"name\":\"sentry.java.spring-boot.jakarta\","
                + "\"version\":\"8.63.0\",\"packages\":[{\"name\":\"maven:io.sentry:sentry\",\"version\":\"8.63.0\"}]},"
                + "\"tags\":{\"http.route\":\"/checkout\"},\"release\":\"shop@4.2.1\",\"environment\":\"production\","
                + "\"platform\":\"java\",\"server_name\":\"shop-7f9c6d-2kx8p\",\"timestamp\":"
                + "\"2026-12-04T10:00:00.000Z\",\"logger\":\"com.example.shop.checkout.CheckoutController\","
                + "\"threads\":{\"values\":[{\"id\":57,\"name\":\"http-nio-8080-exec-3\",\"state\":\"RUNNABLE\","
                + "\"crashed\":true,\"current\":true,\"daemon\":true,\"main\":false}]},\"exception\":{\"values\":[{"
                + "\"type\":\"StockUnavailableException\",\"value\":\"SKU 4711 has 0 units left, 2 requested\","
                + "\"module\":\"com.example.shop.inventory\",\"thread_id\":57,\"stacktrace\":" + STACKTRACE
                + ",\"mechanism\":{\"type\":\"SentryExceptionResolver\",\"handled\":false}}]},\"level\":\"error\","
                + "\"transaction\":\"POST /checkout\"}";
    }

    private String replayEnvelope(String r, String t) {
        String event = "{\"type\":\"replay_event\",\"replay_start_timestamp\":1796378400.1,\"timestamp\":"
                + "1796378405.3,\"error_ids\":[],\"trace_ids\":[\"" + t + "\"],\"urls\":[\"https://shop.example.com/"
                + "checkout\"],\"replay_id\":\"" + r + "\",\"segment_id\":0,\"replay_type\":\"session\",\"event_id\":\""
                + r + "\",\"environment\":\"production\",\"sdk\":{\"name\":\"sentry.javascript.browser\",\"version\":"
                + "\"11.2.0\"},\"request\":{\"url\":\"https://shop.example.com/checkout\",\"headers\":{\"User-Agent\":"
                + "\"Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0\"}},\"platform\":\"javascript\",\"contexts\":{"
                + "\"trace\":{\"trace_id\":\"" + t + "\",\"span_id\":\"" + span() + "\"}}}";
        String recording = "{\"segment_id\":0}\n[{\"type\":4,\"data\":{\"href\":"
                + "\"https://shop.example.com/checkout\",\"width\":1280,\"height\":720},\"timestamp\":1796378400100},"
                + "{\"type\":2,\"data\":{\"node\":{\"type\":0,"
                + "\"childNodes\":[],\"id\":1}},\"timestamp\":1796378400101}]";
        return header(r, t, r) + item("replay_event", event) + item("replay_recording", recording);
    }

    String next() {
        int k = n % 9;
        n++;
        if (k == 0) {
            trace = id();
            replay = id();
            return replayEnvelope(replay, trace);
        }
        String eventId = id();
        if (k <= 4) {
            return header(eventId, trace, replay) + item("event", errorEvent(eventId, trace));
        }
        if (k <= 6) {
            return header(eventId, trace, null) + item("event", errorEvent(eventId, trace));
        }
        String t = id();
        return header(eventId, t, null) + item("event", errorEvent(eventId, t));
    }

    /** {@code seconds} of these envelopes at {@code rate}, evenly spaced, as a stream for the load generator. */
    static Stream stream(double rate, double seconds, long seed) {
        WrkEnvelopes envelopes = new WrkEnvelopes(seed);
        int count = (int) Math.round(rate * seconds);
        List<Stream.Request> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            requests.add(new Stream.Request(Math.round(i * 1e6 / rate), "/api/1/envelope/",
                    "application/x-sentry-envelope", envelopes.next().getBytes(StandardCharsets.UTF_8)));
        }
        return new Stream(requests, Map.of(), List.of(), Map.of());
    }
}
