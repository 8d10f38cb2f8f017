package io.replaylink.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;

/** The one place where an {@link IngestError} becomes an HTTP answer (status, headers, JSON body). */
final class HttpAnswers {
    private static final JsonFactory JSON = new JsonFactory();

    private HttpAnswers() {
    }

    static int status(IngestError error) {
        if (error instanceof IngestError.Malformed m) {
            return m.error().tooLarge() ? 413 : 400;
        } else if (error instanceof IngestError.Unauthorized) {
            return 401;
        } else if (error instanceof IngestError.Forbidden) {
            return 403;
        } else if (error instanceof IngestError.TooLarge) {
            return 413;
        } else if (error instanceof IngestError.Timeout) {
            return 408;
        } else if (error instanceof IngestError.UnsupportedEncoding) {
            return 415;
        } else if (error instanceof IngestError.RateLimited) {
            return 429;
        } else if (error instanceof IngestError.Unavailable) {
            return 503;
        } else if (error instanceof IngestError.Rejected r) {
            return r.status();
        }
        return 400;
    }

    static io.vertx.core.Future<Void> send(HttpServerResponse response, IngestError error) {
        if (response.ended() || response.closed()) {
            return io.vertx.core.Future.succeededFuture();
        }
        response.setStatusCode(status(error));
        if (error instanceof IngestError.RateLimited r) {
            response.putHeader("Retry-After", seconds(r.retryAfter()));
            if (r.rateLimits() != null) {
                response.putHeader("X-Sentry-Rate-Limits", r.rateLimits());
            }
        } else if (error instanceof IngestError.Unavailable u) {
            response.putHeader("Retry-After", seconds(u.retryAfter()));
        } else if (error instanceof IngestError.UnsupportedEncoding) {
            response.putHeader("Accept-Encoding", "zstd,gzip,deflate,br");
        }
        response.putHeader("Content-Type", "application/json");
        return response.end(detailJson(error.detail()));
    }

    static String seconds(Duration d) {
        if (d == null) {
            return "5";
        }
        return Long.toString(Math.max(1, (d.toMillis() + 999) / 1000));
    }

    static String detailJson(String detail) {
        StringWriter out = new StringWriter();
        try (JsonGenerator gen = JSON.createGenerator(out)) {
            gen.writeStartObject();
            gen.writeStringField("detail", detail);
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    static String idJson(String eventId) {
        return eventId == null ? "{}" : "{\"id\":\"" + eventId + "\"}";
    }
}
