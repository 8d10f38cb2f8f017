package io.replaylink.forward.http;

import io.replaylink.spi.PluginConfig;
import io.replaylink.spi.PluginConfigException;

import java.net.URI;

/**
 * Settings of one {@code http} sink (keys of its {@code config:} map).
 *
 * @param url                  upstream base URL (Relay or Sentry), e.g. {@code http://127.0.0.1:3001}; envelopes
 *                             go to {@code {url}/api/{project_id}/envelope/}
 * @param timeoutMs            one attempt, from connect to the end of the answer; default 10000
 * @param connectTimeoutMs     TCP connect; default 2000
 * @param maxAttempts          attempts per envelope (network error, timeout and 5xx are retried); default 5
 * @param initialBackoffMs     first retry delay; doubled per attempt, with full jitter; default 100
 * @param maxBackoffMs         largest retry delay; default 5000
 * @param deliveryDeadlineMs   no retry starts later than this after the first attempt; default 20000
 * @param maxInFlight          envelopes held at once; beyond it the client gets 503 + Retry-After; default 256
 * @param maxConnections       connections to the upstream; default 32
 * @param gzip                 {@code content_encoding: gzip} compresses bodies to the upstream; default identity
 * @param defaultRetryAfterSecs a 429 without Retry-After pauses the project this long; default 60
 */
record HttpSinkConfig(URI url, long timeoutMs, long connectTimeoutMs, int maxAttempts, long initialBackoffMs,
                      long maxBackoffMs, long deliveryDeadlineMs, int maxInFlight, int maxConnections, boolean gzip,
                      long defaultRetryAfterSecs) {

    static HttpSinkConfig from(PluginConfig c) {
        String url = c.string("url").orElseThrow(() ->
                new PluginConfigException(c.path() + ".url", "missing (the upstream, e.g. http://127.0.0.1:3001)"));
        URI uri;
        try {
            uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            throw new PluginConfigException(c.path() + ".url", "not a URL: " + url);
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new PluginConfigException(c.path() + ".url", "must be an http:// or https:// URL, got " + url);
        }
        String encoding = c.string("content_encoding", "identity");
        if (!encoding.equals("identity") && !encoding.equals("gzip")) {
            throw new PluginConfigException(c.path() + ".content_encoding", "must be identity or gzip, got " + encoding);
        }
        var config = new HttpSinkConfig(uri,
                positive(c, "timeout_ms", 10_000),
                positive(c, "connect_timeout_ms", 2_000),
                (int) positive(c, "max_attempts", 5),
                positive(c, "initial_backoff_ms", 100),
                positive(c, "max_backoff_ms", 5_000),
                positive(c, "delivery_deadline_ms", 20_000),
                (int) positive(c, "max_in_flight", 256),
                (int) positive(c, "max_connections", 32),
                encoding.equals("gzip"),
                positive(c, "default_retry_after_secs", 60));
        return config;
    }

    private static long positive(PluginConfig c, String key, long defaultValue) {
        long v = c.number(key, defaultValue);
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new PluginConfigException(c.path() + "." + key, "must be a positive whole number, got " + v);
        }
        return v;
    }
}
