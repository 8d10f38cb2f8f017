package io.replaylink.loop;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * One flush per connection and event-loop turn. Vert.x flushes every write made outside a read of the same connection
 * at once: an envelope's request to the upstream (written while the client's request is read) and its answer to the
 * client (written while the upstream's answer is read) each became a system call that, on loopback and on a peer
 * that had gone idle, also paid for waking the peer (in a profile of the linking sidecar, 6 of its 50 µs an envelope
 * went to {@code sock_def_readable}, waking nginx and wrk). With Netty's {@link FlushConsolidationHandler} at the head
 * of the pipeline, a flush outside a read becomes a task that runs after the turn's I/O: the writes of all envelopes
 * read in one turn leave together, and a peer woken by the first finds the others waiting. Within a read, flushes
 * wait for the read's end, as Vert.x's own do. Measured by {@code scripts/bench ab} with three JVMs a side: 1.149x less
 * CPU an envelope with the in-memory linker (1.062-1.243, every pair).
 *
 * <p>{@code -Dreplaylink.flushEveryWrite=true} leaves it out (the A/B's baseline:
 * {@code AB_A=-Dreplaylink.flushEveryWrite=true scripts/bench ab}).
 */
public final class TurnFlushes {
    /** The handler's name in a connection's pipeline. */
    public static final String NAME = "replaylinkTurnFlushes";
    /** A connection that writes this many times in one turn flushes then (Netty's default). */
    private static final int FLUSH_AFTER = FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES;
    private static final boolean OFF = Boolean.getBoolean("replaylink.flushEveryWrite");

    private TurnFlushes() {
    }

    /**
     * Puts the handler at the head of the connection's pipeline (below TLS, so the bytes a turn encrypts leave in one
     * write); false when the connection is not a Netty one Vert.x made, or the switch above is set.
     */
    public static boolean install(HttpConnection connection) {
        if (OFF || !(connection instanceof ConnectionBase base)) {
            return false;
        }
        ChannelPipeline pipeline = base.channel().pipeline();
        if (pipeline.get(NAME) == null) {
            pipeline.addFirst(NAME, new FlushConsolidationHandler(FLUSH_AFTER, true));
        }
        return true;
    }
}
