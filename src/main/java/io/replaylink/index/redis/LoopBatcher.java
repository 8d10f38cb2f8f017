package io.replaylink.index.redis;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.output.ValueListOutput;
import io.lettuce.core.protocol.CommandType;
import io.vertx.core.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Batches one event loop's index commands (standalone Redis with {@code batch_flush}): the lookups a loop issues go
 * to Redis as one command (an MGET for plain lookups, one lookup-or-remember script call over all the traces that
 * remember their event), records join the same batch, and while a batch is at Redis the next one waits for its
 * answer (as Nagle's algorithm: an idle loop sends at once, a busy one sends fewer, larger batches), at least
 * {@code batch_interval_us} after the one before when that is set. Results complete on the loop that issued them.
 */
final class LoopBatcher {
    private static final int MAX_BATCH = 512;
    /** The least time past the batch interval after which an idle loop's timer sends what waits (see sendWhenDue). */
    private static final long MIN_IDLE_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final RedisConnection connection;
    private final RedisSettings redis;
    private final Object loopKey = new Object();

    LoopBatcher(RedisConnection connection, RedisSettings redis) {
        this.connection = connection;
        this.redis = redis;
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
    CompletionStage<Optional<String>> lookup(Context context, String[] keys, String[] args) {
        LoopBatch batch = batch(context);
        CompletableFuture<Optional<String>> result = new CompletableFuture<>();
        batch.add(keys, args, result);
        sendWhenDue(context, batch, false);
        return result;
    }

    /** Records join the loop's batch too: while it is at Redis they wait, and go with the next one. */
    CompletionStage<List<Object>> record(Context context, String[] keys, String[] args) {
        return write(context, IndexScripts.RECORD, keys, args);
    }

    /** Any other write script (a why-note) joins the batch as a record does. */
    <T> CompletionStage<T> write(Context context, IndexScripts.Script script, String[] keys, String[] args) {
        LoopBatch batch = batch(context);
        CompletableFuture<T> result = new CompletableFuture<>();
        @SuppressWarnings("unchecked")
        CompletableFuture<Object> any = (CompletableFuture<Object>) result;
        batch.records.add(new LoopBatch.Record(script, keys, args, any));
        sendWhenDue(context, batch, false);
        return result;
    }

    /** The batcher's state on the context's event loop (created on first use; only that loop touches it). */
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
        connection.issueAndFlush(context, () -> issue(context, batch));
    }

    private void issue(Context context, LoopBatch batch) {
        // the commands go through the connection's dispatch (RespCommand); while not connected, every one fails at once
        boolean connected = connection.commands() != null;
        // records first: a lookup of the same trace issued meanwhile then finds the mapping
        List<LoopBatch.Record> records = batch.takeRecords();
        List<LoopBatch.Record> notes = new ArrayList<>();
        for (LoopBatch.Record r : records) {
            if (r.script() == IndexScripts.NOTE_EVENTS && connected) {
                notes.add(r);
                continue;
            }
            if (!connected) {
                r.result().completeExceptionally(notConnected());
                continue;
            }
            onAnswer(context, batch, IndexScripts.<Object>call(connection, connection::scheduleFlush, r.script(),
                    r.keys(), r.args(), r.script() == IndexScripts.RECORD ? ScriptOutputType.MULTI
                            : ScriptOutputType.INTEGER), (values, error) -> {
                        if (error != null) {
                            r.result().completeExceptionally(error);
                        } else {
                            r.result().complete(values);
                        }
                    });
        }
        for (int from = 0; from < notes.size(); from += MAX_BATCH) {
            noteAll(context, batch, notes.subList(from, Math.min(notes.size(), from + MAX_BATCH)));
        }
        while (!batch.results.isEmpty()) {
            LoopBatch.Call call = batch.take(MAX_BATCH);
            if (!connected) {
                call.results().forEach(r -> r.completeExceptionally(notConnected()));
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
            CompletionStage<List<String>> mget = connection.dispatch(new RespCommand<>(CommandType.MGET,
                    new ValueListOutput<>(ExactUtf8Codec.INSTANCE), mappingKeys));
            connection.scheduleFlush();
            onAnswer(context, batch, mget, (values, error) -> {
                for (int j = 0; j < plain.size(); j++) {
                    CompletableFuture<Optional<String>> r = call.results().get(plain.get(j));
                    if (error != null) {
                        r.completeExceptionally(error);
                    } else {
                        r.complete(Optional.ofNullable(values.get(j)));
                    }
                }
            });
        }
    }

    /** The batch's why-notes as one script call (they were one call each: most of the commands per envelope). */
    private void noteAll(Context context, LoopBatch batch, List<LoopBatch.Record> notes) {
        String[] keys = new String[2 * notes.size()];
        String[] args = new String[5 * notes.size()];
        for (int j = 0; j < notes.size(); j++) {
            System.arraycopy(notes.get(j).keys(), 0, keys, 2 * j, 2);
            System.arraycopy(notes.get(j).args(), 0, args, 5 * j, 5);
        }
        onAnswer(context, batch, IndexScripts.<Object>call(connection, connection::scheduleFlush,
                IndexScripts.NOTE_EVENTS, keys, args, ScriptOutputType.INTEGER), (value, error) -> {
                    for (LoopBatch.Record r : notes) {
                        if (error != null) {
                            r.result().completeExceptionally(error);
                        } else {
                            r.result().complete(value);
                        }
                    }
                });
    }

    static IllegalStateException notConnected() {
        return new IllegalStateException("redis index is not connected");
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
        onAnswer(context, batch, IndexScripts.<List<Object>>call(connection, connection::scheduleFlush,
                IndexScripts.LOOKUP_MANY, keys, args, ScriptOutputType.MULTI),
                (flat, error) -> {
                    for (int j = 0; j < which.size(); j++) {
                        CompletableFuture<Optional<String>> r = call.results().get(which.get(j));
                        if (error != null) {
                            r.completeExceptionally(error);
                        } else {
                            r.complete(flat == null ? Optional.empty() : IndexScripts.replayOf(flat, j));
                        }
                    }
                });
    }

    /**
     * What one event loop has for Redis: lookups and records waiting to be sent, and the commands out at Redis.
     * Touched only by that event loop.
     */
    private static final class LoopBatch {
        final List<String> keys = new ArrayList<>();
        final List<String> args = new ArrayList<>();
        final List<CompletableFuture<Optional<String>>> results = new ArrayList<>();
        final List<Record> records = new ArrayList<>();
        /** A flushBatch task is queued. */
        boolean scheduled;
        /** Commands sent and not answered yet. */
        int out;
        /** The Vert.x timer that sends what waits for the interval if no lookup, record or answer does first; or -1. */
        long idleTimer = -1;
        /** When the last batch went ({@link System#nanoTime}; long ago at first). */
        long sentAt = System.nanoTime() - TimeUnit.HOURS.toNanos(1);

        record Call(String[] keys, String[] args, List<CompletableFuture<Optional<String>>> results) {
        }

        record Record(IndexScripts.Script script, String[] keys, String[] args, CompletableFuture<Object> result) {
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
}
