package io.replaylink.sampling;

import io.replaylink.testing.CollectingSinkProvider;
import io.replaylink.testing.Envelopes;
import io.replaylink.testing.RedisServers;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * 20,000 traces, 20% with a replay (half with the replay id in their DSC, half known only through the index from a
 * replay event), through two sidecars sharing one Redis, with the rules "replay 100% (Sentry's rule 1005), others
 * 10%": every replay trace is kept, the others are kept within a 99.9% binomial bound of 10%, and both instances
 * decide the same for every trace.
 */
class ReplayAwareSamplingTest {
    static final int TRACES = 20_000;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static final String RULES = """
            default:
              rules:
                - {"samplingValue": {"type": "sampleRate", "value": 1.0}, "type": "trace",
                   "condition": {"op": "not", "inner": {"op": "eq", "name": "trace.replay_id", "value": null,
                                 "options": {"ignoreCase": true}}}, "id": 1005}
                - {"id": 1000, "type": "trace", "condition": {"op": "and", "inner": []},
                   "samplingValue": {"type": "sampleRate", "value": 0.1}}
            """;

    record Trace(String traceId, String eventId, String replayId, boolean replayInDsc) {
    }

    static byte[] transaction(Trace t) {
        String header = "{\"event_id\":\"" + t.eventId + "\",\"trace\":{\"trace_id\":\"" + t.traceId
                + "\",\"public_key\":\"" + KEY + "\",\"sample_rate\":\"1\",\"sampled\":\"true\""
                + (t.replayInDsc ? ",\"replay_id\":\"" + t.replayId + "\"" : "") + "}}";
        String tx = "{\"event_id\":\"" + t.eventId + "\",\"type\":\"transaction\",\"platform\":\"java\","
                + "\"transaction\":\"GET /checkout\",\"contexts\":{\"trace\":{\"trace_id\":\"" + t.traceId
                + "\",\"span_id\":\"b0e6f15b45c36b12\"}},\"spans\":[]}";
        return (header + "\n{\"type\":\"transaction\",\"length\":" + tx.length() + "}\n" + tx + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void replayTracesAreAlwaysKeptOthersAtTenPercentAndInstancesAgree(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(dir.resolve("sampling.yaml"), RULES);
        String namespace = "sampling-" + UUID.randomUUID().toString().substring(0, 8);
        List<TestSidecar> sidecars = new ArrayList<>();
        String[] ids = {namespace + "-a", namespace + "-b"};
        for (String id : ids) {
            sidecars.add(TestSidecar.start("""
                    server: {port: 0}
                    projects: [{id: 1, public_keys: []}]
                    index: {name: redis, config: {uri: "%s", namespace: %s}}
                    processors:
                      - {name: replay-linker, config: {lookup_timeout_ms: 2000}}
                      - {name: dynamic-sampling, config: {rules_file: "%s"}}
                    sinks: [{name: test-collect, config: {id: %s}}]
                    """.formatted(RedisServers.shared().uri(), namespace, rules, id)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            Random random = new Random(1);
            List<Trace> traces = new ArrayList<>();
            for (int i = 0; i < TRACES; i++) {
                int kind = random.nextInt(10);
                String replay = kind < 2 ? Envelopes.id() : null;
                traces.add(new Trace(Envelopes.id(), Envelopes.id(), replay, kind == 0));
            }
            AtomicInteger notOk = new AtomicInteger();
            // replays known only through the index: their replay events come first, to one instance
            List<Runnable> replays = new ArrayList<>();
            for (Trace t : traces) {
                if (t.replayId != null && !t.replayInDsc) {
                    byte[] body = Envelopes.replayEvent(t.replayId, t.traceId);
                    replays.add(() -> post(sidecars.get(0), body, notOk));
                }
            }
            runAll(pool, replays);
            List<Runnable> sends = new ArrayList<>();
            for (Trace t : traces) {
                byte[] body = transaction(t);
                for (TestSidecar s : sidecars) {
                    sends.add(() -> post(s, body, notOk));
                }
            }
            runAll(pool, sends);
            assertThat(notOk.get()).isZero();

            List<Set<String>> kept = new ArrayList<>();
            for (String id : ids) {
                List<byte[]> out = new ArrayList<>();
                CollectingSinkProvider.get(id).envelopes().drainTo(out);
                Set<String> k = new HashSet<>();
                for (byte[] e : out) {
                    String text = new String(e, StandardCharsets.UTF_8);
                    if (text.contains("\"type\":\"transaction\"")) {
                        k.add(text.substring(13, 45));
                    }
                }
                kept.add(k);
            }
            assertThat(kept.get(0)).as("both instances decide the same for every trace").isEqualTo(kept.get(1));
            int replayTraces = 0;
            int others = 0;
            int othersKept = 0;
            for (Trace t : traces) {
                if (t.replayId != null) {
                    replayTraces++;
                    assertThat(kept.get(0)).as("replay trace kept").contains(t.eventId);
                } else {
                    others++;
                    if (kept.get(0).contains(t.eventId)) {
                        othersKept++;
                    }
                }
            }
            double expected = others * 0.1;
            double bound = 3.29 * Math.sqrt(others * 0.1 * 0.9);
            System.out.printf("sampling: %d replay traces all kept; %d of %d others kept (expected %.0f +- %.0f)%n",
                    replayTraces, othersKept, others, expected, bound);
            assertThat((double) othersKept).isBetween(expected - bound, expected + bound);
            assertThat(sidecars.get(0).get("/metrics").body())
                    .contains("replaylink_sampling_decisions_total{decision=\"kept\",rules=\"1005\"}")
                    .contains("replaylink_sampling_decisions_total{decision=\"dropped\",rules=\"1000\"}");
        } finally {
            pool.shutdownNow();
            sidecars.forEach(TestSidecar::close);
        }
    }

    static void post(TestSidecar sidecar, byte[] body, AtomicInteger notOk) {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(sidecar.url(
                            "/api/1/envelope/?sentry_key=" + KEY))).timeout(Duration.ofSeconds(20))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() != 200) {
                notOk.incrementAndGet();
            }
        } catch (Exception e) {
            notOk.incrementAndGet();
        }
    }

    static void runAll(ExecutorService pool, List<Runnable> tasks) throws Exception {
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (Runnable r : tasks) {
            futures.add(pool.submit(r));
        }
        for (var f : futures) {
            f.get(300, TimeUnit.SECONDS);
        }
    }
}
