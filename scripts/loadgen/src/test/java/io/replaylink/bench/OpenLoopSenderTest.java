package io.replaylink.bench;

import com.sun.net.httpserver.HttpServer;
import io.replaylink.loadgen.LoadGenerator;
import io.replaylink.loadgen.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The lean open-loop sender against a real HTTP server (the JDK's) on loopback. */
class OpenLoopSenderTest {
    static {
        // without it the JDK's server writes its answer's head and body in two segments, and Nagle's algorithm with
        // the client's delayed ACK holds the second one for 40 ms
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private HttpServer server;

    /**
     * A one-thread server: answers 200 {@code {}} after reading the body, 400 to a body containing "bad", and
     * stops everything for {@code stallMillis} before answering request number {@code stallAt}.
     */
    private int serve(int stallAt, long stallMillis) throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        AtomicInteger seen = new AtomicInteger();
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (seen.getAndIncrement() == stallAt) {
                try {
                    Thread.sleep(stallMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(body.contains("bad") ? 400 : 200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.setExecutor(Executors.newSingleThreadExecutor());
        server.start();
        return server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    static Stream stream(int count, double rate, Map<Integer, Integer> expectedStatus, int... bad) {
        List<Stream.Request> requests = new ArrayList<>();
        List<Integer> badOnes = java.util.Arrays.stream(bad).boxed().toList();
        for (int i = 0; i < count; i++) {
            requests.add(new Stream.Request(Math.round(i * 1e6 / rate), "/api/1/envelope/",
                    "application/x-sentry-envelope", ((badOnes.contains(i) ? "bad " : "envelope ") + i)
                    .getBytes(StandardCharsets.UTF_8)));
        }
        return new Stream(requests, Map.of(), List.of(), expectedStatus);
    }

    @Test
    void everyRequestIsAnsweredAndCountedByStatus() throws Exception {
        int port = serve(-1, 0);
        LoadGenerator.Result r = OpenLoopSender.run(stream(2000, 2000, Map.of(5, 400), 5, 7), port, 8);
        assertThat(r.sent()).isEqualTo(2000);
        assertThat(r.errors()).isZero();
        assertThat(r.byStatus()).isEqualTo(Map.of(200, 1998L, 400, 2L));
        assertThat(r.latency().getTotalCount()).isEqualTo(2000);
        assertThat(r.wrongStatus()).as("request 5 was expected to be refused, 7 was not").isEqualTo(Map.of(7, 400));
        assertThat(r.firstUnexpectedAnswer()).startsWith("request 7: 400 {}");
        // a second at 2,000/s: the run takes its second, and the sender is on time
        assertThat(r.seconds()).isBetween(0.99, 5.0);
        assertThat(r.sendLag().getValueAtPercentile(99)).as("send lag, µs").isLessThan(20_000);
    }

    @Test
    void aStallCountsFromEachRequestsScheduledTimeNotFromWhenItCouldBeSent() throws Exception {
        // the server stops for 300 ms at request 100: the ~300 requests scheduled meanwhile wait for its 4
        // connections, and each one's latency runs from its scheduled time, so about 200 of them exceed 100 ms
        // (timed from when they could be sent, only the 4 in flight would)
        int port = serve(100, 300);
        LoadGenerator.Result r = OpenLoopSender.run(stream(600, 1000, Map.of()), port, 4);
        assertThat(r.byStatus()).isEqualTo(Map.of(200, 600L));
        assertThat(r.latency().getMaxValue()).isGreaterThanOrEqualTo(290_000);
        assertThat(r.latency().getCountBetweenValues(100_000, Long.MAX_VALUE / 2)).isGreaterThan(150);
        assertThat(r.sendLag().getValueAtPercentile(99)).as("the stall is not the sender's lag").isLessThan(50_000);
    }

    @Test
    void aConnectionTheServerClosesIsReplacedAndItsRequestCountedAsAnError() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        AtomicInteger seen = new AtomicInteger();
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            if (seen.getAndIncrement() == 10) {
                exchange.close(); // no answer: the connection ends under the request
                return;
            }
            exchange.sendResponseHeaders(200, 2);
            exchange.getResponseBody().write("{}".getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        server.start();
        LoadGenerator.Result r = OpenLoopSender.run(stream(50, 500, Map.of()), server.getAddress().getPort(), 2);
        assertThat(r.errors()).isEqualTo(1);
        assertThat(r.byStatus()).isEqualTo(Map.of(200, 49L));
    }
}
