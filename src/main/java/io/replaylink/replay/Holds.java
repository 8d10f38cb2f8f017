package io.replaylink.replay;

import io.replaylink.loop.LoopDeadlines;
import io.vertx.core.Context;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The replay-linker's holds ({@code hold_unlinked_ms}, {@code max_held}): a backend error (level error or fatal, or
 * none; never a transaction or a browser event) whose replay is not known yet may be held back that long, so that a
 * pair learned meanwhile (a browser error's {@code replayId} tag typically comes within a second or two) links it
 * inline, which is the only form Sentry shows on the issue page. At most {@code max_held} events are held at once;
 * beyond, an event goes on at once. The envelope, its request and its buffers wait with it.
 */
public final class Holds {
    private final long holdMs;
    private final int maxHeld;
    private final LongSupplier clockMillis;
    private final AtomicInteger held = new AtomicInteger();

    public Holds(long holdMs, int maxHeld, LongSupplier clockMillis) {
        this.holdMs = holdMs;
        this.maxHeld = maxHeld;
        this.clockMillis = clockMillis;
    }

    /** No holds. */
    static Holds none() {
        return new Holds(0, 0, System::currentTimeMillis);
    }

    long holdMs() {
        return holdMs;
    }

    LongSupplier clockMillis() {
        return clockMillis;
    }

    /** Takes a place for an event when it may be held; {@link #release()} gives it back. */
    boolean tryHold(boolean backendError, String level) {
        if (holdMs <= 0 || !backendError || level != null && !level.equals("error") && !level.equals("fatal")) {
            return false;
        }
        if (held.incrementAndGet() > maxHeld) {
            held.decrementAndGet();
            return false;
        }
        return true;
    }

    void release() {
        held.decrementAndGet();
    }

    /** Events held now. */
    public int held() {
        return held.get();
    }

    /** Completes when a hold ends: on the event loop (its list of deadlines, see {@link LoopDeadlines#after}). */
    CompletableFuture<Void> after(Context context) {
        CompletableFuture<Void> ended = new CompletableFuture<>();
        if (context != null) {
            LoopDeadlines.after(context, holdMs, () -> ended.complete(null));
        } else {
            Executor later = CompletableFuture.delayedExecutor(holdMs, TimeUnit.MILLISECONDS);
            later.execute(() -> ended.complete(null));
        }
        return ended;
    }
}
