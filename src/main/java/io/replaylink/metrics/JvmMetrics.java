package io.replaylink.metrics;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * The JVM's own costs, for the load tests' per-envelope figures and for operators: heap bytes allocated by all
 * threads ({@code replaylink_jvm_allocated_bytes_total}) and stop-the-world collection pauses
 * ({@code replaylink_jvm_gc_pause_seconds}, from the collectors' notifications). One instance per JVM, registered
 * into every sidecar's registry, so in-process test sidecars add no listeners.
 */
final class JvmMetrics {
    private static final JvmMetrics INSTANCE = new JvmMetrics();

    private final Histogram gcPauses = Histogram.builder().name("replaylink_jvm_gc_pause_seconds")
            .help("JVM stop-the-world garbage collection pauses")
            .classicOnly()
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.2,
                    0.5, 1, 2)
            .build();
    private final CounterWithCallback allocated = CounterWithCallback.builder()
            .name("replaylink_jvm_allocated_bytes_total")
            .help("Heap bytes allocated by all threads since the JVM started")
            .callback(cb -> cb.call(allocatedBytes()))
            .build();

    private JvmMetrics() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((notification, handback) -> {
                    if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
                            .equals(notification.getType())) {
                        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo
                                .from((CompositeData) notification.getUserData());
                        // G1's young and full collections pause the application for their whole duration
                        gcPauses.observe(info.getGcInfo().getDuration() / 1000.0);
                    }
                }, null, null);
            }
        }
    }

    static void registerInto(PrometheusRegistry registry) {
        registry.register(INSTANCE.gcPauses);
        registry.register(INSTANCE.allocated);
    }

    private static double allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads) {
            return Math.max(0, threads.getTotalThreadAllocatedBytes());
        }
        return 0;
    }
}
