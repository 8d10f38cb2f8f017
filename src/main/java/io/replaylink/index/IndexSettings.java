package io.replaylink.index;

import io.replaylink.spi.PluginConfig;
import io.replaylink.spi.PluginConfigException;

/**
 * What both index stores share (keys of {@code index.config}).
 *
 * @param namespace          one key space per Sentry organisation; default {@code default}
 * @param mappingTtlSecs     how long trace -> replay is kept after it was last recorded; default 5400 (90 min:
 *                           a 60-minute replay plus the time its last events take to arrive)
 * @param pendingTtlSecs     how long an event waits for its trace's replay; default 5400
 * @param maxPendingPerTrace events remembered per trace at most (more are not remembered, and counted); default 100
 * @param maxLateLinksPerReplay late links held for one replay at most, waiting for a {@code replay_event} to carry
 *                           them (more are not held); default 1000; they live {@code mapping_ttl_secs}
 * @param claimLeaseMs       how long a drained event stays claimed by the record that drained it before a later
 *                           record of its trace drains it again (its hand-off did not finish: the sidecar stopped);
 *                           default 30000, the default {@code server.sink_timeout_ms}, the longest a hand-off takes
 * @param noteTtlSecs        how long the why-notes of events and traces are kept; default 9000 (pending_ttl_secs and
 *                           an hour: "it waited, and its replay never came" stays answerable for an hour)
 * @param maxNotes           notes kept at most per organisation; default 100000 (Redis: event notes, beyond which a
 *                           random older one goes; the in-process index: notes of both kinds, the oldest going first)
 */
public record IndexSettings(String namespace, long mappingTtlSecs, long pendingTtlSecs, int maxPendingPerTrace,
                            int maxLateLinksPerReplay, long claimLeaseMs, long noteTtlSecs, int maxNotes) {

    public IndexSettings(String namespace, long mappingTtlSecs, long pendingTtlSecs, int maxPendingPerTrace,
                         int maxLateLinksPerReplay, long claimLeaseMs) {
        this(namespace, mappingTtlSecs, pendingTtlSecs, maxPendingPerTrace, maxLateLinksPerReplay, claimLeaseMs,
                Math.max(mappingTtlSecs, pendingTtlSecs) + 3600, 100_000);
    }

    /** {@code pending_ttl_secs} of an index's raw config (5400 when not set), for the host's why-notes and API. */
    public static long pendingTtlSecs(java.util.Map<String, Object> indexConfig) {
        Object v = indexConfig.get("pending_ttl_secs");
        return v instanceof Number n ? n.longValue() : v == null ? 5400 : Long.parseLong(String.valueOf(v));
    }

    /** Notes of events kept per trace at most: as many as may wait, and at least 100 (links made inline count too). */
    public static int notesPerTrace(IndexSettings settings) {
        return Math.max(100, settings.maxPendingPerTrace());
    }

    /** The same settings under another namespace (an organisation's key space). */
    public IndexSettings withNamespace(String other) {
        return new IndexSettings(other, mappingTtlSecs, pendingTtlSecs, maxPendingPerTrace, maxLateLinksPerReplay,
                claimLeaseMs, noteTtlSecs, maxNotes);
    }

    public static IndexSettings from(PluginConfig c) {
        String namespace = c.string("namespace", "default");
        if (!namespace.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new PluginConfigException(c.path() + ".namespace",
                    "letters, digits, '_', '.', '-' (1 to 64), got " + namespace);
        }
        long mappingTtl = c.number("mapping_ttl_secs", 5400);
        long pendingTtl = c.number("pending_ttl_secs", 5400);
        long maxPending = c.number("max_pending_per_trace", 100);
        if (mappingTtl < 1 || mappingTtl > 30L * 24 * 3600) {
            throw new PluginConfigException(c.path() + ".mapping_ttl_secs", "must be between 1 and 2592000");
        }
        if (pendingTtl < 1 || pendingTtl > 30L * 24 * 3600) {
            throw new PluginConfigException(c.path() + ".pending_ttl_secs", "must be between 1 and 2592000");
        }
        if (maxPending < 0 || maxPending > 100_000) {
            throw new PluginConfigException(c.path() + ".max_pending_per_trace", "must be between 0 and 100000");
        }
        long maxLate = c.number("max_late_links_per_replay", 1000);
        if (maxLate < 0 || maxLate > 100_000) {
            throw new PluginConfigException(c.path() + ".max_late_links_per_replay", "must be between 0 and 100000");
        }
        long lease = c.number("claim_lease_ms", 30_000);
        if (lease < 100 || lease > 3_600_000) {
            throw new PluginConfigException(c.path() + ".claim_lease_ms", "must be between 100 and 3600000");
        }
        long noteTtl = c.number("note_ttl_secs", Math.max(mappingTtl, pendingTtl) + 3600);
        if (noteTtl < 1 || noteTtl > 30L * 24 * 3600) {
            throw new PluginConfigException(c.path() + ".note_ttl_secs", "must be between 1 and 2592000");
        }
        long maxNotes = c.number("max_notes", 100_000);
        if (maxNotes < 0 || maxNotes > 100_000_000) {
            throw new PluginConfigException(c.path() + ".max_notes", "must be between 0 and 100000000");
        }
        return new IndexSettings(namespace, mappingTtl, pendingTtl, (int) maxPending, (int) maxLate, lease, noteTtl,
                (int) maxNotes);
    }
}
