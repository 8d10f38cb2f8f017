package io.replaylink.index.redis;

import io.lettuce.core.RedisURI;
import io.netty.channel.EventLoop;
import io.replaylink.index.IndexSettings;
import io.replaylink.spi.PluginConfig;
import io.replaylink.spi.PluginConfigException;
import io.replaylink.spi.PluginContext;
import io.replaylink.spi.ReplayIndex;
import io.replaylink.spi.ReplayIndexProvider;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code index: {name: redis, config: {uri: redis://127.0.0.1:6379}}}; {@code redis-cluster://h1:p1,h2:p2} for a
 * Cluster. See {@link RedisSettings} and {@link IndexSettings} for the other keys. When the host offers its ingest
 * event loop (host service {@link EventLoop}), lettuce's channels live on it.
 */
public final class RedisReplayIndexProvider implements ReplayIndexProvider {
    @Override
    public String name() {
        return "redis";
    }

    @Override
    public ReplayIndex create(PluginContext context) {
        PluginConfig c = context.config();
        String uri = c.string("uri").orElseThrow(() -> new PluginConfigException(c.path() + ".uri",
                "missing (e.g. redis://127.0.0.1:6379 or redis-cluster://127.0.0.1:7000,127.0.0.1:7001)"));
        long commandTimeout = c.number("command_timeout_ms", 1000);
        long connectTimeout = c.number("connect_timeout_ms", 2000);
        if (commandTimeout < 1 || connectTimeout < 1) {
            throw new PluginConfigException(c.path() + ".command_timeout_ms", "timeouts must be positive");
        }
        boolean cluster = uri.startsWith("redis-cluster://");
        List<RedisURI> uris = new ArrayList<>();
        try {
            if (cluster) {
                for (String hostPort : uri.substring("redis-cluster://".length()).split(",")) {
                    uris.add(RedisURI.create("redis://" + hostPort.trim()));
                }
            } else {
                uris.add(RedisURI.create(uri));
            }
        } catch (IllegalArgumentException e) {
            throw new PluginConfigException(c.path() + ".uri", "not a Redis URI: " + uri + " (" + e.getMessage() + ")");
        }
        long knownMs = c.number("known_replays_ms", 60_000);
        long knownMax = c.number("known_replays_max", 100_000);
        if (knownMs < 0 || knownMax < 1 || knownMax > 10_000_000) {
            throw new PluginConfigException(c.path() + (knownMs < 0 ? ".known_replays_ms" : ".known_replays_max"),
                    knownMs < 0 ? "must be 0 (off) or more" : "must be between 1 and 10000000");
        }
        long interval = c.number("batch_interval_us", 0);
        if (interval < 0 || interval > 100_000) {
            throw new PluginConfigException(c.path() + ".batch_interval_us", "must be between 0 (none) and 100000");
        }
        return new RedisReplayIndex(IndexSettings.from(c), new RedisSettings(uris, cluster,
                commandTimeout, connectTimeout, c.bool("batch_flush", true), knownMs, (int) knownMax,
                interval),
                context.hostService(EventLoop.class).orElse(null), System::currentTimeMillis);
    }
}
