package io.replaylink.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * A sink cannot take the envelope now; the client should send it again after {@link #retryAfter()}. With {@code
 * rateLimited} the sink's upstream rate-limited the request (the client is answered 429 with {@code rateLimits} as
 * {@code X-Sentry-Rate-Limits}); otherwise the sink is full or down (503).
 *
 * @since 1
 */
public class SinkUnavailableException extends RuntimeException {
    private final Duration retryAfter;
    private final boolean rateLimited;
    private final String rateLimits;

    public SinkUnavailableException(String reason, Duration retryAfter) {
        this(reason, retryAfter, false, null);
    }

    public SinkUnavailableException(String reason, Duration retryAfter, boolean rateLimited, String rateLimits) {
        super(reason, null, false, false);
        this.retryAfter = retryAfter;
        this.rateLimited = rateLimited;
        this.rateLimits = rateLimits;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    public boolean rateLimited() {
        return rateLimited;
    }

    public Optional<String> rateLimits() {
        return Optional.ofNullable(rateLimits);
    }
}
