package io.replaylink.ingest;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * Sheds new requests when the ingest loop has no time left, so that the ones it takes keep a bounded latency and
 * the rest are told to come back ({@code 503} with {@code Retry-After}) instead of waiting in socket buffers until
 * they time out. One event loop serves every connection, so its thread's CPU share is the load: every
 * {@link #WINDOW_MS} ms the loop's CPU time over wall time is sampled; above {@code target} the share of new requests
 * refused grows by {@link #STEP_UP}, below {@code target - 0.1} it falls by {@link #STEP_DOWN} (additive both ways:
 * it follows an overload within a second and gives the capacity back as fast). A refusal costs the loop only the
 * request's headers. Only the ingest loop calls it (not thread-safe).
 */
final class LoadShedder {
    static final long WINDOW_MS = 100;
    static final double STEP_UP = 0.1;
    static final double STEP_DOWN = 0.05;
    static final double MAX_SHARE = 0.95;

    private final double target;
    private final LongSupplier cpuNanos;
    private final LongSupplier wallNanos;
    private long lastCpu;
    private long lastWall;
    private double busy;
    private double share;

    /**
     * @param target the loop's CPU share above which requests are shed (0..1); 1 or more turns shedding off
     */
    LoadShedder(double target, LongSupplier cpuNanos, LongSupplier wallNanos) {
        this.target = target;
        this.cpuNanos = cpuNanos;
        this.wallNanos = wallNanos;
        this.lastCpu = cpuNanos.getAsLong();
        this.lastWall = wallNanos.getAsLong();
    }

    /** Measures the calling thread (the ingest loop, which must create it). */
    static LoadShedder forCurrentThread(double target) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        LongSupplier cpu = threads.isCurrentThreadCpuTimeSupported() ? threads::getCurrentThreadCpuTime : () -> 0;
        return new LoadShedder(target, cpu, System::nanoTime);
    }

    /** Called every {@link #WINDOW_MS} on the ingest loop: one sample, one step of the refused share. */
    void sample() {
        long cpu = cpuNanos.getAsLong();
        long wall = wallNanos.getAsLong();
        if (wall <= lastWall) {
            return;
        }
        busy = (double) (cpu - lastCpu) / (wall - lastWall);
        lastCpu = cpu;
        lastWall = wall;
        if (target >= 1) {
            return;
        }
        if (busy > target) {
            share = Math.min(MAX_SHARE, share + STEP_UP);
        } else if (busy < target - 0.1) {
            share = Math.max(0, share - STEP_DOWN);
        }
    }

    /** Whether to refuse the request now arriving. */
    boolean shed() {
        return share > 0 && ThreadLocalRandom.current().nextDouble() < share;
    }

    /** The loop's CPU share in the last window. */
    double busy() {
        return busy;
    }

    /** The share of new requests refused now. */
    double share() {
        return share;
    }
}
