package io.replaylink.ingest;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.internal.ContextInternal;

/**
 * The one Vert.x event loop that serves every ingest connection, offered to plugins as a host service. A network
 * client that registers its channels on {@link #eventLoop()} (the Redis index does) reads, writes and completes its
 * futures on the thread that issued the request: no wake-up of another thread per command and none back.
 */
public record IngestLoop(Context context) {
    public EventLoop eventLoop() {
        return ((ContextInternal) context).nettyEventLoop();
    }
}
