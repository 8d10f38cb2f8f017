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

    @SuppressWarnings("unchecked")
    P get(String... labels) {
        Map<String, Object> level = first;
        for (int i = 0; i < labels.length - 1; i++) {
            level = (Map<String, Object>) level.computeIfAbsent(labels[i], k -> new ConcurrentHashMap<>());
        }
        return (P) level.computeIfAbsent(labels[labels.length - 1], k -> resolve.apply(labels.clone()));
    }
}
