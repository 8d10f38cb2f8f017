package io.replaylink.index.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandType;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The index's Lua scripts, each atomic on the Redis server, and how they are called: by SHA, sent again in full on
 * {@code NOSCRIPT} (after a restart or {@code SCRIPT FLUSH}). Keys of one call share a Cluster slot: a trace's keys
 * carry its {@code {trace_id}} hash tag, a replay's held links its {@code {replay_id}}.
 */
final class IndexScripts {
    /** A script's body and SHA-1. */
    record Script(String body, String sha) {
        static Script of(String body) {
            return new Script(body, sha1(body));
        }
    }

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

    /**
     * A why-note: HSET of field ARGV[1] to ARGV[2] in the hash KEYS[1], kept ARGV[4] seconds, within ARGV[3] fields: a
     * new field beyond the bound replaces a random one (ARGV[5] {@code evict}: an organisation's notes of events) or
     * is not kept ({@code skip}: a trace's notes); ARGV[6] {@code 1}: keep an existing field as it is.
     */
    static final String NOTE_SCRIPT = """
            local exists = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
            if exists and ARGV[6] == '1' then return 0 end
            if not exists and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
              if ARGV[5] ~= 'evict' then return 0 end
              local victim = redis.call('HRANDFIELD', KEYS[1])
              if victim then redis.call('HDEL', KEYS[1], victim) end
            end
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
            return 1
            """;

    static final Script NOTE = Script.of(NOTE_SCRIPT);


    /**
     * Events' notes, each under the event (its bucket hash, evicting a random note when full) and under its trace
     * (skipped when full), in one call: standalone Redis only, where the keys need not share a slot; a loop's batch of
     * notes is one command. KEYS in pairs (event bucket, trace), ARGV in fives (event id, note, bucket bound, ttl,
     * trace bound). Answers how many notes were kept.
     */
    static final String NOTE_EVENTS_SCRIPT = """
            local function note(key, field, value, bound, ttl, full)
              if redis.call('HEXISTS', key, field) == 0 and redis.call('HLEN', key) >= bound then
                if full ~= 'evict' then return 0 end
                local victim = redis.call('HRANDFIELD', key)
                if victim then redis.call('HDEL', key, victim) end
              end
              redis.call('HSET', key, field, value)
              redis.call('EXPIRE', key, ttl)
              return 1
            end
            local n = 0
            for i = 0, #KEYS / 2 - 1 do
              local a = 5 * i
              local ttl = tonumber(ARGV[a + 4])
              if tonumber(ARGV[a + 3]) > 0 then
                n = n + note(KEYS[2 * i + 1], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3]), ttl, 'evict')
              end
              n = n + note(KEYS[2 * i + 2], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 5]), ttl, 'skip')
            end
            return n
            """;

    static final Script NOTE_EVENTS = Script.of(NOTE_EVENTS_SCRIPT);
    /** What {@link #replayOf} answers when the trace's bound of waiting events refused the event. */
    static final String FULL = "\u0000full";

    static final Script LOOKUP = Script.of(LOOKUP_OR_REMEMBER);
    static final Script LOOKUP_MANY = Script.of(LOOKUP_OR_REMEMBER_MANY);
    static final Script RECORD = Script.of(RECORD_AND_DRAIN);
    static final Script HOLD = Script.of(HOLD_LATE_LINKS);
    static final Script RELEASE = Script.of(RELEASE_CLAIMS);
    static final Script END = Script.of(END_HOLD);

    private IndexScripts() {
    }

    /** Calls {@code script}; {@code flush} sends what was issued (see {@link RedisConnection#scheduleFlush()}). */
    static <T> CompletionStage<T> call(RedisClusterAsyncCommands<String, String> c, Runnable flush, Script script,
                                       String[] keys, String[] args, ScriptOutputType type) {
        return bySha(flush, () -> c.evalsha(script.sha(), type, keys, args),
                () -> c.eval(script.body(), type, keys, args));
    }

    /**
     * As above, for standalone Redis: the commands written by {@link RespCommand} (its arguments in one pass) through
     * {@code connection}.
     */
    static <T> CompletionStage<T> call(RedisConnection connection, Runnable flush, Script script, String[] keys,
                                       String[] args, ScriptOutputType type) {
        return bySha(flush,
                () -> connection.dispatch(RespCommand.<T>script(CommandType.EVALSHA, output(type), script.sha(), keys,
                        args)),
                () -> connection.dispatch(RespCommand.<T>script(CommandType.EVAL, output(type), script.body(), keys,
                        args)));
    }

    /** The script by its SHA; by its body when Redis does not know it yet (NOSCRIPT). */
    private static <T> CompletionStage<T> bySha(Runnable flush, Supplier<CompletionStage<T>> bySha,
                                                Supplier<CompletionStage<T>> byBody) {
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletionStage<T> first = bySha.get();
        flush.run();
        first.whenComplete((value, error) -> {
            if (error == null) {
                result.complete(value);
            } else if (error instanceof RedisNoScriptException
                    || error.getCause() instanceof RedisNoScriptException) {
                CompletionStage<T> second = byBody.get();
                flush.run();
                second.whenComplete((v, e) -> {
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

    /** The output lettuce reads a script's answer of {@code type} into (as lettuce's own script commands do). */
    @SuppressWarnings("unchecked")
    private static <T> CommandOutput<String, String, T> output(ScriptOutputType type) {
        return (CommandOutput<String, String, T>) switch (type) {
            case MULTI -> new NestedMultiOutput<>(ExactUtf8Codec.INSTANCE);
            case INTEGER -> new IntegerOutput<>(ExactUtf8Codec.INSTANCE);
            default -> throw new IllegalArgumentException("no output for " + type);
        };
    }

    /**
     * The replay id of the {@code index}-th answer of a lookup script ({@code 1, replay} or {@code 0, why}); {@link
     * #FULL} when the event was not remembered because its trace's bound was full.
     */
    static Optional<String> replayOf(List<Object> flat, int index) {
        if (flat.size() >= 2 * index + 2 && Long.valueOf(1).equals(flat.get(2 * index))) {
            return Optional.of(String.valueOf(flat.get(2 * index + 1)));
        }
        if (flat.size() >= 2 * index + 2 && "full".equals(String.valueOf(flat.get(2 * index + 1)))) {
            return Optional.of(FULL);
        }
        return Optional.empty();
    }

    static String sha1(String script) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
