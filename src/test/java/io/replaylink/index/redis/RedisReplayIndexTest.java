package io.replaylink.index.redis;

import io.lettuce.core.cluster.SlotHash;
import io.replaylink.spi.PluginContext;
import io.replaylink.spi.ReplayIndex;
import io.replaylink.spi.ReplayIndex.PendingEvent;
import io.replaylink.testing.PluginContexts;
import io.replaylink.testing.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Redis index against a real standalone Redis and a real 3-node Redis Cluster. */
class RedisReplayIndexTest {
    static final Map<String, ReplayIndex> INDEXES = new HashMap<>();

    @BeforeAll
    static void start() {
        INDEXES.put("standalone", create(RedisServers.shared().uri(), Map.of("pending_ttl_secs", 2,
                "max_pending_per_trace", 3, "mapping_ttl_secs", 3)));
        INDEXES.put("cluster", create(RedisServers.sharedCluster().uri(), Map.of("pending_ttl_secs", 2,
                "max_pending_per_trace", 3, "mapping_ttl_secs", 3)));
    }

    @AfterAll
    static void stop() {
        INDEXES.values().forEach(ReplayIndex::close);
    }

    static ReplayIndex create(String uri, Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>(extra);
        config.put("uri", uri);
        config.putIfAbsent("namespace", "test-" + UUID.randomUUID().toString().substring(0, 8));
        RedisReplayIndex index = (RedisReplayIndex) new RedisReplayIndexProvider().create(context(config));
        long deadline = System.currentTimeMillis() + 10_000;
        while (!index.connected() && System.currentTimeMillis() < deadline) {
            sleep(20);
        }
        assertThat(index.connected()).as("connected to " + uri).isTrue();
        return index;
    }

    /**
     * Given the host's ingest loop, lettuce runs its channel on it: a command issued on that loop completes on that
     * loop's thread (with lettuce's own I/O threads it would complete on one of those, a wake-up each way).
     */
    @Test
    @org.junit.jupiter.api.extension.ExtendWith(io.vertx.junit5.VertxExtension.class)
    void sharesTheIngestEventLoopWhenTheHostLendsIt(io.vertx.core.Vertx nio, io.vertx.junit5.VertxTestContext test) {
        // the sidecar's Vert.x (epoll on Linux): lettuce's channels are of the same kind, so the loop can be lent
        io.vertx.core.Vertx vertx = io.replaylink.ReplayLink.newVertx();
        assertThat(RedisConnection.sameTransport(io.replaylink.ingest.IngestLoop.start(nio).toCompletionStage()
                .toCompletableFuture().join().eventLoop())).as("a NIO loop is not lent while lettuce uses epoll")
                .isEqualTo(!io.lettuce.core.resource.EpollProvider.isAvailable());
        io.replaylink.ingest.IngestLoop.start(vertx).onComplete(test.succeeding(ingest -> {
            Map<String, Object> config = new HashMap<>(Map.of("uri", RedisServers.shared().uri(),
                    "namespace", "loop-" + UUID.randomUUID().toString().substring(0, 8)));
            RedisReplayIndex shared = (RedisReplayIndex) new RedisReplayIndexProvider().create(PluginContexts.of(
                    "redis", "index.config", config, Map.of(io.netty.channel.EventLoop.class, ingest.eventLoop())));
            vertx.setPeriodic(20, timer -> {
                if (!shared.connected()) {
                    return;
                }
                vertx.cancelTimer(timer);
                ingest.context().runOnContext(v -> shared.recordAndDrain(trace(), trace())
                        .whenComplete((drained, error) -> {
                            boolean onLoop = ingest.eventLoop().inEventLoop();
                            vertx.executeBlocking(() -> {
                                shared.close();
                                return null;
                            }).onComplete(test.succeeding(closed -> test.verify(() -> {
                                assertThat(error).isNull();
                                assertThat(onLoop).as("answered on the ingest loop's thread").isTrue();
                                vertx.close();
                                test.completeNow();
                            })));
                        }));
            });
        }));
    }

    static PluginContext context(Map<String, Object> config) {
        return PluginContexts.of("redis", "index.config", config);
    }

    static String trace() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    static PendingEvent event(String id) {
        return new PendingEvent(id, 7, 1732600000.5, "error");
    }

    static <T> T get(CompletionStage<T> s) {
        return s.toCompletableFuture().join();
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void eventFirstIsRememberedAndDrainedUntilAcknowledged(String kind) {
        ReplayIndex i = INDEXES.get(kind);
        String t = trace();
        assertThat(get(i.lookupOrRemember(t, Optional.of(event("e1"))))).isEmpty();
        assertThat(get(i.lookupOrRemember(t, Optional.of(event("e1"))))).isEmpty();
        assertThat(get(i.lookupOrRemember(t, Optional.of(event("e2"))))).isEmpty();
        List<PendingEvent> drained = get(i.recordAndDrain(t, "r1"));
        assertThat(drained).containsExactlyInAnyOrder(event("e1"), event("e2"));
        assertThat(get(i.recordAndDrain(t, "r2"))).as("another replay drains nothing").isEmpty();
        assertThat(get(i.recordAndDrain(t, "r1"))).as("claimed by the first record's lease").isEmpty();
        get(i.releaseDrained(t, List.of("e2")));
        assertThat(get(i.recordAndDrain(t, "r1"))).as("released, not acknowledged: drained again")
                .containsExactly(event("e2"));
        get(i.acknowledgeDrained(t, List.of("e1", "e2")));
        get(i.releaseDrained(t, List.of("e1", "e2")));
        assertThat(get(i.recordAndDrain(t, "r1"))).as("acknowledged: gone").isEmpty();
        assertThat(get(i.lookupOrRemember(t, Optional.of(event("e3"))))).hasValue("r1");
        assertThat(get(i.recordAndDrain(t, "r2"))).isEmpty();
        assertThat(get(i.lookupOrRemember(t, Optional.empty()))).as("first replay wins").hasValue("r1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void pendingIsBoundedAndEverythingExpires(String kind) {
        ReplayIndex i = INDEXES.get(kind);
        String t = trace();
        for (int n = 0; n < 10; n++) {
            get(i.lookupOrRemember(t, Optional.of(event("e" + n))));
        }
        String t2 = trace();
        get(i.lookupOrRemember(t2, Optional.of(event("x"))));
        assertThat(get(i.recordAndDrain(t, "r"))).hasSize(3);
        sleep(3200);
        assertThat(get(i.recordAndDrain(t2, "r"))).as("pending expired after 2 s").isEmpty();
        assertThat(get(i.lookupOrRemember(t, Optional.empty()))).as("mapping expired after 3 s").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void concurrentRememberAndRecordLinkEveryEventExactlyOnce(String kind) {
        ReplayIndex i = INDEXES.get(kind);
        List<String> traces = new ArrayList<>();
        for (int n = 0; n < 300; n++) {
            traces.add(trace());
        }
        List<CompletableFuture<?>> all = new ArrayList<>();
        List<Optional<String>> inline = java.util.Collections.synchronizedList(new ArrayList<>());
        List<PendingEvent> drained = java.util.Collections.synchronizedList(new ArrayList<>());
        for (String t : traces) {
            all.add(i.lookupOrRemember(t, Optional.of(event("ev-" + t))).thenAccept(inline::add).toCompletableFuture());
            all.add(i.recordAndDrain(t, "r-" + t).thenAccept(drained::addAll).toCompletableFuture());
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        long linkedInline = inline.stream().filter(Optional::isPresent).count();
        assertThat(linkedInline + drained.size()).isEqualTo(traces.size());
        assertThat(drained.stream().map(PendingEvent::eventId).distinct().count()).isEqualTo(drained.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    @org.junit.jupiter.api.extension.ExtendWith(io.vertx.junit5.VertxExtension.class)
    void lookupsIssuedOnAnEventLoopAreBatchedAndStillExact(String kind, io.vertx.core.Vertx vertx,
                                                           io.vertx.junit5.VertxTestContext test) {
        ReplayIndex i = INDEXES.get(kind);
        List<String> known = new ArrayList<>();
        for (int n = 0; n < 200; n++) {
            String t = trace();
            known.add(t);
            get(i.recordAndDrain(t, "r-" + t));
        }
        List<String> unknown = new ArrayList<>();
        for (int n = 0; n < 200; n++) {
            unknown.add(trace());
        }
        vertx.getOrCreateContext().runOnContext(v -> {
            List<CompletableFuture<Optional<String>>> hits = new ArrayList<>();
            List<CompletableFuture<Optional<String>>> misses = new ArrayList<>();
            for (String t : known) {
                hits.add(i.lookupOrRemember(t, Optional.of(event("h-" + t))).toCompletableFuture());
            }
            for (String t : unknown) {
                misses.add(i.lookupOrRemember(t, Optional.of(event("m-" + t))).toCompletableFuture());
            }
            List<CompletableFuture<?>> all = new ArrayList<>(hits);
            all.addAll(misses);
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).whenComplete((x, error) -> test.verify(() -> {
                assertThat(error).isNull();
                for (int n = 0; n < known.size(); n++) {
                    assertThat(hits.get(n).join()).hasValue("r-" + known.get(n));
                }
                assertThat(misses).allMatch(m -> m.join().isEmpty());
                // every miss was remembered, every hit was not: the records drain exactly the misses
                List<CompletableFuture<List<PendingEvent>>> drains = new ArrayList<>();
                for (String t : unknown) {
                    drains.add(i.recordAndDrain(t, "r").toCompletableFuture());
                }
                for (String t : known) {
                    drains.add(i.recordAndDrain(t, "r").toCompletableFuture());
                }
                CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new)).whenComplete((y, e) ->
                        test.verify(() -> {
                            assertThat(e).isNull();
                            for (int n = 0; n < unknown.size(); n++) {
                                assertThat(drains.get(n).join()).containsExactly(event("m-" + unknown.get(n)));
                            }
                            for (int n = 0; n < known.size(); n++) {
                                assertThat(drains.get(unknown.size() + n).join()).as("hits are not remembered")
                                        .isEmpty();
                            }
                            test.completeNow();
                        }));
            }));
        });
    }

    /**
     * While a batch is at Redis, the lookups issued meanwhile wait for its answer and then go as one command. Redis
     * holds the first lookup's MGET (CLIENT PAUSE) while two more are issued 50 and 100 ms later, each in a task of
     * its own: two MGETs in all (three without the wait).
     */
    @Test
    @ExtendWith(VertxExtension.class)
    void lookupsIssuedWhileABatchIsOutGoTogetherWhenItIsAnswered(Vertx vertx, VertxTestContext test) throws Exception {
        withOwnRedis(test, Map.of(), (redis, i) -> {
            String a = trace();
            get(i.recordAndDrain(a, "r-a"));
            long before = RedisServers.calls(redis.port(), "mget");
            whileRedisIsPaused(vertx, test, redis, () -> List.of(
                    i.lookupOrRemember(a, Optional.empty()).toCompletableFuture(),
                    later(vertx, 50, () -> i.lookupOrRemember(a, Optional.empty())),
                    later(vertx, 100, () -> i.lookupOrRemember(trace(), Optional.empty()))), answers -> {
                        assertThat(answers).containsExactly(Optional.of("r-a"), Optional.of("r-a"), Optional.empty());
                        assertThat(RedisServers.calls(redis.port(), "mget") - before).isEqualTo(2);
                    });
        });
    }

    /**
     * Records wait for the batch at Redis like lookups: Redis holds a lookup (CLIENT PAUSE) while a record and another
     * lookup are issued 50 and 100 ms later; both go in one write when the first is answered: two writes in all
     * (three if the record went on its own).
     */
    @Test
    @ExtendWith(VertxExtension.class)
    void aRecordIssuedWhileABatchIsOutGoesWithTheNextOne(Vertx vertx, VertxTestContext test) throws Exception {
        withOwnRedis(test, Map.of(), (redis, i) -> {
            String b = trace();
            String early = trace();
            get(i.lookupOrRemember(b, Optional.of(event(early))));
            // a first record loads the script: on a server that lacks it, the fallback EVAL would go after the
            // lookup that shares its write
            get(i.recordAndDrain(trace(), "r-warm"));
            long before = i.writes();
            whileRedisIsPaused(vertx, test, redis, () -> List.<CompletableFuture<?>>of(
                    i.lookupOrRemember(trace(), Optional.empty()).toCompletableFuture(),
                    later(vertx, 50, () -> i.recordAndDrain(b, "r-b")),
                    later(vertx, 100, () -> i.lookupOrRemember(b, Optional.empty()))), answers -> {
                        assertThat((List<?>) answers.get(1)).extracting(e -> ((PendingEvent) e).eventId())
                                .containsExactly(early);
                        assertThat(answers.get(2)).isEqualTo(Optional.of("r-b"));
                        assertThat(i.writes() - before).isEqualTo(2);
                    });
        });
    }

    /**
     * The why-notes a loop issues in one task go to Redis as one script call, and every one of them is kept, under its
     * event and under its trace.
     */
    @Test
    @ExtendWith(VertxExtension.class)
    void notesIssuedTogetherAreOneScriptCall(Vertx vertx, VertxTestContext test) throws Exception {
        withOwnRedis(test, Map.of(), (redis, i) -> {
            String trace = trace();
            // a first pair loads the script (the fallback EVAL goes once)
            CompletableFuture<Void> warm = new CompletableFuture<>();
            vertx.getOrCreateContext().runOnContext(v -> CompletableFuture.allOf(
                    i.noteEvent(trace(), trace, "{\"w\":1}").toCompletableFuture(),
                    i.noteEvent(trace(), trace, "{\"w\":2}").toCompletableFuture()).whenComplete((x, e) -> {
                        if (e != null) {
                            warm.completeExceptionally(e);
                        } else {
                            warm.complete(null);
                        }
                    }));
            warm.get(5, TimeUnit.SECONDS);
            long before = evalshaCalls(redis);
            List<String> events = new ArrayList<>();
            for (int n = 0; n < 5; n++) {
                events.add(trace());
            }
            onOneLoop(vertx, test, () -> events.stream()
                    .map(e -> i.noteEvent(e, trace, "{\"e\":\"" + e + "\"}").toCompletableFuture()).toList(),
                    answers -> {
                        assertThat(evalshaCalls(redis) - before).isEqualTo(1);
                        for (String e : events) {
                            assertThat(get(i.eventNote(e))).contains("{\"e\":\"" + e + "\"}");
                        }
                        assertThat(get(i.traceNotes(trace)).events()).containsKeys(events.toArray(String[]::new));
                    });
        });
    }

    private static long evalshaCalls(RedisServers.RedisServer redis) throws java.io.IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("cmdstat_evalsha:calls=(\\d+)")
                .matcher(RedisServers.command(redis.port(), "info", "commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /**
     * Batches go at least {@code batch_interval_us} apart: with 80 ms, a lookup on an idle loop goes at once, and two
     * issued 5 and 10 ms after it wait for the interval and share one write; with none, each goes on its own.
     */
    @ParameterizedTest
    @ValueSource(longs = {80_000, 0})
    @ExtendWith(VertxExtension.class)
    void batchesGoAtLeastTheIntervalApart(long interval, Vertx vertx, VertxTestContext test) throws Exception {
        withOwnRedis(test, Map.of("batch_interval_us", interval), (redis, i) -> {
            String t = trace();
            get(i.recordAndDrain(t, "r-t"));
            long before = i.writes();
            long start = System.nanoTime();
            onOneLoop(vertx, test, () -> List.<CompletableFuture<?>>of(
                    later(vertx, 6, () -> i.lookupOrRemember(t, Optional.empty())),
                    later(vertx, 11, () -> i.lookupOrRemember(t, Optional.empty())),
                    later(vertx, 1, () -> i.lookupOrRemember(trace(), Optional.empty())).thenApply(r ->
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))), answers -> {
                        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                        assertThat(List.<Object>copyOf(answers.subList(0, 2)))
                                .containsExactly(Optional.of("r-t"), Optional.of("r-t"));
                        assertThat(i.writes() - before).as("writes with an interval of %d us", interval)
                                .isEqualTo(interval > 0 ? 2 : 3);
                        assertThat((Long) answers.get(2)).as("the first lookup went at once").isLessThan(60);
                        if (interval > 0) {
                            assertThat(tookMs).as("the later two waited for the interval").isGreaterThanOrEqualTo(80);
                        }
                    });
        });
    }

    /**
     * On a busy loop the first lookup after the interval sends what waited; the idle loop's timer (twice the interval)
     * is only the fallback. A timer at the interval itself made the loop spin before every batch.
     */
    @Test
    @ExtendWith(VertxExtension.class)
    void aLookupAfterTheIntervalSendsWhatWaitedWithoutWaitingForTheIdleTimer(Vertx vertx, VertxTestContext test)
            throws Exception {
        withOwnRedis(test, Map.of("batch_interval_us", 100_000), (redis, i) -> {
            String t = trace();
            get(i.recordAndDrain(t, "r-t"));
            long before = i.writes();
            long start = System.nanoTime();
            java.util.function.Function<CompletionStage<Optional<String>>, CompletionStage<Long>> arrival = answer ->
                    answer.thenApply(r -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            onOneLoop(vertx, test, () -> List.of(
                    later(vertx, 1, () -> arrival.apply(i.lookupOrRemember(trace(), Optional.empty()))),
                    later(vertx, 6, () -> arrival.apply(i.lookupOrRemember(t, Optional.empty()))),
                    later(vertx, 130, () -> arrival.apply(i.lookupOrRemember(t, Optional.empty())))), arrivedMs -> {
                        assertThat(i.writes() - before).as("the waiting lookup went with the one after the interval")
                                .isEqualTo(2);
                        assertThat(arrivedMs.get(1)).as("the waiting lookup's answer (ms)")
                                .isGreaterThanOrEqualTo(130).isLessThan(190);
                    });
        });
    }

    @Test
    void aNegativeOrOverlongBatchIntervalIsAConfigError() {
        for (long interval : new long[] {-1, 100_001}) {
            assertThatThrownBy(() -> create("redis://127.0.0.1:1", Map.of("batch_interval_us", interval)))
                    .isInstanceOf(io.replaylink.spi.PluginConfigException.class)
                    .hasMessageContaining("batch_interval_us");
        }
    }

    interface OwnRedisTest {
        void run(RedisServers.RedisServer redis, RedisReplayIndex index) throws Exception;
    }

    /** What a test checks once every answer of what it issued is in; it runs off the event loop (it may ask Redis). */
    interface Check<T> {
        void check(List<T> answers) throws Exception;
    }

    /**
     * A Redis server of the test's own (it pauses it) and an index on it that never answers from memory; both are
     * closed once the test context completes.
     */
    static void withOwnRedis(VertxTestContext test, Map<String, Object> extra, OwnRedisTest body) throws Exception {
        try (RedisServers.RedisServer redis = RedisServers.RedisServer.start()) {
            // known_replays_ms: 0, or a recorded trace would be answered from memory without any command
            Map<String, Object> config = new HashMap<>(extra);
            config.put("known_replays_ms", 0);
            RedisReplayIndex index = (RedisReplayIndex) create(redis.uri(), config);
            try {
                body.run(redis, index);
                assertThat(test.awaitCompletion(30, TimeUnit.SECONDS)).as("the test completed").isTrue();
            } finally {
                index.close();
            }
        }
    }

    /** Has Redis hold every command for 400 ms, then issues on one event loop and checks as {@link #onOneLoop}. */
    static <T> void whileRedisIsPaused(Vertx vertx, VertxTestContext test, RedisServers.RedisServer redis,
                                       java.util.function.Supplier<List<? extends CompletableFuture<? extends T>>> issue,
                                       Check<T> check) throws Exception {
        RedisServers.command(redis.port(), "CLIENT", "PAUSE", "400", "ALL");
        onOneLoop(vertx, test, issue, check);
    }

    /**
     * Runs {@code issue} on one event loop of {@code vertx}, so that the lookups it issues (also those of its
     * {@link #later} timers) share that loop's batch; a timer set off a loop may land on any loop. Once every answer
     * is in, runs {@code check} on a worker and completes the test (or fails it with what failed).
     */
    @SuppressWarnings("unchecked")
    static <T> void onOneLoop(Vertx vertx, VertxTestContext test,
                              java.util.function.Supplier<List<? extends CompletableFuture<? extends T>>> issue,
                              Check<T> check) {
        vertx.getOrCreateContext().runOnContext(v -> {
            List<? extends CompletableFuture<? extends T>> futures = issue.get();
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).whenComplete((x, error) -> {
                if (error != null) {
                    test.failNow(error);
                    return;
                }
                vertx.executeBlocking(() -> {
                    List<T> answers = new ArrayList<>();
                    futures.forEach(f -> answers.add((T) f.join()));
                    check.check(answers);
                    return null;
                }).onComplete(test.succeedingThenComplete());
            });
        });
    }

    /** Runs {@code call} on the caller's event loop {@code ms} later; its answer, as a future. */
    static <T> CompletableFuture<T> later(Vertx vertx, long ms, java.util.function.Supplier<CompletionStage<T>> call) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        vertx.setTimer(ms, t -> call.get().whenComplete((value, error) -> {
            if (error != null) {
                answer.completeExceptionally(error);
            } else {
                answer.complete(value);
            }
        }));
        return answer;
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void scriptsAreReloadedAfterScriptFlush(String kind) throws Exception {
        ReplayIndex i = INDEXES.get(kind);
        if (kind.equals("standalone")) {
            RedisServers.command(RedisServers.shared().port(), "SCRIPT", "FLUSH");
        } else {
            for (var node : RedisServers.sharedCluster().nodes()) {
                RedisServers.command(node.port(), "SCRIPT", "FLUSH");
            }
        }
        String t = trace();
        assertThat(get(i.recordAndDrain(t, "r"))).isEmpty();
        assertThat(get(i.lookupOrRemember(t, Optional.empty()))).hasValue("r");
    }

    @org.junit.jupiter.api.Test
    void allKeysOfATraceShareOneClusterSlot() {
        RedisReplayIndex i = (RedisReplayIndex) INDEXES.get("cluster");
        String[] keys = i.keys(trace());
        assertThat(SlotHash.getSlot(keys[0])).isEqualTo(SlotHash.getSlot(keys[1]))
                .isEqualTo(SlotHash.getSlot(keys[2]));
        assertThat(keys[0]).matches("replaylink:test-[0-9a-f]{8}:\\{[0-9a-f]{32}}:r");
        assertThat(i.lateLinksKey("r1")).endsWith(":{r1}:l");
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void aHeldEventWaitsThroughRecordsUntilItsHostLinksIt(String kind) {
        ReplayIndex i = INDEXES.get(kind);
        String t = trace();
        PendingEvent held = new PendingEvent("e1", 1, 1.0, "error", System.currentTimeMillis() + 60_000);
        get(i.lookupOrRemember(t, Optional.of(held)));
        assertThat(get(i.endHold(t, "e1"))).as("no replay yet").isEmpty();
        assertThat(get(i.recordAndDrain(t, "r1"))).as("held: left waiting").isEmpty();
        assertThat(get(i.endHold(t, "e1"))).as("its host links it inline").hasValue("r1");
        assertThat(get(i.endHold(t, "e1"))).as("once").isEmpty();
        String t2 = trace();
        get(i.lookupOrRemember(t2, Optional.of(new PendingEvent("e2", 1, 1.0, "error", 1))));
        assertThat(get(i.recordAndDrain(t2, "r2"))).as("a hold that ended: drained")
                .extracting(PendingEvent::eventId).containsExactly("e2");
    }

    /** The drain's claim outlives a host that stops before handing the links off: the next record takes them. */
    @org.junit.jupiter.api.Test
    void claimsWhoseLeaseRanOutAreDrainedByTheNextRecord() {
        try (ReplayIndex i = create(RedisServers.shared().uri(), Map.of("claim_lease_ms", 200))) {
            String t = trace();
            get(i.lookupOrRemember(t, Optional.of(event("e1"))));
            assertThat(get(i.recordAndDrain(t, "r1"))).containsExactly(event("e1"));
            assertThat(get(i.recordAndDrain(t, "r1"))).isEmpty();
            sleep(250);
            assertThat(get(i.recordAndDrain(t, "r1"))).containsExactly(event("e1"));
            assertThat(get(i.recordAndDrain(t, "r1"))).as("leased again").isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"standalone", "cluster"})
    void lateLinksAreHeldPerReplayUntilAcknowledgedWithinTheirBound(String kind) {
        ReplayIndex i = INDEXES.get(kind);
        String r = trace();
        assertThat(get(i.lateLinks(r))).isEmpty();
        get(i.holdLateLinks(r, List.of(event("e1"), event("e2"))));
        List<PendingEvent> many = new java.util.ArrayList<>();
        for (int n = 3; n < 2000; n++) {
            many.add(event("e" + n));
        }
        get(i.holdLateLinks(r, many));
        List<PendingEvent> held = get(i.lateLinks(r));
        assertThat(held).as("max_late_links_per_replay (1000)").hasSize(1000).contains(event("e1"), event("e2"));
        assertThat(get(i.lateLinks(r))).as("taking them does not forget them").hasSize(1000);
        get(i.acknowledgeLateLinks(r, List.of("e1", "e2")));
        assertThat(get(i.lateLinks(r))).hasSize(998).doesNotContain(event("e1"), event("e2"));
        assertThat(get(i.lateLinks(trace()))).as("another replay's").isEmpty();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Why-notes in Redis: an organisation's event notes stay within max_notes (256 bounded hashes), expire, and a
     * full trace is reported by the lookup. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"standalone", "cluster"})
    void notesAreBoundedAndTheLookupSaysWhenTheTraceIsFull(String kind) throws Exception {
        String uri = kind.equals("standalone") ? RedisServers.shared().uri() : RedisServers.sharedCluster().uri();
        ReplayIndex index = create(uri, Map.of("max_notes", 512, "note_ttl_secs", 60, "max_pending_per_trace", 1));
        try {
            String trace = io.replaylink.testing.Envelopes.id();
            assertThat(index.lookup(trace, Optional.of(new ReplayIndex.PendingEvent(io.replaylink.testing.Envelopes.id(),
                    1, 1.0, "error"))).toCompletableFuture().get(5, TimeUnit.SECONDS).full()).isFalse();
            ReplayIndex.Lookup full = index.lookup(trace, Optional.of(new ReplayIndex.PendingEvent(
                    io.replaylink.testing.Envelopes.id(), 1, 1.0, "error"))).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(full.full()).isTrue();
            assertThat(full.replayId()).isEmpty();
            List<String> ids = new java.util.ArrayList<>();
            List<java.util.concurrent.CompletableFuture<Void>> writes = new java.util.ArrayList<>();
            for (int n = 0; n < 3000; n++) {
                String id = io.replaylink.testing.Envelopes.id();
                ids.add(id);
                writes.add(index.noteEvent(id, null, "{\"n\":" + n + "}").toCompletableFuture());
            }
            java.util.concurrent.CompletableFuture.allOf(writes.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(20, TimeUnit.SECONDS);
            int kept = 0;
            for (String id : ids) {
                if (index.eventNote(id).toCompletableFuture().get(5, TimeUnit.SECONDS).isPresent()) {
                    kept++;
                }
            }
            assertThat(kept).as("notes kept of 3000 with max_notes 512").isBetween(300, 512);
            String last = ids.get(ids.size() - 1);
            assertThat(index.eventNote(last).toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .as("the newest note is there").contains("{\"n\":2999}");
            index.noteReplayLearned(trace, "{\"first\":1}").toCompletableFuture().get(5, TimeUnit.SECONDS);
            index.noteReplayLearned(trace, "{\"second\":1}").toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(index.traceNotes(trace).toCompletableFuture().get(5, TimeUnit.SECONDS).learned())
                    .contains("{\"first\":1}");
        } finally {
            index.close();
        }
    }
}
