package io.replaylink.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes a message that a logger repeats (the same text but for its numbers) at most once per window, so that a
 * dependency that is down (Kafka, Redis, the upstream) yields a line every few seconds, not one per attempt. The
 * first message after a quiet window is written with {@code (N like it left out in the last S s)} on a line of its
 * own. Debug and trace messages are left alone (whoever turns them on wants them all). Bounded: at most
 * {@link #MAX_KEYS} messages are tracked; beyond, the table starts over.
 */
public final class RepeatedMessages extends TurboFilter {
    static final int MAX_KEYS = 4096;
    private static final String SELF = RepeatedMessages.class.getName();

    private final long windowNanos;
    private final java.util.function.LongSupplier clock;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        volatile long startedNanos;
        final AtomicLong suppressed = new AtomicLong();

        Window(long startedNanos) {
            this.startedNanos = startedNanos;
        }
    }

    public RepeatedMessages(long windowMs) {
        this(windowMs, System::nanoTime);
    }

    RepeatedMessages(long windowMs, java.util.function.LongSupplier clock) {
        this.windowNanos = windowMs * 1_000_000L;
        this.clock = clock;
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (windowNanos <= 0 || format == null || level == null || !level.isGreaterOrEqual(Level.INFO)
                || logger.getName().equals(SELF) || !logger.isEnabledFor(level)) {
            return FilterReply.NEUTRAL;
        }
        String key = logger.getName() + '\u0000' + level.levelInt + '\u0000' + withoutNumbers(format)
                + (t == null ? "" : '\u0000' + t.getClass().getName());
        long now = clock.getAsLong();
        Window window = windows.get(key);
        if (window == null) {
            if (windows.size() >= MAX_KEYS) {
                windows.clear();
            }
            windows.putIfAbsent(key, new Window(now));
            return FilterReply.NEUTRAL;
        }
        if (now - window.startedNanos < windowNanos) {
            window.suppressed.incrementAndGet();
            return FilterReply.DENY;
        }
        window.startedNanos = now;
        long left = window.suppressed.getAndSet(0);
        if (left > 0) {
            logger.getLoggerContext().getLogger(SELF).info("({} like the next message of {} left out in the last {} s)",
                    left, logger.getName(), windowNanos / 1_000_000_000L);
        }
        return FilterReply.NEUTRAL;
    }

    /** The text with every run of digits as one {@code #}: attempt counts, ports and ids differ between repeats. */
    static String withoutNumbers(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean digit = c >= '0' && c <= '9';
            if (digit && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (out != null) {
                if (!digit) {
                    out.append(c);
                } else if (out.length() == 0 || out.charAt(out.length() - 1) != '#') {
                    out.append('#');
                }
            }
        }
        return out == null ? text : out.toString();
    }
}
