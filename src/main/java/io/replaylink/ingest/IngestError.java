package io.replaylink.ingest;

import io.replaylink.envelope.EnvelopeError;

import java.time.Duration;

/**
 * Why a request was not accepted. Every case maps to one HTTP answer in {@link HttpAnswers}; {@link #reason()} is a
 * short, stable label for metrics.
 */
public sealed interface IngestError {

    String detail();

    String reason();

    /** The envelope could not be read (400) or broke a limit while being read (413). */
    record Malformed(EnvelopeError error) implements IngestError {
        public String detail() {
            return error.detail();
        }

        public String reason() {
            return error.getClass().getSimpleName();
        }
    }

    /** 400: the request is wrong in a way other than the envelope bytes. */
    record BadRequest(String detail, String reason) implements IngestError {
    }

    /** 401: no usable credentials. */
    record Unauthorized(String detail) implements IngestError {
        public String reason() {
            return "auth";
        }
    }

    /** 403: credentials or project not allowed, or a processor refused the envelope. */
    record Forbidden(String detail, String reason) implements IngestError {
    }

    /** 408: the request body did not arrive in time. */
    record Timeout(String detail) implements IngestError {
        public String reason() {
            return "body_timeout";
        }
    }

    /** 413: the body broke a size limit. */
    record TooLarge(String detail, String reason) implements IngestError {
    }

    /** 415: a Content-Encoding this server does not decode. */
    record UnsupportedEncoding(String encoding) implements IngestError {
        public String detail() {
            return "unsupported content encoding '" + encoding + "' (accepted: gzip, deflate, br, zstd, identity)";
        }

        public String reason() {
            return "encoding";
        }
    }

    /** 429: an upstream rate-limited the envelope. */
    record RateLimited(String detail, Duration retryAfter, String rateLimits) implements IngestError {
        public String reason() {
            return "rate_limited";
        }
    }

    /** 503: overloaded, shutting down, or a sink cannot take the envelope now. */
    record Unavailable(String detail, Duration retryAfter, String reason) implements IngestError {
    }

    /** A 4xx chosen by a processor or passed on from the upstream. */
    record Rejected(int status, String detail, String reason) implements IngestError {
    }
}
