package io.replaylink.loadgen;

import io.replaylink.ReplayLink;
import io.replaylink.config.ConfigLoader;
import io.vertx.core.Vertx;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code scripts/load}: generates (or reads) a scripted envelope stream, sends it open loop, prints the latency and
 * answer summary, and checks the links the sidecar made against the stream's expected outcome. Without
 * {@code --target} it starts its own sidecar (in-process index, file sink in a temporary directory; with {@code --sink
 * http} an http sink to an upstream of its own, whose received envelopes are the correctness source: late links
 * arrive there in replay events' {@code error_ids}); with
 * {@code --target http://127.0.0.1:PORT --sink-dir DIR} it uses a running one whose {@code file} sink writes to DIR, or
 * with {@code --kafka 127.0.0.1:PORT} one whose {@code kafka} sink writes Relay's default topics there.
 * Exit code 0 when every answer and every link is as expected.
 */
public final class LoadMain {
    private LoadMain() {
    }

    public static void main(String[] args) throws Exception {
        Path scenarioFile = null;
        Path streamIn = null;
        Path streamOut = null;
        String target = null;
        Path sinkDir = null;
        String kafka = null;
        boolean http2 = false;
        String sink = "file";
        Path html = Path.of("load-report.html");
        int connections = 64;
        String usage = "usage: scripts/load (--scenario FILE | --stream FILE) [--write-stream FILE]\n"
                + "       [--target http://127.0.0.1:PORT (--sink-dir DIR | --kafka 127.0.0.1:PORT)]\n"
                + "       [--sink file|http]   (without --target: the started sidecar's sink)\n"
                + "       [--http2] [--connections N]\n"
                + "       [--report FILE.html]   (default load-report.html)";
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (!java.util.Set.of("--scenario", "--stream", "--write-stream", "--target", "--sink-dir", "--kafka",
                    "--http2", "--sink", "--connections", "--report").contains(option)) {
                fail("unknown option " + option, usage);
            }
            if (!option.equals("--http2") && (i + 1 >= args.length || args[i + 1].startsWith("--"))) {
                fail(option + " needs a value", usage);
            }
            switch (option) {
                case "--scenario" -> scenarioFile = existing(args[++i], option, usage);
                case "--stream" -> streamIn = existing(args[++i], option, usage);
                case "--write-stream" -> streamOut = Path.of(args[++i]);
                case "--target" -> target = args[++i];
                case "--sink-dir" -> sinkDir = Path.of(args[++i]);
                case "--kafka" -> kafka = args[++i];
                case "--http2" -> http2 = true;
                case "--sink" -> {
                    sink = args[++i];
                    if (!sink.equals("file") && !sink.equals("http")) {
                        fail("--sink must be file or http, got " + sink, usage);
                    }
                }
                case "--connections" -> {
                    String n = args[++i];
                    if (!n.matches("[1-9][0-9]{0,4}")) {
                        fail("--connections must be a whole number from 1 to 99999, got " + n, usage);
                    }
                    connections = Integer.parseInt(n);
                }
                case "--report" -> html = Path.of(args[++i]);
                default -> fail("unknown option " + option, usage);
            }
        }
        Stream stream;
        if (streamIn != null) {
            try (InputStream in = Files.newInputStream(streamIn)) {
                stream = Stream.read(in);
            }
        } else if (scenarioFile != null) {
            stream = StreamGenerator.generate(Scenario.parse(Files.readString(scenarioFile)));
        } else {
            System.err.println("scripts/load: --scenario or --stream is needed");
            System.exit(2);
            return;
        }
        System.out.printf("stream: %d requests over %.1f s, %d backend errors to be linked, %d to stay unlinked, "
                        + "%d to be rejected%n", stream.requests().size(),
                stream.requests().isEmpty() ? 0 : stream.requests().get(stream.requests().size() - 1).atMicros() / 1e6,
                stream.expectedLinks().size(), stream.expectedUnlinked().size(), stream.expectedStatus().size());
        if (streamOut != null) {
            try (OutputStream out = Files.newOutputStream(streamOut)) {
                stream.write(out);
            }
            System.out.println("stream written to " + streamOut);
            if (target == null && scenarioFile != null && streamIn == null && args.length <= 4) {
                return;
            }
        }
        if (!sink.equals("file") && !sink.equals("http")) {
            System.err.println("scripts/load: --sink is file or http, got " + sink);
            System.exit(2);
        }
        Vertx vertx = Vertx.vertx();
        ReplayLink sidecar = null;
        UpstreamRecorder upstream = null;
        int port;
        String host;
        try {
            if (target == null && sink.equals("http")) {
                upstream = UpstreamRecorder.start(vertx, Files.createTempFile("replaylink-upstream", ".envelopes"));
                sidecar = ReplayLink.start(vertx, ConfigLoader.parse("""
                        server: {port: 0, h2c: %s}
                        projects: [{id: 1, public_keys: []}]
                        processors: [replay-linker]
                        sinks: [{name: http, config: {url: "%s"}}]
                        """.formatted(http2, upstream.url()), Map.of()), Map.of()).await(30, TimeUnit.SECONDS);
                host = "127.0.0.1";
                port = sidecar.port();
                System.out.println("started a sidecar on 127.0.0.1:" + port + ", http sink to " + upstream.url());
            } else if (target == null) {
                sinkDir = Files.createTempDirectory("replaylink-load");
                sidecar = ReplayLink.start(vertx, ConfigLoader.parse("""
                        server: {port: 0, h2c: %s}
                        projects: [{id: 1, public_keys: []}]
                        processors: [replay-linker]
                        sinks: [{name: file, config: {dir: "%s", max_file_size: 1073741824}}]
                        """.formatted(http2, sinkDir), Map.of()), Map.of()).await(30, TimeUnit.SECONDS);
                host = "127.0.0.1";
                port = sidecar.port();
                System.out.println("started a sidecar on 127.0.0.1:" + port + ", file sink in " + sinkDir);
            } else {
                URI uri = URI.create(target);
                host = uri.getHost();
                port = uri.getPort();
            }
            LoadGenerator.Result result = LoadGenerator.run(vertx, stream, host, port, http2, connections, System.out);
            System.out.println(result.summary());
            boolean ok = result.errors() == 0 && result.wrongStatus().isEmpty();
            CorrectnessReport report = null;
            if (upstream != null) {
                UpstreamRecorder recorded = upstream;
                report = awaitReport(() -> CorrectnessReport.checkUpstream(stream, recorded.file()));
                System.out.println("correctness (what the upstream received): " + report.summary());
                ok &= report.ok();
            } else if (kafka != null) {
                KafkaLinks topics = KafkaLinks.defaults(kafka);
                report = awaitReport(() -> topics.check(stream));
                System.out.println("correctness (Kafka topics): " + report.summary());
                ok &= report.ok();
            } else if (sinkDir != null) {
                Path dir = sinkDir;
                report = awaitReport(() -> CorrectnessReport.check(stream, dir));
                System.out.println("correctness: " + report.summary());
                ok &= report.ok();
            }
            Files.writeString(html, HtmlReport.render("ReplayLink load test: "
                    + (scenarioFile != null ? scenarioFile : streamIn), result, report));
            System.out.println("report: " + html.toAbsolutePath());
            System.out.println(ok ? "RESULT: ok" : "RESULT: FAILED");
            if (sidecar != null) {
                sidecar.stop().await(30, TimeUnit.SECONDS);
            }
            if (upstream != null) {
                upstream.close();
                Files.deleteIfExists(upstream.file());
            }
            vertx.close().await(30, TimeUnit.SECONDS);
            System.exit(ok ? 0 : 1);
        } catch (Exception e) {
            vertx.close();
            throw e;
        }
    }

    /** Links land shortly after the answers (event_link messages, file writes): wait until the report is stable. */
    static CorrectnessReport awaitReport(java.util.function.Supplier<CorrectnessReport> source)
            throws InterruptedException {
        CorrectnessReport last = null;
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            CorrectnessReport now = source.get();
            if (now.ok() || last != null && now.equals(last)) {
                return now;
            }
            last = now;
            Thread.sleep(500);
        }
        return last;
    }

    private static void fail(String problem, String usage) {
        System.err.println("scripts/load: " + problem + "\n" + usage);
        System.exit(2);
    }

    private static Path existing(String file, String option, String usage) {
        Path p = Path.of(file);
        if (!Files.isRegularFile(p)) {
            fail(option + ": no such file " + file, usage);
        }
        return p;
    }
}
