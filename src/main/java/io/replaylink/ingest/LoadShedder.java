package io.replaylink.ingest;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * Sheds new requests when the ingest loop has no time left, so that the ones it takes keep a bounded latency and
 * the rest are told to come back ({@code 503} with {@code Retry-After}) instead of waiting in socket buffers until
 * they time out. One event loop serves every connection, so the load is what its thread wants of a core: the time it
 * ran plus the time it waited to run (other threads, the collector's or another process's, may hold its core), over
 * wall time, sampled every {@link #WINDOW_MS} ms; above {@code target} the share of new requests
 * refused grows by {@link #STEP_UP}, below {@code target - 0.1} it falls by {@link #STEP_DOWN} (additive both ways:
 * it follows an overload within a second and gives the capacity back as fast). A refusal costs the loop only the
 * request's headers. One thread samples (a timer), the serving thread asks; the two fields they share are volatile.
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
    private volatile double busy;
    private volatile double share;

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

    /**
     * Measures the thread that serves requests, on that thread (the timer that samples runs on the ingest loop too):
     * its CPU time plus its time waiting for a CPU ({@code /proc/thread-self/schedstat}: what the thread wanted,
     * whether it ran or other threads of the machine held its core), or its CPU time alone where that file is
     * missing. Samples taken on another thread are skipped.
     */
    static LoadShedder forServingThread(double target) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] serving = {-1};
        Path schedstat = Path.of("/proc/thread-self/schedstat");
        boolean linux = Files.isReadable(schedstat);
        LoadShedder shedder = new LoadShedder(target, () -> {
            if (serving[0] < 0 || Thread.currentThread().getId() != serving[0]) {
                return -1;
            }
            if (linux) {
                try {
                    String[] fields = new String(Files.readAllBytes(schedstat), StandardCharsets.US_ASCII).trim()
                            .split(" ");
                    return Long.parseLong(fields[0]) + Long.parseLong(fields[1]);
                } catch (IOException | RuntimeException e) {
                    return -1;
                }
            }
            return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : -1;
        }, System::nanoTime);
        shedder.servingThread = serving;
        return shedder;
    }

    private long[] servingThread;

    /** Called with each request, on the thread that serves it. */
    void serving() {
        if (servingThread != null && servingThread[0] < 0) {
            servingThread[0] = Thread.currentThread().getId();
        }
    }

    /** Called every {@link #WINDOW_MS} on the ingest loop: one sample, one step of the refused share. */
    void sample() {
        long cpu = cpuNanos.getAsLong();
        long wall = wallNanos.getAsLong();
        if (cpu < 0 || lastCpu < 0 || wall <= lastWall) {
            // the serving thread is not known yet, or was just found: this sample is the baseline
            lastCpu = cpu;
            lastWall = wall;
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
            share = share - STEP_DOWN < 1e-9 ? 0 : share - STEP_DOWN;
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
