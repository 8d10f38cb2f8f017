package io.replaylink.config;

import io.replaylink.envelope.EnvelopeLimits;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole configuration, read by {@link ConfigLoader}. See {@code config/replaylink.yaml} for every key with its
 * meaning, unit and default.
 */
public record ReplayLinkConfig(
        Server server,
        Limits limits,
        Map<Long, Project> projects,
        PluginEntry index,
        List<PluginEntry> processors,
        List<PluginEntry> sinks,
        Spool spool,
        io.replaylink.logging.LoggingSettings logging,
        Admin admin) {

    /**
     * The admin listener: the why-API ({@code /api/v1/events/{id}}, {@code /api/v1/traces/{id}}) and the status page
     * ({@code /status}). Off unless {@code enabled}; on its own address, loopback by default, never the ingest port.
     *
     * @param enabled default false (the shipped configs turn it on)
     * @param host    default 127.0.0.1
     * @param port    default 3001 (0: any free port)
     * @param token   when set, every request needs {@code Authorization: Bearer <token>}; default none
     */
    public record Admin(boolean enabled, String host, int port, String token) {
    }

    /**
     * @param host                 listen address
     * @param port                 listen port (0: any free port)
     * @param shutdownTimeoutMs    how long a graceful shutdown waits for in-flight requests and sinks
     * @param maxInflightBodyBytes request bodies (decompressed) held at once; beyond it new requests get 503
     * @param processorTimeoutMs   longest a processor may take for one envelope
     * @param sinkTimeoutMs        longest the endpoint waits for the sinks to take an envelope; then 503
     * @param maxConnections       connections open at once; a new one beyond is closed at once
     * @param bodyTimeoutMs        longest a request body may take to arrive; then 408 and the connection closes
     * @param h2c                  also serve HTTP/2 over clear text (prior knowledge or upgrade); off by default, as
     *                             then the strict HTTP/1 decoder (Content-Length with Transfer-Encoding refused, malformed
     *                             chunk sizes answered) cannot be put in place
     * @param shedAboveCpu         the ingest loop's CPU share above which new requests are refused (503 +
     *                             Retry-After), a growing share of them while it stays above; 1 turns shedding off
     */
    public record Server(String host, int port, long shutdownTimeoutMs, long maxInflightBodyBytes,
                         long processorTimeoutMs, long sinkTimeoutMs, int maxConnections, long bodyTimeoutMs,
                         boolean h2c, double shedAboveCpu) {
    }

    /**
     * @param maxRequestSize  request body as sent (compressed), bytes
     * @param maxEnvelopeSize request body after decompression, bytes
     * @param envelope        per-item and header limits
     */
    public record Limits(long maxRequestSize, long maxEnvelopeSize, EnvelopeLimits envelope) {
    }

    /**
     * The on-disk spool: when enabled, an envelope is answered 200 once it is in the spool, and delivered to the sinks
     * from there, across sink outages and restarts.
     *
     * @param enabled         default false (answer once the sinks took the envelope)
     * @param dir             directory of the segment files; default {@code data/spool}
     * @param maxBytes        undelivered bytes at most; beyond: 503 + Retry-After; default 1 GiB
     * @param segmentBytes    size of one segment file; default 64 MiB
     * @param fsync           {@code always}, {@code interval} or {@code never}; default {@code interval}
     * @param fsyncIntervalMs with {@code interval}; default 100
     * @param maxInFlight     envelopes being delivered at once; default 256
     */
    public record Spool(boolean enabled, String dir, long maxBytes, long segmentBytes, String fsync,
                        long fsyncIntervalMs, int maxInFlight) {
    }

    /**
     * A project, the Sentry organisation it belongs to (its replay links stay within it; 0 when the config names
     * none: one organisation for every project), and the public keys it accepts (an empty set accepts any key).
     */
    /** The key of the {@code id: any} entry in {@link #projects()} (no real project has id 0). */
    public static final long ANY_PROJECT = 0;

    /**
     * The project {@code id} as configured: its own entry, else (with an {@code id: any} entry, development only)
     * that entry's keys and organisation under this id; null when the project is not accepted.
     */
    public Project project(long id) {
        Project p = projects.get(id);
        if (p != null || id == ANY_PROJECT) {
            return p;
        }
        Project any = projects.get(ANY_PROJECT);
        return any == null ? null : new Project(id, any.organizationId(), any.publicKeys());
    }

    public record Project(long id, long organizationId, Set<String> publicKeys) {
        public boolean acceptsAnyKey() {
            return publicKeys.isEmpty();
        }
    }

    /** One plugin entry: the provider name, its config map, and where it stands in the file. */
    public record PluginEntry(String name, Map<String, Object> config, String path) {
    }
}
