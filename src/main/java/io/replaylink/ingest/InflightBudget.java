package io.replaylink.ingest;

import io.replaylink.metrics.Metrics;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory all request bodies may hold at once (compressed and decoded bytes both count). A request that would
 * go over it is answered 503 + Retry-After instead of growing the heap: this is the bound behind "every buffer has
 * a bound" for the ingest path.
 */
final class InflightBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    InflightBudget(long limit, Metrics metrics) {
        this.limit = limit;
        metrics.inflightBodyBytes(used::get);
    }

    /** A per-request account; {@link Reservation#close()} gives everything back, once. */
    Reservation open() {
        return new Reservation();
    }

    long used() {
        return used.get();
    }

    /** One request's account; decoding on a worker thread may grow it, so its methods are synchronized. */
    final class Reservation implements AutoCloseable {
        private long held;
        private boolean closed;

        /** Takes {@code bytes} more; false (taking nothing) when that would exceed the budget. Thread-safe. */
        synchronized boolean grow(long bytes) {
            if (closed) {
                return false;
            }
            long now = used.addAndGet(bytes);
            if (now > limit) {
                used.addAndGet(-bytes);
                return false;
            }
            held += bytes;
            return true;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                used.addAndGet(-held);
                held = 0;
            }
        }
    }
}
