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
 * envelope stream of {@code scripts/loadgen/wrk/envelopes.lua} (one replay envelope per eight errors; 18,000 of them,
 * sent again in a cycle, so the index sees their ids again after that), on a Vert.x event loop. What the
 * linker costs in itself, apart from what it adds to the HTTP path (the overhead suite measures that whole).
 */
@State(Scope.Thread)
public class ChainBenchmark {
    @Param({"off", "linking"})
    public String processing;

    /**
     * The in-memory index's {@code max_traces}. The default keeps every trace of the cycle, so the ids seen again hit;
     * a small one (e.g. 2000) evicts them first, so every trace is new to the index, as in the sidecar under wrk.
     */
    @Param({"100000"})
    public int maxTraces;

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
                index: {name: memory, config: {max_traces: %d}}
                processors: %s
                sinks: [{name: http, config: {url: "http://127.0.0.1:9"}}]
                """.formatted(maxTraces, "off".equals(processing) ? "[]" : "[replay-linker]"), Map.of());
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
}
