package io.replaylink.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A metric's data points by label values, resolved once per combination: the Prometheus client builds a list of the
 * values and hashes it on every {@code labelValues} call, which every envelope paid several times. The labels are
 * the code's own fixed strings (never client input), so the combinations are few; one map level per label.
 */
final class DataPoints<P> {
    private final Function<String[], P> resolve;
    private final Map<String, Object> first = new ConcurrentHashMap<>();

    DataPoints(Function<String[], P> resolve) {
        this.resolve = resolve;
    }

    /** The combinations asked for most recently, matched by identity (the labels are the code's constants). */
    private volatile Recent[] recent = new Recent[0];
    private static final int RECENT = 16;

    private record Recent(String[] labels, Object point) {
        boolean matches(String[] asked) {
            if (asked.length != labels.length) {
                return false;
            }
            for (int i = 0; i < asked.length; i++) {
                if (asked[i] != labels[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    @SuppressWarnings("unchecked")
    P get(String... labels) {
        Recent[] known = recent;
        for (Recent r : known) {
            if (r.matches(labels)) {
                return (P) r.point;
            }
        }
        P point = lookUp(labels);
        if (known.length < RECENT) {
            // racing threads may each add theirs and one may be lost: it is looked up the slow way next time
            Recent[] more = java.util.Arrays.copyOf(known, known.length + 1);
            more[known.length] = new Recent(labels.clone(), point);
            recent = more;
        }
        return point;
    }

    @SuppressWarnings("unchecked")
    private P lookUp(String... labels) {
        Map<String, Object> level = first;
        for (int i = 0; i < labels.length - 1; i++) {
            level = (Map<String, Object>) level.computeIfAbsent(labels[i], k -> new ConcurrentHashMap<>());
        }
        return (P) level.computeIfAbsent(labels[labels.length - 1], k -> resolve.apply(labels.clone()));
    }
}
