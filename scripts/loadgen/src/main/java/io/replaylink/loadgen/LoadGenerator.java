package io.replaylink.loadgen;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Sends a {@link Stream} open loop: each request leaves at its scheduled time whether or not earlier ones were
 * answered, and its latency is measured from that scheduled time (so a stalled server shows as latency, not as a
 * lower send rate: no coordinated omission). HTTP/1.1 keep-alive connections, or HTTP/2 with {@code http2}. Prints a
 * progress line each second and stops by itself at the end of the stream. Only loopback targets are allowed.
 */
public final class LoadGenerator {
    /**
     * One second of the run: requests sent and answered, latency percentiles of the answers, in ms, and the answers
     * that were refusals (503 or 429).
     */
    public record Second(double at, long sent, long answered, double p50, double p99, double max, long refused) {
    }

    /**
     * What a run saw; latency in microseconds from the scheduled send time; {@code generatorGcMillis}: the
     * generator's own garbage-collection time during the run (its pauses delay sends and so count as latency);
     * {@code sendLag}: microseconds from each request's scheduled time to the moment the generator handed it to its
     * HTTP client (the generator's own lateness, a part of every latency; a server stall does not show here);
     * {@code firstUnexpectedAnswer}: the first answer other than the stream expected, with (the start of) its body,
     * which says why (null when every answer was as expected); {@code acceptedLatency}: the latency of the 200
     * answers alone; {@code refusalsWithoutRetryAfter}: 503 and 429 answers that did not say when to come back.
     */
    public record Result(long sent, Map<Integer, Long> byStatus, long errors, Histogram latency, double seconds,
                         Map<Integer, Integer> wrongStatus, java.util.List<Second> timeline, long generatorGcMillis,
                         Histogram sendLag, String firstUnexpectedAnswer, Histogram acceptedLatency,
                         long refusalsWithoutRetryAfter) {
        public long answered() {
            return byStatus.values().stream().mapToLong(Long::longValue).sum();
        }

        /** "200: 278, 400: 1" (status: answers), in status order. */
        public String statusText() {
            StringBuilder out = new StringBuilder();
            new java.util.TreeMap<>(byStatus).forEach((status, count) -> out.append(out.length() == 0 ? "" : ", ")
                    .append(status).append(": ").append(count));
            return out.length() == 0 ? "none" : out.toString();
        }

        public String summary() {
            return String.format(Locale.ROOT, """
                    | sent | answered | errors | throughput/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |
                    |---:|---:|---:|---:|---:|---:|---:|---:|---:|
                    | %d | %d | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f |
                    answers by status: %s%s
                    load generator's own GC time during the run: %d ms; its send lag (scheduled time to hand-off): \
                    p99 %.2f ms, max %.2f ms""", sent, answered(), errors, answered() / seconds,
                    latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(90) / 1000.0,
                    latency.getValueAtPercentile(99) / 1000.0, latency.getValueAtPercentile(99.9) / 1000.0,
                    latency.getMaxValue() / 1000.0, statusText(),
                    wrongStatus.isEmpty() ? "" : "\nanswers other than expected: " + wrongStatus.size() + " requests"
                            + "; the first: " + firstUnexpectedAnswer,
                    generatorGcMillis, sendLag.getValueAtPercentile(99) / 1000.0, sendLag.getMaxValue() / 1000.0);
        }
    }

    private LoadGenerator() {
    }

    public static Result run(Vertx vertx, Stream stream, String host, int port, boolean http2, int connections,
                             PrintStream progress) throws Exception {
        requireLoopback(host);
        // the pre-built stream (hundreds of MB at high rates) is young: without a full collection now, the
        // generator's young collections would copy it during the run, and their pauses (50 to 80 ms measured) would
        // show as the server's latency
        System.gc();
        long gc0 = gcMillis();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                        .setProtocolVersion(http2 ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1)
                        .setHttp2ClearTextUpgrade(false),
                new PoolOptions().setHttp1MaxSize(connections).setHttp2MaxSize(Math.max(1, connections / 16)));
        Recorder recorder = new Recorder(60_000_000L, 3);
        Histogram accepted = new Histogram(60_000_000L, 3);
        long[] refusals = new long[3]; // [0] all, [1] before this second, [2] without Retry-After
        Histogram total = new Histogram(60_000_000L, 3);
        Histogram sendLag = new Histogram(60_000_000L, 3);
        Map<Integer, Long> byStatus = new TreeMap<>();
        Map<Integer, Integer> wrong = new TreeMap<>();
        long[] counters = new long[3];
        String[] firstUnexpected = {null};
        java.util.List<Second> timeline = new java.util.ArrayList<>();
        Promise<Void> done = Promise.promise();
        Context context = vertx.getOrCreateContext();
        long[] start = new long[1];
        int[] next = {0};
        context.runOnContext(v -> {
            start[0] = System.nanoTime();
            long[] lastSecond = {0, 0};
            long tick = vertx.setPeriodic(1, t -> {
                long elapsedMicros = (System.nanoTime() - start[0]) / 1000;
                while (next[0] < stream.requests().size() && stream.requests().get(next[0]).atMicros() <= elapsedMicros) {
                    int index = next[0]++;
                    Stream.Request r = stream.requests().get(index);
                    long intended = start[0] + r.atMicros() * 1000;
                    sendLag.recordValue(Math.min(60_000_000L, Math.max(0, (System.nanoTime() - intended) / 1000)));
                    counters[0]++;
                    client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
                                    .setURI(r.path() + "?sentry_key=" + StreamGenerator.KEY)
                                    .putHeader("Content-Type", r.contentType()).setIdleTimeout(30_000))
                            .compose(req -> req.send(Buffer.buffer(r.body())))
                            .compose(resp -> resp.body().map(b -> {
                                if (resp.statusCode() == 503 || resp.statusCode() == 429) {
                                    refusals[0]++;
                                    if (resp.getHeader("Retry-After") == null) {
                                        refusals[2]++;
                                    }
                                }
                                if (resp.statusCode() != stream.expectedStatus().getOrDefault(index, 200)) {
                                    wrong.put(index, resp.statusCode());
                                    if (firstUnexpected[0] == null) {
                                        String text = b.toString(java.nio.charset.StandardCharsets.UTF_8);
                                        firstUnexpected[0] = "request " + index + ": " + resp.statusCode() + " "
                                                + text.substring(0, Math.min(300, text.length()));
                                    }
                                }
                                return resp.statusCode();
                            }))
                            .onComplete(ar -> {
                                long micros = Math.max(1, (System.nanoTime() - intended) / 1000);
                                recorder.recordValue(Math.min(micros, 60_000_000L));
                                if (ar.succeeded()) {
                                    byStatus.merge(ar.result(), 1L, Long::sum);
                                    if (ar.result() == 200) {
                                        accepted.recordValue(Math.min(micros, 60_000_000L));
                                    }
                                } else {
                                    counters[1]++;
                                }
                                counters[2]++;
                                if (next[0] >= stream.requests().size() && counters[2] == counters[0]) {
                                    done.tryComplete();
                                }
                            });
                }
            });
            long seconds = vertx.setPeriodic(1000, t -> {
                Histogram interval = recorder.getIntervalHistogram();
                total.add(interval);
                timeline.add(new Second((System.nanoTime() - start[0]) / 1e9, counters[0] - lastSecond[0],
                        counters[2] - lastSecond[1], interval.getValueAtPercentile(50) / 1000.0,
                        interval.getValueAtPercentile(99) / 1000.0, interval.getMaxValue() / 1000.0,
                        refusals[0] - refusals[1]));
                refusals[1] = refusals[0];
                if (progress != null) {
                    progress.printf(Locale.ROOT, "%5.0f s  sent %6d/s  answered %6d/s  p50 %7.2f ms  p99 %7.2f ms"
                                    + "  errors %d%n", (System.nanoTime() - start[0]) / 1e9, counters[0] - lastSecond[0],
                            counters[2] - lastSecond[1], interval.getValueAtPercentile(50) / 1000.0,
                            interval.getValueAtPercentile(99) / 1000.0, counters[1]);
                }
                lastSecond[0] = counters[0];
                lastSecond[1] = counters[2];
            });
            done.future().onComplete(ar -> {
                vertx.cancelTimer(tick);
                vertx.cancelTimer(seconds);
            });
        });
        long lastAt = stream.requests().isEmpty() ? 0 : stream.requests().get(stream.requests().size() - 1).atMicros();
        done.future().toCompletionStage().toCompletableFuture().get(lastAt / 1_000_000 + 60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start[0]) / 1e9;
        Promise<Histogram> last = Promise.promise();
        context.runOnContext(v -> {
            total.add(recorder.getIntervalHistogram());
            last.complete(total);
        });
        last.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client.close();
        return new Result(counters[0], Map.copyOf(byStatus), counters[1], total, seconds, Map.copyOf(wrong),
                java.util.List.copyOf(timeline), gcMillis() - gc0, sendLag, firstUnexpected[0], accepted, refusals[2]);
    }

    /** The JVM's garbage-collection time so far, ms. */
    public static long gcMillis() {
        long total = 0;
        for (java.lang.management.GarbageCollectorMXBean gc
                : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    static void requireLoopback(String host) throws UnknownHostException {
        if (!InetAddress.getByName(host).isLoopbackAddress()) {
            throw new IllegalArgumentException("the load generator only targets loopback addresses, not " + host);
        }
    }
}
