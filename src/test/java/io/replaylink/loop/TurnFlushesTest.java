package io.replaylink.loop;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.impl.ConnectionBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One flush per connection and loop turn, over real HTTP on a real Vert.x loop: what three writes of one turn cost in
 * flushes reaching the socket with and without it, and that the deferred flush does go out (the peer gets it all).
 */
class TurnFlushesTest {
    private Vertx vertx;
    private Context context;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    /** Counts the flushes that reach the socket (put at the very head, below everything else). */
    private static void countFlushes(HttpConnection connection, AtomicInteger flushes) {
        ((ConnectionBase) connection).channel().pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes.incrementAndGet();
                ctx.flush();
            }
        });
    }

    /** The flushes that reached the socket, and what the peer read. */
    private record Sent(int flushes, String received) {
    }

    /** Three writes of a request in one turn. */
    private Sent requestInOneTurn(boolean turnFlushes) throws Exception {
        CompletableFuture<String> received = new CompletableFuture<>();
        HttpServer upstream = vertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b -> {
            received.complete(b.toString());
            r.response().end("ok");
        })).listen(0, "127.0.0.1").await();
        AtomicInteger flushes = new AtomicInteger();
        HttpClient client = vertx.httpClientBuilder().withConnectHandler(c -> {
            if (turnFlushes) {
                assertThat(TurnFlushes.install(c)).isTrue();
            }
            countFlushes(c, flushes);
        }).build();
        CompletableFuture<HttpClientRequest> opened = new CompletableFuture<>();
        context.runOnContext(v -> client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                .setPort(upstream.actualPort()).setURI("/")).onComplete(ar -> opened.complete(ar.result())));
        HttpClientRequest request = opened.get(10, TimeUnit.SECONDS);
        CompletableFuture<String> answer = new CompletableFuture<>();
        context.runOnContext(v -> {
            flushes.set(0);
            request.setChunked(true);
            request.write("a");
            request.write("b");
            request.end("c");
            request.response().compose(r -> r.body()).onComplete(ar -> answer.complete(ar.result().toString()));
        });
        assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
        return new Sent(flushes.get(), received.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aRequestWrittenThreeTimesInOneTurnLeavesInOneFlushAndArrivesWhole() throws Exception {
        Sent with = requestInOneTurn(true);
        Sent without = requestInOneTurn(false);
        assertThat(with.received()).isEqualTo("abc");
        assertThat(without.received()).isEqualTo("abc");
        assertThat(with.flushes()).isEqualTo(1);
        // what the handler saves: Vert.x flushes every write made outside a read
        assertThat(without.flushes()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void anAnswerWrittenThreeTimesInOneTurnOutsideARequestsReadLeavesInOneFlush() throws Exception {
        AtomicInteger flushes = new AtomicInteger();
        HttpServer server = vertx.createHttpServer()
                .connectionHandler(c -> {
                    assertThat(TurnFlushes.install(c)).isTrue();
                    // a second install changes nothing
                    assertThat(TurnFlushes.install(c)).isTrue();
                    assertThat(((ConnectionBase) c).channel().pipeline().names()
                            .stream().filter(TurnFlushes.NAME::equals)).hasSize(1);
                    countFlushes(c, flushes);
                })
                .requestHandler(r -> r.body().onSuccess(b -> vertx.setTimer(20, t -> {
                    // later than the request's read: Vert.x alone would flush each write
                    flushes.set(0);
                    r.response().setChunked(true).write("x");
                    r.response().write(Buffer.buffer("y"));
                    r.response().end("z");
                }))).listen(0, "127.0.0.1").await();
        HttpClient client = vertx.createHttpClient();
        String body = client.request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
                .compose(r -> r.send()).compose(r -> r.body()).await().toString();
        assertThat(body).isEqualTo("xyz");
        assertThat(flushes.get()).isEqualTo(1);
    }
}
