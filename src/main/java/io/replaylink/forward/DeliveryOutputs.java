package io.replaylink.forward;

import io.replaylink.spi.OutcomeMessage;
import io.replaylink.spi.ReplayLinkMessage;
import io.replaylink.spi.SideOutputs;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The host's {@link SideOutputs}: processors' links and outcomes go through the same {@link Delivery} as envelopes.
 * A link is not handed anywhere when no sink carries link messages. Callbacks run on the caller's Vert.x context, or
 * on {@code fallback} when called from another thread.
 */
public final class DeliveryOutputs implements SideOutputs {
    private final Delivery delivery;
    private final boolean someSinkTakesLinks;
    private final boolean someSinkTakesNoLinks;
    private final Context fallback;

    public DeliveryOutputs(Delivery delivery, Forwarder forwarder, Context fallback) {
        this.delivery = delivery;
        this.someSinkTakesLinks = forwarder.someSinkTakesLinks();
        this.someSinkTakesNoLinks = forwarder.someSinkTakesNoLinks();
        this.fallback = fallback;
    }

    @Override
    public CompletionStage<Void> link(ReplayLinkMessage link) {
        if (!someSinkTakesLinks) {
            return CompletableFuture.completedFuture(null);
        }
        return onContext(context -> delivery.link(link, context));
    }

    @Override
    public CompletionStage<Void> outcome(OutcomeMessage outcome) {
        return onContext(context -> delivery.outcome(outcome, context));
    }

    @Override
    public boolean linksRideReplayEvents() {
        return someSinkTakesNoLinks;
    }

    /** Runs {@code send} on the caller's context, or hops to the fallback one (sinks expect an event loop). */
    private CompletionStage<Void> onContext(Function<Context, Future<Void>> send) {
        Context current = Vertx.currentContext();
        if (current != null) {
            return send.apply(current).toCompletionStage();
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        fallback.runOnContext(v -> send.apply(fallback).onComplete(ar -> {
            if (ar.succeeded()) {
                done.complete(null);
            } else {
                done.completeExceptionally(ar.cause());
            }
        }));
        return done;
    }
}
