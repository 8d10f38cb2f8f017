package io.replaylink.replay;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Trace to replay mappings this sidecar has recently seen Redis hold: an answer from Redis to a lookup, or the value
 * a record found or set. Redis keeps the first replay id of a trace, so a mapping seen there does not change while
 * its key lives; a lookup of a trace seen less than {@code ttl} ago is answered from here, without a round trip.
 * Only hits are kept (a miss may turn into a hit any moment).
 *
 * <p>A record of a mapping this sidecar itself recorded less than {@code ttl} ago is skipped too: the record then
 * set the key's expiry at least {@code ttl} ahead (so the key still lives), and while the key lives no event can be
 * remembered for its trace (a lookup finds the mapping first, atomically), so there is nothing to drain. Bounded: at
 * most {@code maxEntries}, the oldest leaves first. Thread-safe (one lock; the event loop is its only user in
 * practice).
 */
final class KnownReplays {
    private final long ttlNanos;
    private final Map<String, Entry> entries;

    /** {@code recorded}: a record of ours set the key's expiry beyond {@code expiresAtNanos}. */
    private record Entry(String replayId, long expiresAtNanos, boolean recorded) {
    }

    KnownReplays(long ttlMillis, int maxEntries) {
        this.ttlNanos = TimeUnit.MILLISECONDS.toNanos(ttlMillis);
        this.entries = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > maxEntries;
            }
        };
    }

    boolean enabled() {
        return ttlNanos > 0;
    }

    synchronized Optional<String> get(String traceId) {
        Entry e = live(traceId);
        return e == null ? Optional.empty() : Optional.of(e.replayId());
    }

    /** Whether this sidecar recorded exactly this mapping less than {@code ttl} ago (see the class comment). */
    synchronized boolean recordedRecently(String traceId, String replayId) {
        Entry e = live(traceId);
        return e != null && e.recorded() && e.replayId().equals(replayId);
    }

    /** What a lookup found in Redis; a live entry with that replay is kept as it is (not prolonged). */
    synchronized void lookedUp(String traceId, String replayId) {
        Entry e = live(traceId);
        if (enabled() && (e == null || !e.replayId().equals(replayId))) {
            replace(traceId, new Entry(replayId, System.nanoTime() + ttlNanos, false));
        }
    }

    /** The trace's entry if it has not expired (an expired one is dropped); null when off. */
    private Entry live(String traceId) {
        Entry e = enabled() ? entries.get(traceId) : null;
        if (e != null && System.nanoTime() - e.expiresAtNanos() >= 0) {
            entries.remove(traceId);
            return null;
        }
        return e;
    }

    /**
     * What a record found or set in Redis ({@code current}), given when the record was sent: Redis set the key's
     * expiry after that, at least {@code ttl} ahead, when {@code current} is the replay the record asked for.
     */
    synchronized void recorded(String traceId, String requested, String current, long sentAtNanos) {
        if (enabled()) {
            replace(traceId, new Entry(current, sentAtNanos + ttlNanos, current.equals(requested)));
        }
    }

    private void replace(String traceId, Entry entry) {
        entries.remove(traceId);
        entries.put(traceId, entry);
    }

    synchronized int size() {
        return entries.size();
    }
}
