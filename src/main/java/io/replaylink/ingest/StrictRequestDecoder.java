package io.replaylink.ingest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.List;

/**
 * Vert.x's HTTP/1 request decoder with the two protocol errors a client must get an answer for, as Relay (hyper)
 * answers them:
 * <ul>
 *   <li>{@code Content-Length} together with {@code Transfer-Encoding: chunked} (RFC 9112 §6.3: a request smuggling
 *   attempt): Netty drops {@code Content-Length} and reads the body as chunked. Here the request is marked invalid
 *   instead, so the server answers 400 and closes the connection, and the decoder drops every later byte: nothing
 *   behind it on the connection is served.</li>
 *   <li>a malformed chunk size ({@code zz}, {@code -1}, sixteen {@code f}s): Netty reports it as a failed body part,
 *   on which Vert.x closes the connection at once, before any answer can be flushed. Here the body ends instead, and
 *   the reason is left on the channel, where the body reader finds it and answers 400 with
 *   {@code Connection: close}. The decoder ignores every byte after the error.</li>
 * </ul>
 * It replaces Vert.x's decoder in a connection's pipeline before the connection reads its first byte (clear-text
 * HTTP/1 without h2c, where the pipeline is complete when the connection handler runs).
 */
final class StrictRequestDecoder extends VertxHttpRequestDecoder {
    private static final AttributeKey<String> MALFORMED_BODY = AttributeKey.valueOf("replaylink.malformedBody");
    private static final String DECODER = "httpDecoder";

    /** The reason a request was marked invalid for {@code Content-Length} with {@code Transfer-Encoding}. */
    static final class AmbiguousLength extends RuntimeException {
        AmbiguousLength() {
            super("request has both Content-Length and Transfer-Encoding", null, false, false);
        }
    }

    /** Set at a request with an ambiguous length: every later byte on the connection is dropped. */
    private boolean refused;

    private StrictRequestDecoder(HttpServerOptions options) {
        super(options);
    }

    /**
     * Puts the strict decoder in place of Vert.x's in the connection's pipeline; false when the connection is not the
     * expected kind (then Vert.x's decoder stays, and the two errors are handled as Vert.x handles them).
     */
    static boolean install(HttpConnection connection, HttpServerOptions options) {
        if (!(connection instanceof ConnectionBase base)) {
            return false;
        }
        ChannelPipeline pipeline = base.channelHandlerContext().pipeline();
        if (!(pipeline.get(DECODER) instanceof VertxHttpRequestDecoder)) {
            return false;
        }
        pipeline.replace(DECODER, DECODER, new StrictRequestDecoder(options));
        return true;
    }

    /** Why the request's body could not be read to its end, or null when it was read as sent. */
    static String malformedBody(HttpServerRequest request) {
        if (request.connection() instanceof ConnectionBase base) {
            Channel channel = base.channel();
            return channel.attr(MALFORMED_BODY).get();
        }
        return null;
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        super.handleTransferEncodingChunkedWithContentLength(message);
        message.setDecoderResult(DecoderResult.failure(new AmbiguousLength()));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (refused) {
            buffer.skipBytes(buffer.readableBytes());
            return;
        }
        int from = out.size();
        super.decode(ctx, buffer, out);
        for (int i = from; i < out.size(); i++) {
            Object part = out.get(i);
            if (part instanceof HttpRequest request && request.decoderResult().cause() instanceof AmbiguousLength) {
                // nothing after this request on the connection is read: a request hidden in its body is never served
                refused = true;
                while (out.size() > i + 1) {
                    ReferenceCountUtil.release(out.remove(out.size() - 1));
                }
                buffer.skipBytes(buffer.readableBytes());
                return;
            }
            if (part instanceof HttpContent content && !(part instanceof HttpRequest)
                    && content.decoderResult().isFailure()) {
                Throwable cause = content.decoderResult().cause();
                String why = cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage();
                ctx.channel().attr(MALFORMED_BODY).set("malformed chunked request body"
                        + (why.length() > 80 ? why.substring(0, 80) : why));
                ReferenceCountUtil.release(part);
                out.set(i, LastHttpContent.EMPTY_LAST_CONTENT);
            }
        }
    }
}
