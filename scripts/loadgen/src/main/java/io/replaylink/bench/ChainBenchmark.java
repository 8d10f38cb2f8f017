package io.replaylink.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.replaylink.config.ConfigLoader;
import io.replaylink.config.ReplayLinkConfig;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.envelope.EnvelopeWriter;
import io.replaylink.metrics.Metrics;
import io.replaylink.plugin.PluginLoader;
import io.replaylink.plugin.ProcessingRequest;
import io.replaylink.plugin.ProcessorChain;
import io.replaylink.spi.OutcomeMessage;
import io.replaylink.spi.ReplayIndex;
import io.replaylink.spi.ReplayLinkMessage;
import io.replaylink.spi.SideOutputs;
import io.vertx.core.Vertx;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The processing of one envelope without the network: parse, the processor chain, write; with no processors (the
 * baseline: what processing off does besides HTTP) and with the replay-linker on the in-memory index, over the
 * envelope stream of {@code scripts/loadgen/wrk/envelopes.lua} (one replay envelope per eight errors). What the
 * linker costs in itself, apart from what it adds to the HTTP path (the overhead suite measures that whole).
 */
@State(Scope.Thread)
public class ChainBenchmark {
    @Param({"off", "linking"})
    public String processing;

    private Vertx vertx;
    private io.vertx.core.Context context;
    private ProcessorChain chain;
    private EnvelopeParser parser;
    private byte[][] envelopes;
    private int next;
    private final ProcessingRequest request = new ProcessingRequest(1, 1, Optional.of(WrkEnvelopes.KEY), h -> null);

    @Setup
    public void setUp() {
        ReplayLinkConfig config = ConfigLoader.parse("""
                server: {port: 0}
                projects: [{id: 1, public_keys: []}]
                index: {name: memory}
                processors: %s
                sinks: [{name: http, config: {url: "http://127.0.0.1:9"}}]
                """.formatted("off".equals(processing) ? "[]" : "[replay-linker]"), Map.of());
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
        Metrics metrics = new Metrics();
        Map<Class<?>, Object> services = new HashMap<>(Map.of(Vertx.class, vertx, Metrics.class, metrics,
                ReplayLinkConfig.class, config));
        PluginLoader base = new PluginLoader(ChainBenchmark.class.getClassLoader(), Map.of(), services);
        ReplayIndex index = base.index(config.index());
        services.put(ReplayIndex.class, index);
        services.put(SideOutputs.class, new SideOutputs() {
            @Override
            public CompletionStage<Void> link(ReplayLinkMessage link) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletionStage<Void> outcome(OutcomeMessage outcome) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public boolean linksRideReplayEvents() {
                return true;
            }
        });
        PluginLoader loader = new PluginLoader(ChainBenchmark.class.getClassLoader(), Map.of(), services);
        chain = new ProcessorChain(loader.processors(config.processors()), 1000, metrics, config.limits().envelope());
        parser = new EnvelopeParser(config.limits().envelope());
        WrkEnvelopes stream = new WrkEnvelopes(1);
        envelopes = new byte[9 * 2000][];
        for (int i = 0; i < envelopes.length; i++) {
            envelopes[i] = stream.next().getBytes(StandardCharsets.UTF_8);
        }
    }

    @TearDown
    public void tearDown() {
        chain.close();
        vertx.close();
    }

    /** Envelopes per invocation: run as one task on the event loop, so the hand-off to it is spread thin. */
    static final int BATCH = 1000;

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long process() throws Exception {
        CompletableFuture<Long> done = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                long written = 0;
                for (int i = 0; i < BATCH; i++) {
                    written += processOne();
                }
                done.complete(written);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return done.get();
    }

    private int processOne() throws Exception {
        byte[] bytes = envelopes[next];
        next = next + 1 == envelopes.length ? 0 : next + 1;
        ByteBuf body = Unpooled.wrappedBuffer(bytes);
        Envelope envelope = parser.parse(body);
        io.vertx.core.Future<ProcessorChain.Outcome> run = chain.run(envelope, request, context);
        if (!run.isComplete() || run.failed()) {
            throw new IllegalStateException("the chain did not finish at once: " + run.cause());
        }
        ProcessorChain.Outcome outcome = run.result();
        outcome.settle(true, context, 1000);
        ByteBuf out = EnvelopeWriter.write(outcome.envelope(), ByteBufAllocator.DEFAULT);
        int written = out.readableBytes();
        out.release();
        outcome.envelope().release();
        return written;
    }

    /** The envelopes of {@code scripts/loadgen/wrk/envelopes.lua}, in its order (a cycle of nine). */
    static final class WrkEnvelopes {
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
            String recording = "{\"segment_id\":0}\n[{\"type\":4,\"data\":{\"href\":\"https://shop.example.com/checkout\","
                    + "\"width\":1280,\"height\":720},\"timestamp\":1796378400100},{\"type\":2,\"data\":{\"node\":{\"type\":0,"
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
    }
}
