package io.replaylink.fuzz;

import io.sentry.Sentry;
import io.sentry.SentryLevel;
import io.sentry.TransactionContext;
import io.sentry.ITransaction;

import com.sun.net.httpserver.HttpServer;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * Captures what the real Java SDK sends (an error and a transaction of a trace whose baggage carries a replay id)
 * and writes the bodies, their item payloads and the propagation headers as fuzz seeds. Run once by hand when the
 * SDK changes; the seeds are committed:
 * {@code mvn -pl src exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.replaylink.fuzz.SeedCapture}
 * or from an IDE. Talks only to 127.0.0.1.
 */
public final class SeedCapture {
    private SeedCapture() {
    }

    public static void main(String[] args) throws Exception {
        Path inputs = Path.of(args.length > 0 ? args[0]
                : "src/test/resources/io/replaylink/fuzz/EnvelopeFuzzTestInputs"); // from the project root
        List<byte[]> bodies = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            InputStream in = exchange.getRequestBody();
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                in = new GZIPInputStream(in);
            }
            bodies.add(in.readAllBytes());
            exchange.sendResponseHeaders(200, 2);
            exchange.getResponseBody().write("{}".getBytes());
            exchange.close();
        });
        server.start();
        String replay = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
        String trace = "0af7651916cd43dd8448eb211c80319c";
        String sentryTrace = trace + "-b7ad6b7169203331-1";
        String baggage = "sentry-trace_id=" + trace + ",sentry-public_key=e12d836b15bb49d7bbf99e64295d995b,"
                + "sentry-sample_rate=1,sentry-sampled=true,sentry-replay_id=" + replay + ",other=vendor%20value";
        Sentry.init(o -> {
            o.setDsn("http://e12d836b15bb49d7bbf99e64295d995b@127.0.0.1:" + server.getAddress().getPort() + "/1");
            o.setTracesSampleRate(1.0);
            o.setRelease("seed@1.0.0");
            o.setEnvironment("seed");
            o.setSendClientReports(false);
            o.setEnableUncaughtExceptionHandler(false);
        });
        TransactionContext context = Sentry.continueTrace(sentryTrace, List.of(baggage));
        context.setName("GET /checkout");
        context.setOperation("http.server");
        ITransaction transaction = Sentry.startTransaction(context);
        Sentry.configureScope(scope -> scope.setTransaction(transaction));
        Sentry.captureException(new IllegalStateException("checkout failed"));
        Sentry.captureMessage("payment slow", SentryLevel.WARNING);
        transaction.finish();
        Sentry.flush(5000);
        Sentry.close();
        server.stop(0);
        int n = 0;
        for (byte[] body : bodies) {
            n++;
            write(inputs.resolve("envelopesParseOrAreRejectedAndRoundTrip"), "java-sdk-" + n, body);
            int newline = indexOf(body, 0);
            // item payloads of the body: header line, item header line, payload (the SDK writes a length)
            int itemHeaderEnd = indexOf(body, newline + 1);
            int payloadEnd = indexOf(body, itemHeaderEnd + 1);
            if (itemHeaderEnd > 0) {
                byte[] payload = java.util.Arrays.copyOfRange(body, itemHeaderEnd + 1,
                        payloadEnd < 0 ? body.length : payloadEnd);
                write(inputs.resolve("eventFactsAreReadFromAnyBytes"), "java-sdk-" + n, payload);
                write(inputs.resolve("theSpliceAnswersValidJsonOrNothing"), "java-sdk-" + n, payload);
            }
        }
        write(inputs.resolve("propagationHeadersYieldIdsOrNothing"), "java-sdk-baggage", baggage.getBytes());
        write(inputs.resolve("propagationHeadersYieldIdsOrNothing"), "java-sdk-sentry-trace", sentryTrace.getBytes());
        System.out.println("captured " + bodies.size() + " bodies");
    }

    private static int indexOf(byte[] body, int from) {
        for (int i = Math.max(0, from); i < body.length; i++) {
            if (body[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static void write(Path dir, String name, byte[] bytes) throws Exception {
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), bytes);
    }
}
