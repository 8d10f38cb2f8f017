package io.replaylink.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A metric's data points by label values, resolved once per combination: the Prometheus client builds a list of the
 * values and hashes it on every {@code labelValues} call, which every envelope paid several times. The labels are
 * the code's own fixed strings (never client input), so the combinations are few; one map level per label.
 *
 * <p>In front of the maps, a small table of the combinations asked for, by a hash of the labels (each a String's
 * cached hash), two places a combination: the series created at start-up cannot crowd out the ones every envelope
 * asks for (a list of the first sixteen asked for did, and then nearly every call went to the maps).
 */
final class DataPoints<P> {
    private static final int SLOTS = 256;

    private final Function<String[], P> resolve;
    private final Map<String, Object> first = new ConcurrentHashMap<>();
    /**
     * Immutable entries, read and written without a lock: an entry another thread has not seen yet only sends a call
     * to the maps, which answer the same data point.
     */
    private final Recent[] recent = new Recent[SLOTS];

    DataPoints(Function<String[], P> resolve) {
        this.resolve = resolve;
    }

    private record Recent(String[] labels, Object point) {
        boolean matches(String[] asked) {
            if (asked.length != labels.length) {
                return false;
            }
            for (int i = 0; i < asked.length; i++) {
                // identity first (the labels are mostly the code's constants)
                if (!asked[i].equals(labels[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    @SuppressWarnings("unchecked")
    P get(String... labels) {
        int h = 0;
        for (String label : labels) {
            h = h * 31 + label.hashCode();
        }
        h ^= h >>> 16;
        int a = h & (SLOTS - 1);
        int b = (a + 1) & (SLOTS - 1);
        Recent ra = recent[a];
        if (ra != null && ra.matches(labels)) {
            return (P) ra.point;
        }
        Recent rb = recent[b];
        if (rb != null && rb.matches(labels)) {
            return (P) rb.point;
        }
        misses++;
        P point = lookUp(labels);
        Recent added = new Recent(labels.clone(), point);
        if (ra == null) {
            recent[a] = added;
        } else {
            // the second place takes the newest of the combinations that share the first
            recent[b] = added;
        }
        return point;
    }

    /** Calls the table did not answer (for tests; not exact across threads). */
    long misses() {
        return misses;
    }

    private long misses;

    @SuppressWarnings("unchecked")
    private P lookUp(String... labels) {
        Map<String, Object> level = first;
        for (int i = 0; i < labels.length - 1; i++) {
            level = (Map<String, Object>) level.computeIfAbsent(labels[i], k -> new ConcurrentHashMap<>());
        }
        return (P) level.computeIfAbsent(labels[labels.length - 1], k -> resolve.apply(labels.clone()));
    }
}
