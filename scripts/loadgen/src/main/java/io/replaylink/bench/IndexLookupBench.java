package io.replaylink.bench;

import io.replaylink.index.redis.RedisReplayIndexProvider;
import io.replaylink.spi.ReplayIndex;
import io.replaylink.testing.PluginContexts;
import io.replaylink.testing.RedisServers;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replay-index lookup throughput against a real Redis, beside {@code redis-benchmark} GET (pipelined) on the same
 * server in the same run. Lookups are issued as the linker issues them: from Vert.x event loops, many concurrent
 * requests at once, each continuing on its event loop when Redis answers.
 */
public final class IndexLookupBench {
    private IndexLookupBench() {
    }

    /**
     * @param redisBenchmarkGetPerSec redis-benchmark GET, 50 clients, pipeline 16
     * @param hitsBatched             lookups of known traces, batched (the default)
     * @param hitsUnbatched           the same with {@code batch_flush: false}: one script call per lookup
     * @param rememberBatched         lookups of unknown traces that remember an event (the script path), batched
     */
    public record Result(double redisBenchmarkGetPerSec, double hitsBatched, double hitsUnbatched,
                         double rememberBatched) {
    }

    public static Result run(long seconds) throws Exception {
        try (RedisServers.RedisServer redis = RedisServers.RedisServer.start()) {
            double getRate = redisBenchmark(redis.port());
            double batched = lookups(redis.uri(), true, seconds, false);
            double unbatched = lookups(redis.uri(), false, seconds, false);
            double remember = lookups(redis.uri(), true, seconds, true);
            return new Result(getRate, batched, unbatched, remember);
        }
    }

    static double redisBenchmark(int port) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("redis-benchmark", "-h", "127.0.0.1", "-p", Integer.toString(port), "-t", "get",
                "-n", "2000000", "-P", "16", "-c", "50", "-q").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(120, TimeUnit.SECONDS);
        Matcher m = Pattern.compile("GET: ([0-9.]+) requests per second").matcher(out.replace("\r", "\n"));
        double last = -1;
        while (m.find()) {
            last = Double.parseDouble(m.group(1));
        }
        if (last < 0) {
            throw new IllegalStateException("cannot read redis-benchmark output: " + out);
        }
        return last;
    }

    static double lookups(String uri, boolean batch, long seconds, boolean remember) throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        Map<String, Object> config = Map.of("uri", uri, "namespace", "bench-" + UUID.randomUUID(),
                "batch_flush", batch);
        ReplayIndex index = new RedisReplayIndexProvider().create(PluginContexts.of("redis", "index.config", config));
        try {
            List<String> traces = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                traces.add(UUID.randomUUID().toString().replace("-", ""));
            }
            long deadline = System.currentTimeMillis() + 10_000;
            while (true) {
                try {
                    index.recordAndDrain(traces.get(0), "r").toCompletableFuture().get(1, TimeUnit.SECONDS);
                    break;
                } catch (Exception e) {
                    if (System.currentTimeMillis() > deadline) {
                        throw e;
                    }
                    Thread.sleep(50);
                }
            }
            if (remember) {
                for (int i = 0; i < traces.size(); i++) {
                    traces.set(i, UUID.randomUUID().toString().replace("-", ""));
                }
            } else {
                List<CompletableFuture<?>> seeded = new ArrayList<>();
                for (String t : traces) {
                    seeded.add(index.recordAndDrain(t, "0123456789abcdef0123456789abcdef").toCompletableFuture());
                }
                CompletableFuture.allOf(seeded.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            }

            AtomicLong done = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            long[] window = new long[2];
            int inFlightPerLoop = 256;
            CompletableFuture<Void> started = new CompletableFuture<>();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 1);
            for (int loop = 0; loop < 2; loop++) {
                Context context = vertx.getOrCreateContext();
                context.runOnContext(v -> {
                    for (int i = 0; i < inFlightPerLoop; i++) {
                        issue(index, traces, context, done, errors, end, remember);
                    }
                    started.complete(null);
                });
            }
            started.get();
            Thread.sleep(1000);
            window[0] = done.get();
            long t0 = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            window[1] = done.get();
            double rate = (window[1] - window[0]) / ((System.nanoTime() - t0) / 1e9);
            if (errors.get() > 0) {
                System.out.println("lookup errors: " + errors.get());
            }
            Thread.sleep(1500);
            return rate;
        } finally {
            index.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static void issue(ReplayIndex index, List<String> traces, Context context, AtomicLong done,
                              AtomicLong errors, long end, boolean remember) {
        if (System.nanoTime() > end) {
            return;
        }
        long n = done.get();
        String trace = traces.get((int) (n % traces.size()));
        Optional<ReplayIndex.PendingEvent> pending = remember
                ? Optional.of(new ReplayIndex.PendingEvent(Long.toHexString(n) + "0".repeat(16), 1, 1.7e9, "error"))
                : Optional.empty();
        index.lookupOrRemember(trace, pending).whenComplete((r, e) -> {
            if (e != null || r.isEmpty() != remember) {
                errors.incrementAndGet();
            }
            done.incrementAndGet();
            if (Vertx.currentContext() == context) {
                issue(index, traces, context, done, errors, end, remember);
            } else {
                context.runOnContext(v -> issue(index, traces, context, done, errors, end, remember));
            }
        });
    }

    public static void main(String[] args) throws Exception {
        Result r = run(args.length > 0 ? Long.parseLong(args[0]) : 5);
        System.out.println(table(r));
    }

    public static String table(Result r) {
        double get = r.redisBenchmarkGetPerSec();
        return String.format(Locale.ROOT, """
                | operation on the same Redis, same run | per second | ratio to GET |
                |---|---:|---:|
                | redis-benchmark GET, 50 clients, pipeline 16 (baseline) | %.0f | 1.00 |
                | index lookup, hit (batched: one MGET per event-loop task) | %.0f | %.2f |
                | index lookup, hit, batch_flush off (one script call each) | %.0f | %.2f |
                | index lookup-or-remember, miss (batched script) | %.0f | %.2f |""", get, r.hitsBatched(),
                r.hitsBatched() / get, r.hitsUnbatched(), r.hitsUnbatched() / get, r.rememberBatched(),
                r.rememberBatched() / get);
    }
}
