package io.replaylink.replay;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.RedisClient;
import io.replaylink.spi.ReplayIndex;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The index in Redis (standalone or Cluster) through one long-lived lettuce connection. Both operations are Lua
 * scripts, so each is atomic on the server whatever the arrival order and however many sidecars share the Redis.
 * Keys: {@code replaylink:{namespace}:{<trace_id>}:r} (the replay id) and {@code ...:p} (a hash of remembered
 * events by event id, so a retried event is remembered once); the {@code {trace_id}} hash tag keeps both in one
 * Cluster slot.
 *
 * <p>Commands are not flushed one by one: a command issued on a Vert.x event loop is flushed at the end of that
 * loop's current task, together with every other command issued meanwhile (pipelining across concurrent requests).
 * Commands time out after {@code command_timeout_ms}; while Redis is unreachable they fail at once and lettuce
 * reconnects in the background.
 */
final class RedisReplayIndex implements ReplayIndex {
    private static final System.Logger LOG = System.getLogger(RedisReplayIndex.class.getName());

    static final String LOOKUP_OR_REMEMBER = """
            local r = redis.call('GET', KEYS[1])
            if r then return {1, r} end
            if ARGV[1] == '' then return {0, 'miss'} end
            if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[4]) and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
              return {0, 'full'}
            end
            if redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) == 1 then
              redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
            end
            return {0, 'remembered'}
            """;
    /**
     * Keeps the trace's first replay id; answers the one it holds, then, when that is the replay recorded, the events
     * it drains: claims whose lease ran out (ARGV[4], now in ms), and the remembered events not held by their host
     * (an {@code "h"} in the future), moved to the claimed hash (KEYS[3]) as {@code <lease end>|<event>}, leased for
     * ARGV[5] ms.
     */
    static final String RECORD_AND_DRAIN = """
            local current = redis.call('GET', KEYS[1])
            if current then
              redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
            else
              redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
              current = ARGV[1]
            end
            if current ~= ARGV[1] then return {current} end
            local out = {current}
            local now = tonumber(ARGV[4])
            local lease = tostring(now + tonumber(ARGV[5])) .. '|'
            local claimed = redis.call('HGETALL', KEYS[3])
            for i = 1, #claimed, 2 do
              local v = claimed[i + 1]
              local bar = string.find(v, '|', 1, true)
              if bar and tonumber(string.sub(v, 1, bar - 1)) <= now then
                local event = string.sub(v, bar + 1)
                redis.call('HSET', KEYS[3], claimed[i], lease .. event)
                out[#out + 1] = event
              end
            end
            local pending = redis.call('HGETALL', KEYS[2])
            local moved = 0
            for i = 1, #pending, 2 do
              local held = string.match(pending[i + 1], '"h":(%d+)')
              if not held or tonumber(held) <= now then
                redis.call('HDEL', KEYS[2], pending[i])
                if redis.call('HSET', KEYS[3], pending[i], lease .. pending[i + 1]) == 1 then
                  out[#out + 1] = pending[i + 1]
                end
                moved = moved + 1
              end
            end
            if moved > 0 then redis.call('EXPIRE', KEYS[3], tonumber(ARGV[3])) end
            return out
            """;
    /** A held event's hold ended: when the trace has its replay and the event still waits, forget it, answer the replay. */
    static final String END_HOLD = """
            local r = redis.call('GET', KEYS[1])
            if r and redis.call('HDEL', KEYS[2], ARGV[1]) == 1 then return {1, r} end
            return {0, ''}
            """;
    /** Ends the lease of claimed events (KEYS[1]; ARGV their ids), so the next record drains them at once. */
    static final String RELEASE_CLAIMS = """
            for i = 1, #ARGV do
              local v = redis.call('HGET', KEYS[1], ARGV[i])
              local bar = v and string.find(v, '|', 1, true)
              if bar then redis.call('HSET', KEYS[1], ARGV[i], '0' .. string.sub(v, bar)) end
            end
            return 0
            """;
    /** Holds late links of one replay (KEYS[1]) within its bound: ARGV ttl, bound, then event id and entry pairs. */
    static final String HOLD_LATE_LINKS = """
            local n = redis.call('HLEN', KEYS[1])
            local held = 0
            for i = 3, #ARGV, 2 do
              if n < tonumber(ARGV[2]) or redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
                n = n + redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
                held = held + 1
              end
            end
            if n > 0 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1])) end
            return held
            """;
    /** The same as {@link #LOOKUP_OR_REMEMBER} for many traces in one call: KEYS in pairs, ARGV in fours. */
    static final String LOOKUP_OR_REMEMBER_MANY = """
            local out = {}
            for i = 1, #KEYS / 2 do
              local rk, pk, a = KEYS[2 * i - 1], KEYS[2 * i], (i - 1) * 4
              local r = redis.call('GET', rk)
              if r then
                out[2 * i - 1], out[2 * i] = 1, r
              elseif ARGV[a + 1] == '' then
                out[2 * i - 1], out[2 * i] = 0, 'miss'
              elseif redis.call('HLEN', pk) >= tonumber(ARGV[a + 4]) and redis.call('HEXISTS', pk, ARGV[a + 1]) == 0 then
                out[2 * i - 1], out[2 * i] = 0, 'full'
              else
                if redis.call('HSET', pk, ARGV[a + 1], ARGV[a + 2]) == 1 then
                  redis.call('EXPIRE', pk, tonumber(ARGV[a + 3]))
                end
                out[2 * i - 1], out[2 * i] = 0, 'remembered'
              end
            end
            return out
            """;
    private static final int MAX_BATCH = 512;
    /** The least time past the batch interval after which an idle loop's timer sends what waits (see sendWhenDue). */
    private static final long MIN_IDLE_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final String LOOKUP_SHA = sha1(LOOKUP_OR_REMEMBER);
    private static final String LOOKUP_MANY_SHA = sha1(LOOKUP_OR_REMEMBER_MANY);
    private static final String RECORD_SHA = sha1(RECORD_AND_DRAIN);
    private static final String HOLD_SHA = sha1(HOLD_LATE_LINKS);
    private static final String RELEASE_SHA = sha1(RELEASE_CLAIMS);
    private static final String END_HOLD_SHA = sha1(END_HOLD);

    private final IndexSettings settings;
    private final RedisSettings redis;
    private final ClientResources resources;
    private final RedisClient standalone;
    private final RedisClusterClient cluster;
    private final Object loopKey = new Object();
    private volatile StatefulConnection<String, String> connection;
    private volatile RedisClusterAsyncCommands<String, String> commands;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicLong writes = new java.util.concurrent.atomic.AtomicLong();
    private final KnownReplays knownReplays;

    /** {@code sharedLoop}: the event loop lettuce's channels live on (the ingest loop), or null for lettuce's own. */
    RedisReplayIndex(IndexSettings settings, RedisSettings redis, io.netty.channel.EventLoop sharedLoop) {
        this.settings = settings;
        this.redis = redis;
        this.knownReplays = new KnownReplays(Math.min(TimeUnit.SECONDS.toMillis(settings.mappingTtlSecs()),
                redis.knownReplaysMs()), redis.knownReplaysMax());
        DefaultClientResources.Builder resourceBuilder = DefaultClientResources.builder().computationThreadPoolSize(1);
        this.resources = (sharedLoop != null
                ? resourceBuilder.eventLoopGroupProvider(new SharedEventLoopProvider(sharedLoop))
                : resourceBuilder.ioThreadPoolSize(2)).build();
        SocketOptions socket = SocketOptions.builder().connectTimeout(Duration.ofMillis(redis.connectTimeoutMs()))
                .keepAlive(true).build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(Duration.ofMillis(redis.commandTimeoutMs()));
        if (redis.cluster()) {
            this.standalone = null;
            this.cluster = RedisClusterClient.create(resources, redis.uris());
            cluster.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .socketOptions(socket)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            .enablePeriodicRefresh(Duration.ofSeconds(30)).build())
                    .build());
        } else {
            this.cluster = null;
            this.standalone = RedisClient.create(resources);
            standalone.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(timeouts)
                    .socketOptions(socket)
                    .build());
        }
        connect(0);
    }

    /** Connects in the background; until it succeeds every operation fails fast (and linking fails open). */
    private void connect(int attempt) {
        if (closed) {
            return;
        }
        // lettuce's cluster connectAsync needs the partitions loaded first ("Partitions not initialized")
        CompletionStage<? extends StatefulConnection<String, String>> stage = cluster != null
                ? cluster.refreshPartitionsAsync().thenCompose(v -> cluster.connectAsync(StringCodec.UTF8))
                : standalone.connectAsync(StringCodec.UTF8, redis.uris().get(0));
        stage.whenComplete((conn, error) -> {
            if (error != null) {
                long delay = Math.min(5000, 100L << Math.min(6, attempt));
                if (attempt == 0 || attempt % 20 == 0) {
                    Throwable root = error;
                    while (root.getCause() != null && root.getCause() != root) {
                        root = root.getCause();
                    }
                    LOG.log(Level.WARNING, "redis index: cannot connect to " + redis.describe() + " (" + error
                            + (root != error ? "; cause: " + root : "") + "); linking fails open and retries every "
                            + delay + " ms");
                }
                resources.eventExecutorGroup().schedule(() -> connect(attempt + 1), delay, TimeUnit.MILLISECONDS);
                return;
            }
            if (closed) {
                conn.closeAsync();
                return;
            }
            if (redis.batchFlush()) {
                conn.setAutoFlushCommands(false);
            }
            connection = conn;
            commands = conn instanceof StatefulRedisClusterConnection<String, String> c ? c.async()
                    : ((StatefulRedisConnection<String, String>) conn).async();
            LOG.log(Level.INFO, "redis index: connected to " + redis.describe());
        });
    }

    boolean connected() {
        return commands != null && connection.isOpen();
    }

    @Override
    public CompletionStage<Optional<String>> lookupOrRemember(String traceId, Optional<PendingEvent> pending) {
        Optional<String> known = knownReplays.get(traceId);
        if (known.isPresent()) {
            return CompletableFuture.completedFuture(known);
        }
        CompletionStage<Optional<String>> answer = lookupInRedis(traceId, pending);
        if (!knownReplays.enabled()) {
            return answer;
        }
        return answer.thenApply(replay -> {
            replay.ifPresent(r -> knownReplays.lookedUp(traceId, r));
            return replay;
        });
    }

    private CompletionStage<Optional<String>> lookupInRedis(String traceId, Optional<PendingEvent> pending) {
        String[] args = pending.isPresent()
                ? new String[] {pending.get().eventId(), PendingEvents.encode(pending.get()),
                        Long.toString(settings.pendingTtlSecs()), Integer.toString(settings.maxPendingPerTrace())}
                : new String[] {"", "", "0", "0"};
        Context context = batchingContext();
        if (context != null) {
            return batched(context, lookupKeys(traceId), args);
        }
        return this.<List<Object>>script(LOOKUP_SHA, LOOKUP_OR_REMEMBER, lookupKeys(traceId), args)
                .thenApply(result -> result == null ? Optional.empty() : replayOf(result, 0));
    }

    private static Optional<String> replayOf(List<Object> flat, int index) {
        if (flat.size() >= 2 * index + 2 && Long.valueOf(1).equals(flat.get(2 * index))) {
            return Optional.of(String.valueOf(flat.get(2 * index + 1)));
        }
        return Optional.empty();
    }

    /**
     * Standalone Redis: the lookups one event loop issues within one task go to Redis as one script call over all their
     * traces (Cluster cannot: a script's keys must share a slot), so concurrent requests cost one command. While a
     * batch is out (until all its commands are answered), new lookups wait for its answer and then go together: an idle
     * loop sends at once, a busy one sends fewer, larger batches, which is where the per-command costs (a write on each
     * side, the script's call) stop growing with the rate. Records join the same batch (one script call each, sent
     * before the lookups), so one loop has one write at Redis at a time. The wait is at most one round trip, itself
     * bounded by the command timeout, plus {@code batch_interval_us} when that is set.
     */
    private CompletionStage<Optional<String>> batched(Context context, String[] keys, String[] args) {
        LoopBatch batch = batch(context);
        CompletableFuture<Optional<String>> result = new CompletableFuture<>();
        batch.add(keys, args, result);
        sendWhenDue(context, batch, false);
        return result;
    }

    /** Records join the loop's batch too: while it is at Redis they wait, and go with the next one. */
    private CompletionStage<List<Object>> batchedRecord(Context context, String[] keys, String[] args) {
        LoopBatch batch = batch(context);
        CompletableFuture<List<Object>> result = new CompletableFuture<>();
        batch.records.add(new LoopBatch.Record(keys, args, result));
        sendWhenDue(context, batch, false);
        return result;
    }

    /** Standalone Redis with batch_flush, called on an event loop: that loop's context; otherwise null. */
    private Context batchingContext() {
        return cluster == null && redis.batchFlush() ? Vertx.currentContext() : null;
    }

    /** This index's state on the context's event loop (created on first use; only that loop touches it). */
    private LoopBatch batch(Context context) {
        LoopBatch batch = context.get(loopKey);
        if (batch == null) {
            batch = new LoopBatch();
            context.put(loopKey, batch);
        }
        return batch;
    }

    /**
     * Has the waiting lookups and records sent when they may go: once {@code batch_interval_us} has passed since the
     * loop's last batch went, at the end of this task ({@code here}: in this task, which already runs on the loop).
     * Before that, the first lookup, record or answer after the interval sends them (on a busy loop one comes soon);
     * an idle loop has a timer as well, set to twice the interval (at least a millisecond past it). A timer set to
     * the interval itself would make the loop spin: Netty polls without blocking in the last half millisecond before
     * a timer is due, which on a busy loop, woken by its requests, happened before every batch and cost more CPU
     * than the batching saved.
     */
    private void sendWhenDue(Context context, LoopBatch batch, boolean here) {
        if (batch.isEmpty() || !batch.maySend()) {
            return;
        }
        long wait = batch.untilDue(redis.batchIntervalNanos());
        if (wait > 0) {
            if (batch.idleTimer < 0) {
                long nanos = wait + Math.max(redis.batchIntervalNanos(), MIN_IDLE_SLACK_NANOS);
                // a Vert.x timer set on the loop's context fires on it
                batch.idleTimer = context.owner().setTimer(TimeUnit.NANOSECONDS.toMillis(nanos) + 1, id -> {
                    if (batch.idleTimer == id) {
                        batch.idleTimer = -1;
                    }
                    sendWhenDue(context, batch, true);
                });
            }
            return;
        }
        if (batch.idleTimer >= 0) {
            context.owner().cancelTimer(batch.idleTimer);
            batch.idleTimer = -1;
        }
        if (here) {
            flushBatch(context, batch);
        } else {
            batch.scheduled = true;
            context.runOnContext(v -> flushBatch(context, batch));
        }
    }

    /**
     * Sends the batch in at most two commands, both issued at once: the lookups that must remember their event on a
     * miss go straight to the (atomic) lookup-or-remember script as one call, since the script reads the mapping
     * first anyway (an MGET before it would cost a second round trip on every miss); the plain lookups go as one
     * MGET. Results complete on the event loop that issued them, one hop for the whole batch.
     */
    private void flushBatch(Context context, LoopBatch batch) {
        batch.scheduled = false;
        batch.sentAt = System.nanoTime();
        // the commands below are flushed at the end of this task: keep them from scheduling a flush task of their own
        boolean flushHere = !batch.flushScheduled;
        batch.flushScheduled = true;
        RedisClusterAsyncCommands<String, String> c = commands;
        // records first: a lookup of the same trace issued meanwhile then finds the mapping
        for (LoopBatch.Record r : batch.takeRecords()) {
            if (c == null || closed) {
                r.result().completeExceptionally(new IllegalStateException("redis index is not connected"));
                continue;
            }
            onAnswer(context, batch, this.<List<Object>>script(RECORD_SHA, RECORD_AND_DRAIN, r.keys(), r.args()),
                    (values, error) -> {
                        if (error != null) {
                            r.result().completeExceptionally(error);
                        } else {
                            r.result().complete(values);
                        }
                    });
        }
        while (!batch.results.isEmpty()) {
            LoopBatch.Call call = batch.take(MAX_BATCH);
            if (c == null || closed) {
                call.results().forEach(r -> r.completeExceptionally(new IllegalStateException("redis index is not connected")));
                continue;
            }
            List<Integer> plain = new ArrayList<>();
            List<Integer> remember = new ArrayList<>();
            for (int i = 0; i < call.results().size(); i++) {
                (call.args()[4 * i].isEmpty() ? plain : remember).add(i);
            }
            if (!remember.isEmpty()) {
                remember(context, batch, call, remember);
            }
            if (plain.isEmpty()) {
                continue;
            }
            String[] mappingKeys = new String[plain.size()];
            for (int j = 0; j < plain.size(); j++) {
                mappingKeys[j] = call.keys()[2 * plain.get(j)];
            }
            CompletionStage<List<io.lettuce.core.KeyValue<String, String>>> mget = c.mget(mappingKeys);
            scheduleFlush();
            onAnswer(context, batch, mget, (values, error) -> {
                for (int j = 0; j < plain.size(); j++) {
                    CompletableFuture<Optional<String>> r = call.results().get(plain.get(j));
                    if (error != null) {
                        r.completeExceptionally(error);
                    } else {
                        var kv = values.get(j);
                        r.complete(kv.hasValue() ? Optional.of(kv.getValue()) : Optional.empty());
                    }
                }
            });
        }
        // this task runs on the loop already: flush now rather than in a task of its own
        StatefulConnection<String, String> conn = connection;
        if (flushHere) {
            batch.flushScheduled = false;
        }
        if (redis.batchFlush() && conn != null) {
            flush(conn);
        }
    }

    /** Writes what was issued since the last write to Redis (one socket write), counted. */
    private void flush(StatefulConnection<String, String> conn) {
        writes.incrementAndGet();
        conn.flushCommands();
    }

    /** Writes to Redis so far (each sends every command issued since the one before). */
    long writes() {
        return writes.get();
    }

    /**
     * Counts {@code command} as out at Redis until it is answered; then, on the batch's event loop, hands the answer to
     * {@code then} after sending what waited meanwhile.
     */
    private <T> void onAnswer(Context context, LoopBatch batch, CompletionStage<T> command,
                              java.util.function.BiConsumer<T, Throwable> then) {
        batch.out++;
        command.whenComplete((value, error) -> context.runOnContext(v -> {
            batch.out--;
            sendWhenDue(context, batch, true);
            then.accept(value, error);
        }));
    }

    private void remember(Context context, LoopBatch batch, LoopBatch.Call call, List<Integer> which) {
        String[] keys = new String[2 * which.size()];
        String[] args = new String[4 * which.size()];
        for (int j = 0; j < which.size(); j++) {
            int i = which.get(j);
            System.arraycopy(call.keys(), 2 * i, keys, 2 * j, 2);
            System.arraycopy(call.args(), 4 * i, args, 4 * j, 4);
        }
        onAnswer(context, batch, this.<List<Object>>script(LOOKUP_MANY_SHA, LOOKUP_OR_REMEMBER_MANY, keys, args),
                (flat, error) -> {
                    for (int j = 0; j < which.size(); j++) {
                        CompletableFuture<Optional<String>> r = call.results().get(which.get(j));
                        if (error != null) {
                            r.completeExceptionally(error);
                        } else {
                            r.complete(flat == null ? Optional.empty() : replayOf(flat, j));
                        }
                    }
                });
    }

    /**
     * What one event loop has for Redis: lookups and records waiting to be sent, the commands out at Redis, and
     * whether a flush is scheduled. Touched only by that event loop.
     */
    private static final class LoopBatch {
        final List<String> keys = new ArrayList<>();
        final List<String> args = new ArrayList<>();
        final List<CompletableFuture<Optional<String>>> results = new ArrayList<>();
        final List<Record> records = new ArrayList<>();
        /** A flushBatch task is queued. */
        boolean scheduled;
        /** A task that flushes the connection is queued (or flushBatch, which flushes at its end, is running). */
        boolean flushScheduled;
        /** Commands sent and not answered yet. */
        int out;
        /** The Vert.x timer that sends what waits for the interval if no lookup, record or answer does first; or -1. */
        long idleTimer = -1;
        /** When the last batch went ({@link System#nanoTime}; long ago at first). */
        long sentAt = System.nanoTime() - TimeUnit.HOURS.toNanos(1);

        record Call(String[] keys, String[] args, List<CompletableFuture<Optional<String>>> results) {
        }

        record Record(String[] keys, String[] args, CompletableFuture<List<Object>> result) {
        }

        List<Record> takeRecords() {
            if (records.isEmpty()) {
                return List.of();
            }
            List<Record> taken = List.copyOf(records);
            records.clear();
            return taken;
        }

        void add(String[] k, String[] a, CompletableFuture<Optional<String>> result) {
            keys.addAll(List.of(k));
            args.addAll(List.of(a));
            results.add(result);
        }

        boolean isEmpty() {
            return results.isEmpty() && records.isEmpty();
        }

        /** Nanoseconds until the next batch may go, {@code interval} after the last one (0 or less: now). */
        long untilDue(long interval) {
            return interval == 0 ? 0 : sentAt + interval - System.nanoTime();
        }

        /** Whether waiting lookups and records may go now: none queued to go already, no command out at Redis. */
        boolean maySend() {
            return !scheduled && out == 0;
        }

        Call take(int max) {
            int n = Math.min(max, results.size());
            Call call = new Call(keys.subList(0, 2 * n).toArray(String[]::new),
                    args.subList(0, 4 * n).toArray(String[]::new), List.copyOf(results.subList(0, n)));
            keys.subList(0, 2 * n).clear();
            args.subList(0, 4 * n).clear();
            results.subList(0, n).clear();
            return call;
        }
    }

    @Override
    public CompletionStage<List<PendingEvent>> recordAndDrain(String traceId, String replayId) {
        if (knownReplays.recordedRecently(traceId, replayId)) {
            return CompletableFuture.completedFuture(List.of());
        }
        long sentAt = System.nanoTime();
        String[] keys = keys(traceId);
        String[] args = {replayId, Long.toString(settings.mappingTtlSecs()), Long.toString(settings.pendingTtlSecs()),
                Long.toString(System.currentTimeMillis()), Long.toString(settings.claimLeaseMs())};
        Context context = batchingContext();
        CompletionStage<List<Object>> reply = context != null
                ? batchedRecord(context, keys, args)
                : this.<List<Object>>script(RECORD_SHA, RECORD_AND_DRAIN, keys, args);
        return reply.thenApply(values -> {
                    List<PendingEvent> drained = new ArrayList<>(values == null ? 0 : values.size());
                    if (values != null && !values.isEmpty()) {
                        String current = String.valueOf(values.get(0));
                        for (Object v : values.subList(1, values.size())) {
                            PendingEvent e = PendingEvents.decode(String.valueOf(v));
                            if (e != null) {
                                drained.add(e);
                            }
                        }
                        if (drained.isEmpty()) {
                            knownReplays.recorded(traceId, replayId, current, sentAt);
                        } else {
                            // claims stay until acknowledged: the next record of this trace must reach Redis
                            knownReplays.lookedUp(traceId, current);
                        }
                    }
                    return drained;
                });
    }

    @Override
    public CompletionStage<Void> acknowledgeDrained(String traceId, List<String> eventIds) {
        return delete(keys(traceId)[2], eventIds);
    }

    @Override
    public CompletionStage<Optional<String>> endHold(String traceId, String eventId) {
        return this.<List<Object>>script(END_HOLD_SHA, END_HOLD, lookupKeys(traceId), new String[] {eventId})
                .thenApply(result -> result == null ? Optional.empty() : replayOf(result, 0));
    }

    @Override
    public CompletionStage<Void> releaseDrained(String traceId, List<String> eventIds) {
        if (eventIds.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return this.<Long>script(RELEASE_SHA, RELEASE_CLAIMS, new String[] {keys(traceId)[2]},
                eventIds.toArray(String[]::new), ScriptOutputType.INTEGER).thenApply(v -> null);
    }

    @Override
    public CompletionStage<Void> holdLateLinks(String replayId, List<PendingEvent> events) {
        String[] args = new String[2 + 2 * events.size()];
        args[0] = Long.toString(settings.mappingTtlSecs());
        args[1] = Integer.toString(settings.maxLateLinksPerReplay());
        for (int i = 0; i < events.size(); i++) {
            args[2 + 2 * i] = events.get(i).eventId();
            args[3 + 2 * i] = PendingEvents.encode(events.get(i));
        }
        return this.<Long>script(HOLD_SHA, HOLD_LATE_LINKS, new String[] {lateLinksKey(replayId)}, args,
                ScriptOutputType.INTEGER).thenApply(held -> null);
    }

    @Override
    public CompletionStage<List<PendingEvent>> lateLinks(String replayId) {
        RedisClusterAsyncCommands<String, String> c = commands;
        if (c == null || closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("redis index is not connected"));
        }
        CompletionStage<List<String>> values = c.hvals(lateLinksKey(replayId));
        scheduleFlush();
        return values.thenApply(list -> {
            List<PendingEvent> out = new ArrayList<>(list.size());
            for (String v : list) {
                PendingEvent e = PendingEvents.decode(v);
                if (e != null) {
                    out.add(e);
                }
            }
            return out;
        });
    }

    @Override
    public CompletionStage<Void> acknowledgeLateLinks(String replayId, List<String> eventIds) {
        return delete(lateLinksKey(replayId), eventIds);
    }

    /** HDEL of {@code fields} from the hash {@code key}. */
    private CompletionStage<Void> delete(String key, List<String> fields) {
        RedisClusterAsyncCommands<String, String> c = commands;
        if (fields.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (c == null || closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("redis index is not connected"));
        }
        CompletionStage<Long> deleted = c.hdel(key, fields.toArray(String[]::new));
        scheduleFlush();
        return deleted.thenApply(n -> null);
    }

    /** The mapping, remembered events and claimed events of a trace; all in the trace's Cluster slot. */
    String[] keys(String traceId) {
        String base = "replaylink:" + settings.namespace() + ":{" + traceId + "}:";
        return new String[] {base + "r", base + "p", base + "c"};
    }

    /** The keys a lookup touches: the mapping and the remembered events. */
    private String[] lookupKeys(String traceId) {
        String[] all = keys(traceId);
        return new String[] {all[0], all[1]};
    }

    /** The late links held for a replay (its own Cluster slot). */
    String lateLinksKey(String replayId) {
        return "replaylink:" + settings.namespace() + ":{" + replayId + "}:l";
    }

    private <T> CompletionStage<T> script(String sha, String body, String[] keys, String[] args) {
        return script(sha, body, keys, args, ScriptOutputType.MULTI);
    }

    private <T> CompletionStage<T> script(String sha, String body, String[] keys, String[] args,
                                          ScriptOutputType type) {
        RedisClusterAsyncCommands<String, String> c = commands;
        if (c == null || closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("redis index is not connected"));
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletionStage<T> bySha = c.evalsha(sha, type, keys, args);
        scheduleFlush();
        bySha.whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
            } else if (error instanceof RedisNoScriptException
                    || error.getCause() instanceof RedisNoScriptException) {
                CompletionStage<T> byBody = c.eval(body, type, keys, args);
                scheduleFlush();
                byBody.whenComplete((v, e) -> {
                    if (e == null) {
                        result.complete(v);
                    } else {
                        result.completeExceptionally(e);
                    }
                });
            } else {
                result.completeExceptionally(error);
            }
        });
        return result;
    }

    /**
     * Flushes at the end of the current event-loop task, once for everything that loop issued meanwhile; each event
     * loop keeps its own flag, so a busy loop never delays another loop's commands.
     */
    private void scheduleFlush() {
        StatefulConnection<String, String> conn = connection;
        if (!redis.batchFlush() || conn == null) {
            return;
        }
        Context context = Vertx.currentContext();
        if (context == null) {
            flush(conn);
            return;
        }
        LoopBatch batch = batch(context);
        if (!batch.flushScheduled) {
            batch.flushScheduled = true;
            context.runOnContext(v -> {
                batch.flushScheduled = false;
                flush(conn);
            });
        }
    }

    @Override
    public void close() {
        closed = true;
        StatefulConnection<String, String> conn = connection;
        if (conn != null) {
            conn.close();
        }
        if (cluster != null) {
            cluster.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } else {
            standalone.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Connection settings (keys of {@code index.config} for {@code name: redis}).
     *
     * @param uris             {@code uri}: {@code redis://host:port[/db]} or {@code redis-cluster://h1:p1,h2:p2}
     * @param cluster          whether the URI names a Cluster
     * @param commandTimeoutMs {@code command_timeout_ms}, default 1000 (lettuce's own default is 60 s)
     * @param connectTimeoutMs {@code connect_timeout_ms}, default 2000
     * @param batchFlush       {@code batch_flush}, default true: flush once per event-loop task
     * @param knownReplaysMs   {@code known_replays_ms}, default 60000: a trace whose replay id Redis answered (or a
     *                         record found or set) less than this long ago is answered from memory (0: never; at
     *                         most {@code mapping_ttl_secs})
     * @param knownReplaysMax  {@code known_replays_max}, default 100000: such traces kept at most
     * @param batchIntervalMicros {@code batch_interval_us}, default 0: the least time between two batches one
     *                         event loop sends (0: none); lookups and records issued sooner wait for it, so a busy
     *                         loop sends fewer, larger batches and an idle one sends at once
     */
    record RedisSettings(List<RedisURI> uris, boolean cluster, long commandTimeoutMs, long connectTimeoutMs,
                         boolean batchFlush, long knownReplaysMs, int knownReplaysMax, long batchIntervalMicros) {

        long batchIntervalNanos() {
            return TimeUnit.MICROSECONDS.toNanos(batchIntervalMicros);
        }

        String describe() {
            return (cluster ? "cluster " : "") + uris.stream().map(u -> u.getHost() + ":" + u.getPort()).toList();
        }
    }
}
