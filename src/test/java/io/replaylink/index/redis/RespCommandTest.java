package io.replaylink.index.redis;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.output.ValueListOutput;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.replaylink.testing.RedisServers;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one-pass command writes the bytes lettuce's own command writes for the same arguments (also against Redis:
 * RedisReplayIndexTest's batched lookups, records and notes go through it). */
class RespCommandTest {
    private static final String[] PARTS = {"a", "7", "\"", "\\", "é", "€", "\u0000", "\r", "\n", "\uD83D\uDE00"};

    static String random(Random random, int max) {
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(max + 1); i > 0; i--) {
            // now and then an unpaired surrogate (not well-formed: written as Java writes it, a '?')
            s.append(random.nextInt(400) == 0 ? "\uD83D" : random.nextInt(400) == 0 ? "\uDE00"
                    : PARTS[random.nextInt(PARTS.length)]);
        }
        return s.toString();
    }

    static byte[] bytes(Command<String, String, ?> command) {
        ByteBuf buf = Unpooled.buffer(4);
        command.encode(buf);
        return ByteBufUtil.getBytes(buf);
    }

    @Test
    void aScriptCallIsWrittenAsLettuceWritesIt() {
        Random random = new Random(5);
        int wellFormed = 0;
        for (int n = 0; n < 5_000; n++) {
            String sha = random(random, 40);
            String[] keys = new String[random.nextInt(4)];
            String[] args = new String[random.nextInt(12)];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = random(random, 20);
            }
            for (int i = 0; i < args.length; i++) {
                args[i] = random(random, random.nextInt(10) == 0 ? 2_000 : 30);
            }
            byte[] written = bytes(RespCommand.script(CommandType.EVALSHA, new IntegerOutput<>(ExactUtf8Codec.INSTANCE),
                    sha, keys, args));
            List<String> parts = new ArrayList<>(List.of("EVALSHA", sha, Integer.toString(keys.length)));
            parts.addAll(List.of(keys));
            parts.addAll(List.of(args));
            assertThat(written).isEqualTo(resp(parts));
            if (parts.stream().allMatch(StandardCharsets.UTF_8.newEncoder()::canEncode)) {
                // lettuce agrees on well-formed strings (an unpaired surrogate it writes as a '?' and a stray byte,
                // String.getBytes as a '?': valid UTF-8)
                CommandArgs<String, String> lettuce = new CommandArgs<>(ExactUtf8Codec.INSTANCE).add(sha)
                        .add(keys.length).addKeys(keys).addValues(args);
                assertThat(written).isEqualTo(bytes(new Command<>(CommandType.EVALSHA,
                        new IntegerOutput<>(ExactUtf8Codec.INSTANCE), lettuce)));
                wellFormed++;
            }
        }
        assertThat(wellFormed).as("both kinds are tried").isBetween(100, 4_900);
    }

    /** A RESP array of bulk strings, each part's UTF-8 as Java makes it. */
    static byte[] resp(List<String> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("*" + parts.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String p : parts) {
            byte[] b = p.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(b);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    @Test
    void anMgetIsWrittenAsLettuceWritesIt() {
        String[] keys = {"rl:{a}:t", "", "x".repeat(1000)};
        byte[] expected = bytes(new Command<>(CommandType.MGET, new ValueListOutput<>(ExactUtf8Codec.INSTANCE),
                new CommandArgs<>(ExactUtf8Codec.INSTANCE).addKeys(keys)));
        assertThat(bytes(new RespCommand<>(CommandType.MGET, new ValueListOutput<>(ExactUtf8Codec.INSTANCE), keys)))
                .isEqualTo(expected);
        assertThat(new String(expected, StandardCharsets.US_ASCII))
                .startsWith("*4\r\n$4\r\nMGET\r\n$8\r\nrl:{a}:t\r\n$0\r\n\r\n$1000\r\n");
    }

    @Test
    void againstRedisItIsAnsweredAndTimesOutAfterTheCommandTimeout() throws Exception {
        try (RedisServers.RedisServer redis = RedisServers.RedisServer.start()) {
            RedisServers.command(redis.port(), "SET", "rl:k1", "vé");
            RedisSettings settings = new RedisSettings(List.of(RedisURI.create(redis.uri())), false, 300, 2000, false,
                    0, 0, 0);
            try (RedisConnection connection = new RedisConnection(settings, null)) {
                long until = System.nanoTime() + 10_000_000_000L;
                while (!connection.connected() && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                assertThat(connection.connected()).isTrue();
                assertThat(connection.dispatch(new RespCommand<>(CommandType.MGET,
                        new ValueListOutput<>(ExactUtf8Codec.INSTANCE), "rl:k1", "rl:none")).get(5, TimeUnit.SECONDS))
                        .containsExactly("vé", null);
                assertThat(IndexScripts.<Long>call(connection, () -> { }, IndexScripts.Script.of("return #KEYS + #ARGV"),
                        new String[] {"rl:a"}, new String[] {"x", "y"}, ScriptOutputType.INTEGER)
                        .toCompletableFuture().get(5, TimeUnit.SECONDS)).as("EVAL after NOSCRIPT").isEqualTo(3L);
                RedisServers.pauseClients(redis.port(), 2000);
                long started = System.nanoTime();
                CompletableFuture<List<String>> held = connection.dispatch(new RespCommand<>(CommandType.MGET,
                        new ValueListOutput<>(ExactUtf8Codec.INSTANCE), "rl:k1"));
                assertThatThrownBy(() -> held.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(
                        RedisCommandTimeoutException.class);
                assertThat((System.nanoTime() - started) / 1_000_000).as("ms until it timed out").isBetween(250L,
                        1500L);
            }
        }
    }
}
