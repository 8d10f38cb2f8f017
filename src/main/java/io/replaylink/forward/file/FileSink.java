package io.replaylink.forward.file;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.replaylink.envelope.JsonValues;
import io.replaylink.spi.EnvelopeSink;
import io.replaylink.spi.OutcomeMessage;
import io.replaylink.spi.OutgoingEnvelope;
import io.replaylink.spi.ReplayLinkMessage;
import io.replaylink.spi.SinkUnavailableException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes one JSON line per envelope: {@code {"kind":"envelope","received_at","project_id","event_id","header",
 * "items":[{"header","payload"|"payload_base64"}]}}, a payload as JSON where it is UTF-8 JSON and as base64
 * otherwise; and one per replay event_link message: {@code {"kind":"event_link","received_at","project_id",
 * "replay_id","event_id","message"}} with the Kafka message as JSON. One writer
 * thread owns the files; envelopes wait for it in a bounded queue (full: the client is told to retry). Files rotate
 * by size and the oldest beyond {@code max_files} are deleted.
 */
final class FileSink implements EnvelopeSink {
    private static final JsonFactory JSON = new JsonFactory();

    private final Path dir;
    private final String prefix;
    private final long maxFileSize;
    private final int maxFiles;
    private final boolean fsync;
    private final ThreadPoolExecutor writer;
    private FileChannel current;
    private long currentSize;
    private long sequence;

    FileSink(String name, Path dir, String prefix, long maxFileSize, int maxFiles, int capacity, boolean fsync) {
        this.dir = dir;
        this.prefix = prefix;
        this.maxFileSize = maxFileSize;
        this.maxFiles = maxFiles;
        this.fsync = fsync;
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(capacity),
                r -> {
                    Thread t = new Thread(r, "replaylink-file-sink-" + name);
                    t.setDaemon(true);
                    return t;
                });
        try {
            Files.createDirectories(dir);
            sequence = existingSequences().stream().mapToLong(Long::longValue).max().orElse(0);
        } catch (IOException e) {
            throw new UncheckedIOException("file sink cannot use " + dir.toAbsolutePath(), e);
        }
    }

    @Override
    public CompletionStage<Void> send(OutgoingEnvelope envelope) {
        Instant received = Instant.now();
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            writer.execute(() -> {
                try {
                    append(line(envelope, received));
                    done.complete(null);
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(new SinkUnavailableException(
                            "file sink cannot write: " + e.getMessage(), Duration.ofSeconds(5)));
                }
            });
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new SinkUnavailableException(
                    "file sink queue is full", Duration.ofSeconds(1)));
        }
        return done;
    }

    @Override
    public boolean takesLinkMessages() {
        return true;
    }

    @Override
    public CompletionStage<Void> sendLink(ReplayLinkMessage link) {
        Instant received = Instant.now();
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            writer.execute(() -> {
                try {
                    append(linkLine(link, received));
                    done.complete(null);
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new SinkUnavailableException("file sink queue is full",
                    Duration.ofSeconds(1)));
        }
        return done;
    }

    @Override
    public CompletionStage<Void> sendOutcome(OutcomeMessage o) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            writer.execute(() -> {
                try {
                    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
                    try (JsonGenerator gen = JSON.createGenerator(out)) {
                        gen.writeStartObject();
                        gen.writeStringField("kind", "outcome");
                        gen.writeNumberField("timestamp", o.timestampSeconds());
                        gen.writeNumberField("project_id", o.projectId());
                        gen.writeStringField("event_id", o.eventId());
                        gen.writeNumberField("outcome", o.outcome());
                        gen.writeStringField("reason", o.reason());
                        gen.writeNumberField("category", o.category());
                        gen.writeNumberField("quantity", o.quantity());
                        gen.writeEndObject();
                    }
                    out.write('\n');
                    append(out.toByteArray());
                    done.complete(null);
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(e);
        }
        return done;
    }

    static byte[] linkLine(ReplayLinkMessage link, Instant received) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator gen = JSON.createGenerator(out)) {
            gen.writeStartObject();
            gen.writeStringField("kind", "event_link");
            gen.writeStringField("received_at", received.toString());
            gen.writeNumberField("project_id", link.projectId());
            gen.writeStringField("replay_id", link.replayId());
            gen.writeStringField("event_id", link.eventId());
            gen.writeFieldName("message");
            gen.writeRawValue(new String(link.message(), StandardCharsets.UTF_8));
            gen.writeEndObject();
        }
        out.write('\n');
        return out.toByteArray();
    }

    static byte[] line(OutgoingEnvelope envelope, Instant received) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator gen = JSON.createGenerator(out)) {
            gen.writeStartObject();
            gen.writeStringField("kind", "envelope");
            gen.writeStringField("received_at", received.toString());
            gen.writeNumberField("project_id", envelope.projectId());
            if (envelope.eventId().isPresent()) {
                gen.writeStringField("event_id", envelope.eventId().get());
            }
            gen.writeFieldName("header");
            JsonValues.write(gen, envelope.header());
            gen.writeArrayFieldStart("items");
            for (OutgoingEnvelope.Item item : envelope.items()) {
                gen.writeStartObject();
                gen.writeFieldName("header");
                JsonValues.write(gen, item.header());
                String json = asJson(item.payload());
                if (json != null) {
                    gen.writeFieldName("payload");
                    gen.writeRawValue(json);
                } else {
                    ByteBuffer p = item.payload();
                    byte[] bytes = new byte[p.remaining()];
                    p.get(bytes);
                    gen.writeStringField("payload_base64", Base64.getEncoder().encodeToString(bytes));
                }
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeEndObject();
        }
        out.write('\n');
        return out.toByteArray();
    }

    /**
     * The payload as text when it is exactly one UTF-8 JSON value on one line, else null (then it is written as
     * base64): a payload with a line break would break the line, and writing its CR LF as something else would make it
     * no longer the payload its {@code length} counts.
     */
    private static String asJson(ByteBuffer payload) {
        if (!payload.hasRemaining()) {
            return null;
        }
        byte first = payload.get(payload.position());
        if (first != '{' && first != '[') {
            return null;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(payload.duplicate()).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        try (JsonParser parser = JSON.createParser(text)) {
            parser.nextToken();
            parser.skipChildren();
            if (parser.nextToken() != null) {
                return null;
            }
        } catch (IOException e) {
            return null;
        }
        return text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 ? null : text;
    }

    private void append(byte[] line) throws IOException {
        if (current == null || currentSize + line.length > maxFileSize && currentSize > 0) {
            rotate();
        }
        ByteBuffer buf = ByteBuffer.wrap(line);
        while (buf.hasRemaining()) {
            current.write(buf);
        }
        currentSize += line.length;
        if (fsync) {
            current.force(false);
        }
    }

    private void rotate() throws IOException {
        if (current != null) {
            current.close();
        }
        sequence++;
        Path file = dir.resolve(String.format("%s-%06d.jsonl", prefix, sequence));
        current = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        currentSize = current.size();
        List<Long> all = existingSequences();
        all.sort(null);
        for (int i = 0; i < all.size() - maxFiles; i++) {
            Files.deleteIfExists(dir.resolve(String.format("%s-%06d.jsonl", prefix, all.get(i))));
        }
    }

    private List<Long> existingSequences() throws IOException {
        Pattern name = Pattern.compile(Pattern.quote(prefix) + "-(\\d+)\\.jsonl");
        List<Long> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> {
                Matcher m = name.matcher(f.getFileName().toString());
                if (m.matches()) {
                    out.add(Long.parseLong(m.group(1)));
                }
            });
        }
        return out;
    }

    @Override
    public CompletionStage<Void> shutdown() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            writer.execute(() -> {
                try {
                    if (current != null) {
                        current.force(false);
                        current.close();
                        current = null;
                    }
                    done.complete(null);
                } catch (IOException e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(e);
        }
        writer.shutdown();
        return done;
    }
}
