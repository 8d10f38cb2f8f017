package io.replaylink.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code scripts/load --sink http}: an upstream on 127.0.0.1 that takes what the sidecar's http sink forwards,
 * answers 200 once it is written, and keeps each envelope body (as the sidecar sent it, uncompressed) in a file of
 * length-prefixed records, written on a thread of its own, for {@link CorrectnessReport#checkUpstream}.
 */
final class UpstreamRecorder implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> new Thread(r, "upstream-recorder"));
    private final DataOutputStream out;
    private final Path file;

    private UpstreamRecorder(HttpServer server, Path file) throws IOException {
        this.server = server;
        this.file = file;
        this.out = new DataOutputStream(new FileOutputStream(file.toFile()));
    }

    static UpstreamRecorder start(Vertx vertx, Path file) throws Exception {
        HttpServer server = vertx.createHttpServer();
        UpstreamRecorder recorder = new UpstreamRecorder(server, file);
        server.requestHandler(req -> req.body().onSuccess(body -> {
            byte[] bytes = body.getBytes();
            Future.fromCompletionStage(java.util.concurrent.CompletableFuture.runAsync(() -> recorder.write(bytes),
                    recorder.writer)).onComplete(ar -> req.response().setStatusCode(ar.succeeded() ? 200 : 503)
                    .putHeader("Content-Type", "application/json").end("{}"));
        }));
        server.listen(0, "127.0.0.1").await();
        return recorder;
    }

    String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    Path file() {
        return file;
    }

    private void write(byte[] body) {
        try {
            out.writeInt(body.length);
            out.write(body);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close().await();
        writer.shutdown();
        out.close();
    }
}
