package io.replaylink.sampling;

import java.time.Instant;

/**
 * One rule in Relay's format ({@code relay-sampling/src/config.rs}): {@code id}, {@code type} ({@code trace}: matched on
 * the DSC; {@code transaction}: matched on the event), {@code condition}, {@code samplingValue} ({@code sampleRate}
 * or {@code factor}), an optional {@code timeRange} and {@code decayingFn} ({@code linear} to {@code decayedValue}
 * across the range, or {@code constant}).
 */
public record SamplingRule(long id, Type type, Condition condition, boolean factor, double value, Instant start,
                           Instant end, Double decayedValue) {

    public enum Type { TRACE, TRANSACTION }

    /** Whether the rule applies at {@code now} (inside its time range, if it has one). */
    boolean active(Instant now) {
        return (start == null || !now.isBefore(start)) && (end == null || now.isBefore(end));
    }

    /** The sampling value at {@code now}: decayed linearly across the time range when a linear decay is set. */
    double valueAt(Instant now) {
        if (decayedValue == null || start == null || end == null) {
            return value;
        }
        double total = end.toEpochMilli() - start.toEpochMilli();
        if (total <= 0) {
            return value;
        }
        double progress = Math.min(1, Math.max(0, (now.toEpochMilli() - start.toEpochMilli()) / total));
        return value + (decayedValue - value) * progress;
    }
}
