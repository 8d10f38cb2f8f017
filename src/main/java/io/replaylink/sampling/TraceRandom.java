package io.replaylink.sampling;

import io.replaylink.envelope.Uuids;

/**
 * The number in [0, 1) a trace's sampling decision compares with its rate: the DSC's {@code sample_rand} when the
 * SDK sent one (so {@code sample_rand < sample_rate} keeps meaning "sampled", Sentry's invariant), otherwise a hash of
 * the trace id (SplitMix64 over its two 64-bit halves), so every event of a trace and every ReplayLink instance get
 * the same number.
 */
public final class TraceRandom {
    private TraceRandom() {
    }

    /** The number, or NaN when there is neither a valid {@code sample_rand} nor an id to seed from. */
    public static double of(Object sampleRand, String traceId, String fallbackId) {
        if (sampleRand != null) {
            try {
                double r = Double.parseDouble(sampleRand.toString());
                if (r >= 0 && r < 1) {
                    return r;
                }
            } catch (NumberFormatException ignored) {
                // fall back to the trace id
            }
        }
        String id = Uuids.normalize(traceId != null ? traceId : fallbackId);
        if (id == null) {
            return Double.NaN;
        }
        long hi = Long.parseUnsignedLong(id.substring(0, 16), 16);
        long lo = Long.parseUnsignedLong(id.substring(16), 16);
        long mixed = mix(hi ^ mix(lo));
        return (mixed >>> 11) * 0x1.0p-53;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
