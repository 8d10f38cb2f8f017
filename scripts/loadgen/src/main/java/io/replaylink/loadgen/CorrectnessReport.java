package io.replaylink.loadgen;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.replaylink.envelope.JsonValues;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads what the sidecar forwarded (the {@code file} sink's JSON lines: envelopes and event_link messages) and
 * checks it against a stream's expected outcome: each backend error that must be linked is linked to its replay
 * exactly once (inline: {@code contexts.replay.replay_id} in the forwarded event; or by an event_link message), the
 * others never.
 *
 * @param expected   events that must be linked
 * @param linked     events linked exactly once to the right replay
 * @param missing    events that must be linked but are not (event ids)
 * @param duplicates events linked more than once
 * @param wrong      events linked to another replay
 * @param extra      events linked that must not be
 * @param inline     links made inline
 * @param backfilled links made by event_link messages
 */
public record CorrectnessReport(int expected, int linked, List<String> missing, List<String> duplicates,
                                List<String> wrong, List<String> extra, int inline, int backfilled) {
    private static final JsonFactory JSON = new JsonFactory();

    public boolean ok() {
        return missing.isEmpty() && duplicates.isEmpty() && wrong.isEmpty() && extra.isEmpty();
    }

    public String summary() {
        return String.format("links expected %d, found %d (%d inline, %d late), missing %d, duplicates %d, "
                        + "wrong replay %d, extra %d", expected, linked, inline, backfilled, missing.size(),
                duplicates.size(), wrong.size(), extra.size());
    }

    /** Checks the file sink's output under {@code dir} against the stream's expectations. */
    public static CorrectnessReport check(io.replaylink.loadgen.Stream stream, Path dir) {
        Map<String, List<String>> found = new HashMap<>();
        int[] kinds = new int[2];
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    read(line, found, kinds);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return compare(stream, found, kinds[0], kinds[1]);
    }

    /**
     * Checks what an HTTP upstream received ({@link UpstreamRecorder}'s file) against the stream's expectations: an
     * event carrying {@code contexts.replay} is linked inline; an id in {@code error_ids} of a {@code replay_event}
     * is linked late to that replay (the form a late link takes through an http sink).
     */
    public static CorrectnessReport checkUpstream(io.replaylink.loadgen.Stream stream, Path recorded) {
        Map<String, List<String>> found = new HashMap<>();
        int[] kinds = new int[2];
        io.replaylink.envelope.EnvelopeParser parser = new io.replaylink.envelope.EnvelopeParser(
                io.replaylink.envelope.EnvelopeLimits.relayDefaults());
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(
                Files.newInputStream(recorded)))) {
            while (in.available() >= 4) {
                int length = in.readInt();
                byte[] body = in.readNBytes(length);
                if (body.length < length) {
                    break; // a record being written: the next check reads it
                }
                io.replaylink.envelope.Envelope envelope = parser.parse(io.netty.buffer.Unpooled.wrappedBuffer(body));
                try {
                    for (io.replaylink.envelope.Item item : envelope.items()) {
                        String type = item.type().wireName();
                        if (!type.equals("event") && !type.equals("replay_event")) {
                            continue;
                        }
                        Map<String, Object> payload;
                        try (JsonParser p = JSON.createParser(item.payload().toString(
                                java.nio.charset.StandardCharsets.UTF_8))) {
                            payload = object(p);
                        }
                        if (type.equals("event")) {
                            event(payload, found, kinds);
                        } else if (payload.get("error_ids") instanceof List<?> ids
                                && payload.get("replay_id") instanceof String replayId) {
                            for (Object id : ids) {
                                eventLink(Map.of("replay_id", replayId, "error_id", String.valueOf(id)), found, kinds);
                            }
                        }
                    }
                } finally {
                    envelope.release();
                }
            }
        } catch (IOException | io.replaylink.envelope.EnvelopeParseException e) {
            throw new IllegalStateException("cannot read what the upstream received: " + e, e);
        }
        return compare(stream, found, kinds[0], kinds[1]);
    }

    /** Compares links found (event id -> the replay ids it was linked to) with the expectations. */
    static CorrectnessReport compare(io.replaylink.loadgen.Stream stream, Map<String, List<String>> found, int inline,
                                     int backfilled) {
        List<String> missing = new ArrayList<>();
        List<String> duplicates = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        List<String> extra = new ArrayList<>();
        int ok = 0;
        for (Map.Entry<String, String> e : stream.expectedLinks().entrySet()) {
            List<String> replays = found.getOrDefault(e.getKey(), List.of());
            if (replays.isEmpty()) {
                missing.add(e.getKey());
            } else if (replays.stream().anyMatch(r -> !r.equals(e.getValue()))) {
                wrong.add(e.getKey());
            } else if (replays.size() > 1) {
                duplicates.add(e.getKey());
            } else {
                ok++;
            }
        }
        for (String e : stream.expectedUnlinked()) {
            if (found.containsKey(e)) {
                extra.add(e);
            }
        }
        return new CorrectnessReport(stream.expectedLinks().size(), ok, missing, duplicates, wrong, extra, inline,
                backfilled);
    }

    /** The JSON object the parser stands before (an empty map for any other value). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(JsonParser p) throws IOException {
        p.nextToken();
        return JsonValues.read(p) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static void read(String line, Map<String, List<String>> found, int[] kinds) throws IOException {
        Map<String, Object> record;
        try (JsonParser p = JSON.createParser(line)) {
            record = object(p);
        }
        if ("event_link".equals(record.get("kind"))) {
            if (record.get("replay_id") instanceof String replayId && record.get("event_id") instanceof String eventId) {
                eventLink(Map.of("replay_id", replayId, "error_id", eventId), found, kinds);
            }
            return;
        }
        if (!"envelope".equals(record.get("kind")) || !(record.get("items") instanceof List<?> items)) {
            return;
        }
        for (Object i : items) {
            Map<String, Object> item = (Map<String, Object>) i;
            Map<String, Object> header = (Map<String, Object>) item.get("header");
            if ("event".equals(header.get("type")) && item.get("payload") instanceof Map<?, ?> payload) {
                event((Map<String, Object>) payload, found, kinds);
            }
        }
    }

    /** A forwarded backend event linked inline: {@code contexts.replay.replay_id} (browser events do not count). */
    static void event(Map<String, Object> payload, Map<String, List<String>> found, int[] kinds) {
        if (payload.get("contexts") instanceof Map<?, ?> contexts
                && contexts.get("replay") instanceof Map<?, ?> replay
                && replay.get("replay_id") instanceof String replayId
                && payload.get("event_id") instanceof String eventId
                && !"javascript".equals(payload.get("platform"))) {
            found.computeIfAbsent(eventId, k -> new ArrayList<>()).add(replayId);
            kinds[0]++;
        }
    }

    /** A link made later: an event_link message (the event id under its level's key, {@code error_id} etc.). */
    static void eventLink(Map<String, Object> inner, Map<String, List<String>> found, int[] kinds) {
        for (Map.Entry<String, Object> e : inner.entrySet()) {
            if (e.getKey().endsWith("_id") && !e.getKey().equals("replay_id") && e.getValue() instanceof String id) {
                found.computeIfAbsent(id, k -> new ArrayList<>()).add((String) inner.get("replay_id"));
                kinds[1]++;
                return;
            }
        }
    }
}
