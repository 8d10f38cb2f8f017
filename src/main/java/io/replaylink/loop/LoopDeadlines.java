package io.replaylink.loop;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The time limits of one event loop's in-flight work, without a timer each. Every envelope had three (the request
 * body's, the sink's and the delivery's; three more with the Redis index): each a Vert.x timer, a task in the loop's
 * scheduled-task queue and an entry in Vert.x's map of timers, made and cancelled within a millisecond. Without them
 * processing off cost 1.13x less CPU per envelope (A/B, {@code scripts/bench ab}).
 *
 * <p>Here the deadlines of one duration (a handful of configured durations) come due in the order they were set, so
 * each duration keeps a list in that order (doubly linked: work that finishes leaves it at once, and its entry is
 * young garbage) and one Vert.x timer, set for the oldest entry. When it fires, the expired entries are run and the
 * timer is set again for the oldest left; while work finishes long before its limit, that is one timer per duration
 * and limit's length. Bounded by the work in flight. Only the loop's own thread touches it; a caller elsewhere (or on
 * a context of no event loop) gets Vert.x's timers, as before.
 */
public final class LoopDeadlines {
    private static final Object KEY = new Object();
    /**
     * {@code -Dreplaylink.vertxTimers=true}: Vert.x's timers everywhere, as before this class (for the A/B that measured
     * it: {@code AB_A=-Dreplaylink.vertxTimers=true AB_PROCESSORS=[] scripts/bench ab}).
     */
    private static final boolean VERTX_TIMERS = Boolean.getBoolean("replaylink.vertxTimers");

    private final Vertx vertx;
    private final Context context;
    /** One per duration in use: a handful, the configured limits (a scan, no boxed key per deadline). */
    private final List<Lane> lanes = new ArrayList<>();

    private LoopDeadlines(Context context) {
        this.vertx = context.owner();
        this.context = context;
    }

    /** The deadlines of {@code context}'s loop when called on its thread; null elsewhere (blocking code included). */
    public static LoopDeadlines on(Context context) {
        if (VERTX_TIMERS || context == null || !context.isEventLoopContext() || !Context.isOnEventLoopThread()
                || Vertx.currentContext() != context) {
            return null;
        }
        LoopDeadlines deadlines = context.get(KEY);
        if (deadlines == null) {
            deadlines = new LoopDeadlines(context);
            context.put(KEY, deadlines);
        }
        return deadlines;
    }

    /**
     * As Vert.x's {@link Future#timeout}: a future that fails with a {@link TimeoutException} ("Timeout N (ms) fired")
     * when {@code f} is not complete within {@code timeoutMs}, else completes as {@code f}.
     */
    public static <T> Future<T> timeout(Future<T> f, long timeoutMs, Context context) {
        if (f.isComplete()) {
            return f;
        }
        LoopDeadlines deadlines = on(context);
        if (deadlines == null) {
            return f.timeout(timeoutMs, TimeUnit.MILLISECONDS);
        }
        Promise<T> bounded = Promise.promise();
        Deadline deadline = deadlines.add(timeoutMs, () -> bounded.tryFail(new Expired(timeoutMs)));
        f.onComplete(ar -> {
            deadline.cancel();
            if (ar.succeeded()) {
                bounded.tryComplete(ar.result());
            } else {
                bounded.tryFail(ar.cause());
            }
        });
        return bounded.future();
    }

    /**
     * Runs {@code onExpiry} after {@code timeoutMs} unless the deadline is cancelled first: on the loop's list when
     * called on {@code context}'s loop thread, else by a Vert.x timer; either way {@code onExpiry} runs on {@code
     * context}.
     */
    public static Deadline after(Context context, long timeoutMs, Runnable onExpiry) {
        LoopDeadlines deadlines = on(context);
        if (deadlines != null) {
            return deadlines.add(timeoutMs, onExpiry);
        }
        Deadline d = new Deadline(context, 0, onExpiry);
        d.timer = context.owner().setTimer(timeoutMs, id -> {
            if (Vertx.currentContext() == context) {
                onExpiry.run();
            } else {
                context.runOnContext(v -> onExpiry.run());
            }
        });
        return d;
    }

    /** Runs {@code onExpiry} on the loop after {@code timeoutMs} unless the deadline is cancelled first. */
    public Deadline add(long timeoutMs, Runnable onExpiry) {
        if (timeoutMs < 1) {
            throw new IllegalArgumentException("a deadline of " + timeoutMs + " ms");
        }
        Lane lane = lane(timeoutMs);
        Deadline d = new Deadline(context, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs), onExpiry);
        lane.append(d);
        return d;
    }

    private Lane lane(long durationMs) {
        for (int i = 0; i < lanes.size(); i++) {
            Lane lane = lanes.get(i);
            if (lane.durationMs == durationMs) {
                return lane;
            }
        }
        Lane lane = new Lane(durationMs);
        lanes.add(lane);
        return lane;
    }

    /** Deadlines waiting now (for tests). */
    int waiting() {
        int n = 0;
        for (Lane lane : lanes) {
            for (Deadline d = lane.head; d != null; d = d.next) {
                n++;
            }
        }
        return n;
    }

    /** Timers set now (for tests): at most one per duration. */
    int timers() {
        int n = 0;
        for (Lane lane : lanes) {
            n += lane.timer >= 0 ? 1 : 0;
        }
        return n;
    }

    /** One pending time limit; {@link #cancel} when the work is done. */
    public static final class Deadline {
        private final Context context;
        final long due;
        private Runnable onExpiry;
        private Lane lane;
        private Deadline prev;
        private Deadline next;
        /** The Vert.x timer of a deadline set off the loop's thread ({@link #after}), else -1. */
        private long timer = -1;

        private Deadline(Context context, long due, Runnable onExpiry) {
            this.context = context;
            this.due = due;
            this.onExpiry = onExpiry;
        }

        /**
         * Takes the deadline off its list (nothing if it has expired or was cancelled); from another thread (work
         * finished elsewhere), by a task on the loop, which may then still see it expire.
         */
        public void cancel() {
            if (timer >= 0) {
                context.owner().cancelTimer(timer);
            } else if (Vertx.currentContext() == context) {
                cancelHere();
            } else {
                context.runOnContext(v -> cancelHere());
            }
        }

        private void cancelHere() {
            if (lane != null) {
                lane.unlink(this);
            }
            onExpiry = null;
        }
    }

    /** The deadlines of one duration, oldest first, and the timer set for the oldest. */
    private final class Lane {
        private final long durationMs;
        private Deadline head;
        private Deadline tail;
        private long timer = -1;
        private boolean firing;

        Lane(long durationMs) {
            this.durationMs = durationMs;
        }

        void append(Deadline d) {
            d.lane = this;
            d.prev = tail;
            if (tail == null) {
                head = d;
            } else {
                tail.next = d;
            }
            tail = d;
            if (timer < 0 && !firing) {
                arm();
            }
        }

        void unlink(Deadline d) {
            if (d.prev == null) {
                head = d.next;
            } else {
                d.prev.next = d.next;
            }
            if (d.next == null) {
                tail = d.prev;
            } else {
                d.next.prev = d.prev;
            }
            d.prev = null;
            d.next = null;
            d.lane = null;
        }

        /** Sets the timer for the oldest deadline (a stale one, set for an entry cancelled since, fires and re-arms). */
        private void arm() {
            long nanos = head.due - System.nanoTime();
            long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
            timer = vertx.setTimer(ms, id -> fire());
        }

        private void fire() {
            timer = -1;
            firing = true;
            try {
                long now = System.nanoTime();
                while (head != null && head.due - now <= 0) {
                    Deadline d = head;
                    Runnable expiry = d.onExpiry;
                    unlink(d);
                    d.onExpiry = null;
                    if (expiry != null) {
                        expiry.run();
                    }
                }
            } finally {
                firing = false;
                if (head != null && timer < 0) {
                    arm();
                }
            }
        }
    }

    /** The failure of work not done within its limit (as Vert.x's, without a stack trace). */
    public static final class Expired extends TimeoutException {
        Expired(long timeoutMs) {
            super("Timeout " + timeoutMs + " (ms) fired");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
