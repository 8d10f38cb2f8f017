package io.replaylink.index.redis;

import io.lettuce.core.RedisURI;

import java.util.List;
import java.util.concurrent.TimeUnit;

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
