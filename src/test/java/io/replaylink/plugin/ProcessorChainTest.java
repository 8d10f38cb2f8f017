package io.replaylink.plugin;

import io.netty.buffer.Unpooled;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeLimits;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.metrics.Metrics;
import io.replaylink.plugin.PluginLoader.NamedPlugin;
import io.replaylink.spi.EnvelopeProcessor;
import io.replaylink.spi.ProcessResult;
import io.replaylink.testing.MetricsText;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chain on a real event loop: processors that answer at once are followed at once, one that answers later (on
 * another thread) is waited for under its deadline, failures of every kind are skipped and counted, a rejection
 * stops the chain.
 */
class ProcessorChainTest {
    private static final EnvelopeLimits LIMITS = EnvelopeLimits.relayDefaults();
    private static Vertx vertx;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.close().await();
    }

    private static Envelope envelope() {
        byte[] body = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{}\n"
                .getBytes(StandardCharsets.UTF_8);
        try {
            return new EnvelopeParser(LIMITS).parse(Unpooled.wrappedBuffer(body));
        } catch (io.replaylink.envelope.EnvelopeParseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Marks the envelope with {@code name} in the header field {@code x_ran} (in the order they ran). */
    private static EnvelopeProcessor marking(String name, List<String> ran) {
        return e -> {
            ran.add(name);
            e.setHeader("x_ran", String.join(",", ran));
            return CompletableFuture.completedFuture(ProcessResult.CONTINUE);
        };
    }

    private static ProcessorChain.Outcome run(List<NamedPlugin<EnvelopeProcessor>> processors, Metrics metrics,
                                              long timeoutMs) throws Exception {
        ProcessorChain chain = new ProcessorChain(processors, timeoutMs, metrics, LIMITS);
        Context context = vertx.getOrCreateContext();
        CompletableFuture<ProcessorChain.Outcome> done = new CompletableFuture<>();
        context.runOnContext(v -> chain.run(envelope(), new ProcessingRequest(1, 1, Optional.empty(), h -> null),
                context).onComplete(ar -> {
                    if (ar.succeeded()) {
                        done.complete(ar.result());
                    } else {
                        done.completeExceptionally(ar.cause());
                    }
                }));
        return done.get(10, TimeUnit.SECONDS);
    }

    /** The processor's failure count, or "absent" when it has no series. */
    private static String metric(Metrics metrics, String processor) {
        OptionalDouble v = MetricsText.value(new String(metrics.scrape(), StandardCharsets.UTF_8),
                "replaylink_processor_failures_total{processor=\"" + processor + "\"}");
        return v.isPresent() ? Double.toString(v.getAsDouble()) : "absent";
    }

    @Test
    void processorsRunInOrderWhetherTheyAnswerAtOnceOrLaterAndFailuresAreSkipped() throws Exception {
        List<String> ran = new ArrayList<>();
        Metrics metrics = new Metrics();
        List<Boolean> laterOnLoop = new ArrayList<>();
        List<NamedPlugin<EnvelopeProcessor>> processors = List.of(
                new NamedPlugin<>("first", marking("first", ran)),
                new NamedPlugin<>("failed-at-once",
                        e -> CompletableFuture.failedFuture(new IllegalStateException("x"))),
                new NamedPlugin<>("null-stage", e -> null),
                new NamedPlugin<>("later", e -> {
                    ran.add("later");
                    // answers on another thread: the next processor must still run on the loop
                    return CompletableFuture.supplyAsync(() -> ProcessResult.CONTINUE,
                            CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
                }),
                new NamedPlugin<>("after-later", e -> {
                    laterOnLoop.add(Context.isOnEventLoopThread());
                    return marking("after-later", ran).process(e);
                }),
                new NamedPlugin<>("never", e -> new CompletableFuture<>()),
                new NamedPlugin<>("last", marking("last", ran)));
        ProcessorChain.Outcome outcome = run(processors, metrics, 300);
        try {
            assertThat(outcome.rejection()).isNull();
            assertThat(ran).containsExactly("first", "later", "after-later", "last");
            assertThat(laterOnLoop).containsExactly(true);
            assertThat(outcome.envelope().header().fields().get("x_ran")).isEqualTo("first,later,after-later,last");
            assertThat(metric(metrics, "failed-at-once")).isEqualTo("1.0");
            assertThat(metric(metrics, "null-stage")).isEqualTo("1.0");
            assertThat(metric(metrics, "never")).isEqualTo("1.0");
            assertThat(metric(metrics, "later")).isEqualTo("absent");
            assertThat(metric(metrics, "first")).isEqualTo("absent");
        } finally {
            outcome.envelope().release();
        }
    }

    @Test
    void aRejectionStopsTheChainWhetherAtOnceOrLater() throws Exception {
        for (boolean atOnce : new boolean[] {true, false}) {
            List<String> ran = new ArrayList<>();
            ProcessResult.Reject reject = new ProcessResult.Reject(403, "refused");
            EnvelopeProcessor rejecting = e -> atOnce ? CompletableFuture.completedFuture(reject)
                    : CompletableFuture.supplyAsync(() -> reject, CompletableFuture.delayedExecutor(20,
                            TimeUnit.MILLISECONDS));
            ProcessorChain.Outcome outcome = run(List.of(new NamedPlugin<>("first", marking("first", ran)),
                    new NamedPlugin<>("rejecting", rejecting), new NamedPlugin<>("after", marking("after", ran))),
                    new Metrics(), 1000);
            try {
                assertThat(outcome.rejection()).isEqualTo(reject);
                assertThat(ran).containsExactly("first");
            } finally {
                outcome.envelope().release();
            }
        }
    }

    @Test
    void aChainWhoseProcessorsAllAnswerAtOnceIsDoneWhenRunReturns() throws Exception {
        List<String> ran = new ArrayList<>();
        ProcessorChain chain = new ProcessorChain(List.of(new NamedPlugin<>("a", marking("a", ran)),
                new NamedPlugin<>("b", marking("b", ran))), 1000, new Metrics(), LIMITS);
        Context context = vertx.getOrCreateContext();
        CompletableFuture<Boolean> complete = new CompletableFuture<>();
        context.runOnContext(v -> {
            Future<ProcessorChain.Outcome> f = chain.run(envelope(),
                    new ProcessingRequest(1, 1, Optional.empty(), h -> null), context);
            complete.complete(f.isComplete());
            f.onSuccess(o -> o.envelope().release());
        });
        assertThat(complete.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).containsExactly("a", "b");
    }
}
