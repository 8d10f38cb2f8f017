package io.replaylink.index.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.replaylink.index.IndexSettings;
import io.replaylink.index.PendingEvents;
import io.replaylink.spi.ReplayIndex;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The index in Redis (standalone or Cluster). Every operation is a Lua script ({@link IndexScripts}) or a single
 * command, so each is atomic on the server whatever the arrival order and however many sidecars share the Redis.
 * Keys: {@code replaylink:{namespace}:{<trace_id>}:r} (the replay id), {@code ...:p} (remembered events by event id,
 * so a retried event is remembered once), {@code ...:c} (drained events claimed until acknowledged), all in the
 * trace's Cluster slot; {@code replaylink:{namespace}:{<replay_id>}:l} (late links held for a replay's next segment).
 * Lookups and records of one event loop are batched by the {@link LoopBatcher} (standalone Redis); traces whose replay
 * is known are answered from {@link KnownReplays}. The connection is {@link RedisConnection}'s.
 */
public final class RedisReplayIndex implements ReplayIndex {
    private final IndexSettings settings;
    private final RedisSettings redis;
    private final RedisConnection connection;
    private final LoopBatcher batcher;
    private final KnownReplays knownReplays;
    private final LongSupplier clockMillis;

    /** The organisations' indexes (keys under {@code <namespace>.o<id>}), sharing the connection; 0 is this one. */
    private final java.util.concurrent.ConcurrentHashMap<Long, RedisReplayIndex> organizations;
    private final boolean ownsConnection;

    /** {@code sharedLoop}: the event loop lettuce's channels live on (the ingest loop), or null for lettuce's own. */
    RedisReplayIndex(IndexSettings settings, RedisSettings redis, io.netty.channel.EventLoop sharedLoop,
                     LongSupplier clockMillis) {
        this(settings, redis, new RedisConnection(redis, sharedLoop), clockMillis, true);
    }

    private RedisReplayIndex(IndexSettings settings, RedisSettings redis, RedisConnection connection,
                             LongSupplier clockMillis, boolean ownsConnection) {
        this.settings = settings;
        this.redis = redis;
        this.clockMillis = clockMillis;
        this.knownReplays = new KnownReplays(Math.min(TimeUnit.SECONDS.toMillis(settings.mappingTtlSecs()),
                redis.knownReplaysMs()), redis.knownReplaysMax());
        this.connection = connection;
        this.batcher = new LoopBatcher(connection, redis);
        this.ownsConnection = ownsConnection;
        this.organizations = ownsConnection ? new java.util.concurrent.ConcurrentHashMap<>() : null;
    }

    /**
     * Organisation 0 is this index; every other has a key space of its own ({@code replaylink:<namespace>.o<id>:...})
     * and known replays of its own, on the same connection.
     */
    @Override
    public ReplayIndex forOrganization(long organizationId) {
        if (organizationId == 0 || organizations == null) {
            return this;
        }
        return organizations.computeIfAbsent(organizationId, org -> new RedisReplayIndex(
                settings.withNamespace(settings.namespace() + ".o" + org), redis, connection, clockMillis, false));
    }

    boolean connected() {
        return connection.connected();
    }

    @Override
    public boolean available() {
        return connection.connected();
    }

    /** Writes to Redis so far (each sends every command issued since the one before). */
    long writes() {
        return connection.writes();
    }

    @Override
    public CompletionStage<Optional<String>> lookupOrRemember(String traceId, Optional<PendingEvent> pending) {
        return find(traceId, pending).thenApply(r -> r.isPresent() && r.get().equals(IndexScripts.FULL)
                ? Optional.empty() : r);
    }

    @Override
    public CompletionStage<Lookup> lookup(String traceId, Optional<PendingEvent> pending) {
        return find(traceId, pending).thenApply(r -> r.isPresent() && r.get().equals(IndexScripts.FULL)
                ? new Lookup(Optional.empty(), true) : new Lookup(r, false));
    }

    /** The trace's replay, empty, or {@link IndexScripts#FULL} (not remembered: the trace's bound is full). */
    private CompletionStage<Optional<String>> find(String traceId, Optional<PendingEvent> pending) {
        Optional<String> known = knownReplays.get(traceId);
        if (known.isPresent()) {
            return CompletableFuture.completedFuture(known);
        }
        String[] args = pending.isPresent()
                ? new String[] {pending.get().eventId(), PendingEvents.encode(pending.get()),
                        Long.toString(settings.pendingTtlSecs()), Integer.toString(settings.maxPendingPerTrace())}
                : new String[] {"", "", "0", "0"};
        Context context = batchingContext();
        CompletionStage<Optional<String>> answer = context != null
                ? batcher.lookup(context, lookupKeys(traceId), args)
                : this.<List<Object>>script(IndexScripts.LOOKUP, lookupKeys(traceId), args, ScriptOutputType.MULTI)
                        .thenApply(result -> result == null ? Optional.empty() : IndexScripts.replayOf(result, 0));
        if (!knownReplays.enabled()) {
            return answer;
        }
        return answer.thenApply(replay -> {
            replay.filter(r -> !r.equals(IndexScripts.FULL)).ifPresent(r -> knownReplays.lookedUp(traceId, r));
            return replay;
        });
    }

    @Override
    public CompletionStage<Void> noteEvent(String eventId, String traceId, String note) {
        Context context = batchingContext();
        if (context != null && traceId != null) {
            // standalone: both notes in one script call, in the loop's batch
            String[] keys = {eventNotesKey(eventId), traceNotesKey(traceId)};
            String[] args = {eventId, note, Integer.toString(settings.maxNotes() <= 0 ? 0
                    : (settings.maxNotes() + 255) / 256), Long.toString(settings.noteTtlSecs()),
                    Integer.toString(IndexSettings.notesPerTrace(settings) + 1)};
            return batcher.<Object>write(context, IndexScripts.NOTE_EVENTS, keys, args).thenApply(v -> null);
        }
        CompletionStage<Object> byEvent = settings.maxNotes() <= 0 ? CompletableFuture.completedFuture(null)
                : note(eventNotesKey(eventId), eventId, note, (settings.maxNotes() + 255) / 256, "evict", false);
        if (traceId == null) {
            return byEvent.thenApply(v -> null);
        }
        // the trace's hash holds its events' notes and, in one more field, how its replay was learned
        CompletionStage<Object> byTrace = note(traceNotesKey(traceId), eventId, note,
                IndexSettings.notesPerTrace(settings) + 1, "skip", false);
        return byEvent.thenCombine(byTrace, (a, b) -> null);
    }

    @Override
    public CompletionStage<Void> noteReplayLearned(String traceId, String note) {
        // one field beyond the events' bound: the trace's first note of how its replay was learned always has room
        return note(traceNotesKey(traceId), LEARNED, note, IndexSettings.notesPerTrace(settings) + 2, "skip",
                true).thenApply(v -> null);
    }

    /** The trace-notes field that holds how the trace's replay was learned (not an event id: those are hex). */
    static final String LEARNED = "learned";

    private CompletionStage<Object> note(String key, String field, String note, int bound, String full,
                                         boolean keepExisting) {
        String[] keys = {key};
        String[] args = {field, note, Integer.toString(bound), Long.toString(settings.noteTtlSecs()), full,
                keepExisting ? "1" : "0"};
        Context context = batchingContext();
        return context != null ? batcher.write(context, IndexScripts.NOTE, keys, args)
                : script(IndexScripts.NOTE, keys, args, ScriptOutputType.INTEGER);
    }

    @Override
    public CompletionStage<Optional<String>> eventNote(String eventId) {
        RedisClusterAsyncCommands<String, String> c = connection.commands();
        if (c == null) {
            return CompletableFuture.failedFuture(LoopBatcher.notConnected());
        }
        CompletionStage<String> value = c.hget(eventNotesKey(eventId), eventId);
        connection.scheduleFlush();
        return value.thenApply(Optional::ofNullable);
    }

    @Override
    public CompletionStage<TraceNotes> traceNotes(String traceId) {
        RedisClusterAsyncCommands<String, String> c = connection.commands();
        if (c == null) {
            return CompletableFuture.failedFuture(LoopBatcher.notConnected());
        }
        String[] keys = keys(traceId);
        CompletionStage<String> replay = c.get(keys[0]);
        CompletionStage<java.util.Map<String, String>> pending = c.hgetall(keys[1]);
        CompletionStage<java.util.Map<String, String>> notes = c.hgetall(traceNotesKey(traceId));
        connection.scheduleFlush();
        return replay.thenCombine(pending, (r, p) -> new Object[] {r, p}).thenCombine(notes, (rp, n) -> {
            java.util.Map<String, String> events = new java.util.TreeMap<>(n);
            String learned = events.remove(LEARNED);
            @SuppressWarnings("unchecked")
            java.util.Map<String, String> waiting = (java.util.Map<String, String>) rp[1];
            List<PendingEvent> waitingEvents = new ArrayList<>();
            for (String encoded : waiting.values()) {
                PendingEvent e = PendingEvents.decode(encoded);
                if (e != null) {
                    waitingEvents.add(e);
                }
            }
            return new TraceNotes(Optional.ofNullable((String) rp[0]), Optional.ofNullable(learned), events,
                    waitingEvents);
        });
    }

    /** An organisation's notes of events: 256 hashes by the event id's first two hex digits, each bounded. */
    String eventNotesKey(String eventId) {
        return "replaylink:" + settings.namespace() + ":why:" + eventId.substring(0, Math.min(2, eventId.length()));
    }

    /** A trace's notes (its events', and how its replay was learned), in the trace's Cluster slot. */
    String traceNotesKey(String traceId) {
        return "replaylink:" + settings.namespace() + ":{" + traceId + "}:w";
    }

    @Override
    public CompletionStage<List<PendingEvent>> recordAndDrain(String traceId, String replayId) {
        if (knownReplays.recordedRecently(traceId, replayId)) {
            return CompletableFuture.completedFuture(List.of());
        }
        long sentAt = System.nanoTime();
        String[] keys = keys(traceId);
        String[] args = {replayId, Long.toString(settings.mappingTtlSecs()), Long.toString(settings.pendingTtlSecs()),
                Long.toString(clockMillis.getAsLong()), Long.toString(settings.claimLeaseMs())};
        Context context = batchingContext();
        CompletionStage<List<Object>> reply = context != null
                ? batcher.record(context, keys, args)
                : script(IndexScripts.RECORD, keys, args, ScriptOutputType.MULTI);
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
    public CompletionStage<Void> releaseDrained(String traceId, List<String> eventIds) {
        if (eventIds.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return this.<Long>script(IndexScripts.RELEASE, new String[] {keys(traceId)[2]},
                eventIds.toArray(String[]::new), ScriptOutputType.INTEGER).thenApply(v -> null);
    }

    @Override
    public CompletionStage<Optional<String>> endHold(String traceId, String eventId) {
        return this.<List<Object>>script(IndexScripts.END, lookupKeys(traceId), new String[] {eventId},
                ScriptOutputType.MULTI).thenApply(result -> result == null ? Optional.empty()
                : IndexScripts.replayOf(result, 0));
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
        return this.<Long>script(IndexScripts.HOLD, new String[] {lateLinksKey(replayId)}, args,
                ScriptOutputType.INTEGER).thenApply(held -> null);
    }

    @Override
    public CompletionStage<List<PendingEvent>> lateLinks(String replayId) {
        RedisClusterAsyncCommands<String, String> c = connection.commands();
        if (c == null) {
            return CompletableFuture.failedFuture(LoopBatcher.notConnected());
        }
        CompletionStage<List<String>> values = c.hvals(lateLinksKey(replayId));
        connection.scheduleFlush();
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
        if (fields.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        RedisClusterAsyncCommands<String, String> c = connection.commands();
        if (c == null) {
            return CompletableFuture.failedFuture(LoopBatcher.notConnected());
        }
        CompletionStage<Long> deleted = c.hdel(key, fields.toArray(String[]::new));
        connection.scheduleFlush();
        return deleted.thenApply(n -> null);
    }

    /** Standalone Redis with batch_flush, called on an event loop: that loop's context; otherwise null. */
    private Context batchingContext() {
        return !connection.cluster() && redis.batchFlush() ? Vertx.currentContext() : null;
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

    private <T> CompletionStage<T> script(IndexScripts.Script script, String[] keys, String[] args,
                                          ScriptOutputType type) {
        RedisClusterAsyncCommands<String, String> c = connection.commands();
        if (c == null) {
            return CompletableFuture.failedFuture(LoopBatcher.notConnected());
        }
        return IndexScripts.call(c, connection::scheduleFlush, script, keys, args, type);
    }

    @Override
    public void close() {
        if (ownsConnection) {
            connection.close();
        }
    }
}
