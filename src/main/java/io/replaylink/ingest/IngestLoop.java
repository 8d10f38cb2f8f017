package io.replaylink.ingest;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;

/**
 * The one Vert.x event loop that serves every ingest connection: the context of a verticle deployed for it, and the
 * Netty event loop that runs it, offered to plugins as a host service. A network client that registers its channels
 * on {@link #eventLoop()} (the Redis index does) reads, writes and completes its futures on the thread that issued
 * the request: no wake-up of another thread per command and none back. Found without Vert.x internals: the
 * verticle's context, and Netty's record of the executor running the current thread ({@code ThreadExecutorMap}, a
 * Netty utility in its {@code internal} package, stable since Netty 4.1; Vert.x 5 offers no public way to it).
 */
public record IngestLoop(Context context, EventLoop eventLoop) {

    /** Deploys the loop's verticle; completes with the loop once it runs. */
    public static Future<IngestLoop> start(Vertx vertx) {
        Promise<IngestLoop> loop = Promise.promise();
        vertx.deployVerticle(new VerticleBase() {
            @Override
            public Future<?> start() {
                EventExecutor executor = ThreadExecutorMap.currentExecutor();
                if (!(executor instanceof EventLoop eventLoop)) {
                    return Future.failedFuture(new IllegalStateException("the ingest verticle runs on no Netty event "
                            + "loop (" + executor + ")"));
                }
                loop.complete(new IngestLoop(context, eventLoop));
                return Future.succeededFuture();
            }
        }).onFailure(loop::tryFail);
        return loop.future();
    }
}
