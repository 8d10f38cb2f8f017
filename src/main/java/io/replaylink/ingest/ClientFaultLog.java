package io.replaylink.ingest;

import java.lang.System.Logger.Level;
import java.util.function.LongSupplier;

/**
 * Client faults (4xx answers) in the log: at most one line per {@code intervalMs}, no stack trace, with how many
 * others were answered since the last line. Every one of them is counted in {@code replaylink_requests_total}; the
 * line is for an operator who reads the log, and a flood of bad requests cannot flood it. Used from the ingest loop.
 */
final class ClientFaultLog {
    private static final System.Logger LOG = System.getLogger(ClientFaultLog.class.getName());

    private final long intervalMs;
    private final LongSupplier clock;
    private long lastLine = Long.MIN_VALUE;
    private long suppressed;

    ClientFaultLog(long intervalMs, LongSupplier clock) {
        this.intervalMs = intervalMs;
        this.clock = clock;
    }

    /** The line written, or null when this fault only counts towards the next one. */
    String fault(int status, String reason, String detail, String remote) {
        long now = clock.getAsLong();
        if (lastLine != Long.MIN_VALUE && now - lastLine < intervalMs) {
            suppressed++;
            return null;
        }
        String line = "answered " + status + " (" + reason + ") to " + remote + ": "
                + (detail.length() > 200 ? detail.substring(0, 200) + "..." : detail)
                + (suppressed > 0 ? " [" + suppressed + " other client faults since the last line]" : "");
        lastLine = now;
        suppressed = 0;
        LOG.log(Level.INFO, line);
        return line;
    }
}
