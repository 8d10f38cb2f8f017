package io.replaylink.ingest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.buffer.BufferInternal;

import java.time.Duration;

/**
 * Collects a request body as it streams in, without copying the chunks, and stops at the first byte over {@code
 * max_request_size} or over the in-flight memory budget: the limit is enforced while reading, never after
 * buffering. The returned buffer belongs to the caller.
 */
final class BodyReader {
    private BodyReader() {
    }

    /** Thrown into the returned future when the body breaks a limit; carries the client's answer. */
    static final class BodyRejected extends RuntimeException {
        final IngestError error;

        BodyRejected(IngestError error) {
            super(error.detail(), null, false, false);
            this.error = error;
        }
    }

    static Future<ByteBuf> read(HttpServerRequest request, long maxBytes, InflightBudget.Reservation budget) {
        Promise<ByteBuf> promise = Promise.promise();
        String declared = request.getHeader("Content-Length");
        if (declared != null) {
            try {
                long length = Long.parseLong(declared.trim());
                if (length > maxBytes) {
                    return Future.failedFuture(tooLarge(maxBytes));
                }
            } catch (NumberFormatException e) {
                return Future.failedFuture(new BodyRejected(
                        new IngestError.BadRequest("invalid Content-Length header", "content_length")));
            }
        }
        CompositeByteBuf body = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        long[] received = {0};
        request.handler((Buffer chunk) -> {
            if (promise.future().isComplete()) {
                return;
            }
            int n = chunk.length();
            received[0] += n;
            if (received[0] > maxBytes) {
                body.release();
                promise.tryFail(tooLarge(maxBytes));
                return;
            }
            if (!budget.grow(n)) {
                body.release();
                promise.tryFail(new BodyRejected(new IngestError.Unavailable(
                        "too many request bodies in memory, retry later", Duration.ofSeconds(1), "memory")));
                return;
            }
            body.addComponent(true, ((BufferInternal) chunk).getByteBuf());
        });
        request.exceptionHandler(e -> {
            if (promise.tryFail(e)) {
                body.release();
            }
        });
        request.endHandler(v -> {
            if (!promise.tryComplete(body) && body.refCnt() > 0 && !promise.future().succeeded()) {
                body.release();
            }
        });
        return promise.future();
    }

    private static BodyRejected tooLarge(long maxBytes) {
        return new BodyRejected(new IngestError.TooLarge(
                "request body exceeds max_request_size (" + maxBytes + " bytes)", "request_size"));
    }
}
