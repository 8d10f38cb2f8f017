package io.replaylink.ingest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.replaylink.loop.LoopDeadlines;
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

    static Future<ByteBuf> read(HttpServerRequest request, long maxBytes, InflightBudget.Reservation budget,
                                long timeoutMs, io.vertx.core.Vertx vertx) {
        Promise<ByteBuf> promise = Promise.promise();
        String declared = request.getHeader(HeaderNames.CONTENT_LENGTH);
        if (declared != null) {
            long length = AsciiNumbers.parse(declared.trim());
            if (length < 0) {
                return Future.failedFuture(new BodyRejected(
                        new IngestError.BadRequest("invalid Content-Length header", "content_length")));
            }
            if (length > maxBytes) {
                return Future.failedFuture(tooLarge(maxBytes));
            }
        }
        // 100 Continue only now: the request's project, key and declared size passed (the server does not send it
        // by itself, or a client would send a body that is then refused)
        if ("100-continue".equalsIgnoreCase(request.getHeader(HeaderNames.EXPECT))) {
            request.response().writeContinue();
        }
        CompositeByteBuf body = Unpooled.compositeBuffer(Integer.MAX_VALUE);
        long[] received = {0};
        // a body that trickles in (a byte a second keeps a connection from being idle) is cut off: 408, and the
        // connection closes with the answer
        Runnable expire = () -> {
            if (promise.tryFail(new BodyRejected(new IngestError.Timeout(
                    "request body not received within " + timeoutMs + " ms")))) {
                body.release();
            }
        };
        LoopDeadlines.Deadline deadline = LoopDeadlines.after(vertx.getOrCreateContext(), timeoutMs, expire);
        promise.future().onComplete(ar -> deadline.cancel());
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
            // a body the HTTP decoder cannot read is the request's fault (a malformed chunk size reaches the end
            // handler instead, see StrictRequestDecoder); a connection closed by the client is not answered
            Throwable failure = e instanceof io.vertx.core.http.HttpClosedException ? e
                    : new BodyRejected(new IngestError.BadRequest("malformed request body: " + e.getMessage(), "body"));
            if (promise.tryFail(failure)) {
                body.release();
            }
        });
        request.endHandler(v -> {
            String malformed = StrictRequestDecoder.malformedBody(request);
            if (malformed != null) {
                // the decoder ended the body at a protocol error and drops what follows: answer, then close
                request.response().putHeader("Connection", "close")
                        .endHandler(done -> request.connection().close());
                if (promise.tryFail(new BodyRejected(new IngestError.BadRequest(malformed, "body")))) {
                    body.release();
                }
                return;
            }
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
