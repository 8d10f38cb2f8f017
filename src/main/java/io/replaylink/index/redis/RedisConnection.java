package io.replaylink.index.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The index's one long-lived lettuce connection (standalone or Cluster), shared by every event loop. It connects in
 * the background and again whenever needed; until it is up, {@link #commands()} is null and operations fail fast
 * (linking fails open). Commands time out after {@code command_timeout_ms}. With {@code batch_flush} commands are not
 * written one by one: what an event loop issues within one task is written at the end of that task, in one write.
 */
final class RedisConnection implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RedisConnection.class.getName());

    private final RedisSettings redis;
    private final ClientResources resources;
    private final RedisClient standalone;
    private final RedisClusterClient cluster;
    private final Object loopKey = new Object();
    private final AtomicLong writes = new AtomicLong();
    private volatile StatefulConnection<String, String> connection;
    private volatile RedisClusterAsyncCommands<String, String> commands;
    private volatile boolean closed;

    /** Whether lettuce's channels can live on {@code loop}: both epoll, or neither. */
    static boolean sameTransport(EventLoop loop) {
        boolean epollLoop = loop instanceof io.netty.channel.IoEventLoop io
                && io.isIoType(io.netty.channel.epoll.EpollIoHandler.class);
        return epollLoop == io.lettuce.core.resource.EpollProvider.isAvailable();
    }

    /** Whether a write of what this loop issued is queued already (touched only by that loop). */
    private static final class LoopFlush {
        boolean scheduled;
    }

    /** {@code sharedLoop}: the event loop lettuce's channels live on (the ingest loop), or null for lettuce's own. */
    RedisConnection(RedisSettings redis, EventLoop sharedLoop) {
        this.redis = redis;
        DefaultClientResources.Builder resourceBuilder = DefaultClientResources.builder().computationThreadPoolSize(1);
        // lettuce opens epoll channels when epoll is there: the loop it is lent must then be an epoll loop (the
        // sidecar's, with Vert.x on epoll); a loop of another kind (Vert.x on NIO) is not lent, lettuce uses its own
        if (sharedLoop != null && !sameTransport(sharedLoop)) {
            sharedLoop = null;
        }
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
                ? cluster.refreshPartitionsAsync().thenCompose(v -> cluster.connectAsync(ExactUtf8Codec.INSTANCE))
                : standalone.connectAsync(ExactUtf8Codec.INSTANCE, redis.uris().get(0));
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

    boolean cluster() {
        return cluster != null;
    }

    /** The commands, or null while not connected (or closed). */
    RedisClusterAsyncCommands<String, String> commands() {
        return closed ? null : commands;
    }

    /**
     * Writes at the end of the current event-loop task what that loop issued meanwhile, once; each event loop keeps
     * its own flag, so a busy loop never delays another loop's commands. Off an event loop: writes at once.
     */
    void scheduleFlush() {
        StatefulConnection<String, String> conn = connection;
        if (!redis.batchFlush() || conn == null) {
            return;
        }
        Context context = Vertx.currentContext();
        if (context == null) {
            flush();
            return;
        }
        LoopFlush flag = loopFlush(context);
        if (!flag.scheduled) {
            flag.scheduled = true;
            context.runOnContext(v -> {
                flag.scheduled = false;
                flush();
            });
        }
    }

    /**
     * Runs {@code issue}, which issues commands on this loop, and writes them once at its end instead of in a task of
     * their own (the caller runs on the loop already).
     */
    void issueAndFlush(Context context, Runnable issue) {
        LoopFlush flag = loopFlush(context);
        boolean flushHere = !flag.scheduled;
        flag.scheduled = true;
        try {
            issue.run();
        } finally {
            if (flushHere) {
                flag.scheduled = false;
            }
            if (redis.batchFlush() && connection != null) {
                flush();
            }
        }
    }

    /** Writes what was issued since the last write to Redis (one socket write), counted. */
    private void flush() {
        StatefulConnection<String, String> conn = connection;
        if (conn != null) {
            writes.incrementAndGet();
            conn.flushCommands();
        }
    }

    /** Issues {@code command} (written at the next flush); fails at once while not connected. */
    <T> java.util.concurrent.CompletableFuture<T> dispatch(RespCommand<T> command) {
        StatefulConnection<String, String> conn = connection;
        if (closed || conn == null) {
            return java.util.concurrent.CompletableFuture.failedFuture(LoopBatcher.notConnected());
        }
        io.lettuce.core.protocol.AsyncCommand<String, String, T> async =
                new io.lettuce.core.protocol.AsyncCommand<>(command);
        conn.dispatch(async);
        return async;
    }

    /** Writes to Redis so far (each sends every command issued since the one before). */
    long writes() {
        return writes.get();
    }

    private LoopFlush loopFlush(Context context) {
        LoopFlush flag = context.get(loopKey);
        if (flag == null) {
            flag = new LoopFlush();
            context.put(loopKey, flag);
        }
        return flag;
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
}
