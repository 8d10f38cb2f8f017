package io.replaylink.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.replaylink.envelope.JsonValues;
import io.replaylink.replay.JsonSplice;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Enrichment of an event with {@code contexts.replay.replay_id}: the byte splice ReplayLink uses, beside parsing the
 * whole event into a tree and writing it back (the obvious alternative), on a 2 KB and a 200 KB event.
 */
@State(Scope.Thread)
public class SpliceBenchmark {
    private static final JsonFactory JSON = new JsonFactory();
    private static final List<String> PATH = List.of("contexts", "replay");
    private static final String REPLAY = "\"0123456789abcdef0123456789abcdef\"";

    @Param({"event_2k", "event_200k"})
    public String shape;

    private byte[] event;

    @Setup
    public void setUp() {
        byte[] envelope = EnvelopeCodecBenchmark.Payloads.errorEnvelope(shape.equals("event_2k") ? 2 * 1024 : 200 * 1024);
        String text = new String(envelope, java.nio.charset.StandardCharsets.UTF_8);
        String payload = text.split("\n")[2];
        event = payload.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            byte[] spliced = splice();
            byte[] tree = parseAndReserialise();
            if (spliced == null || !parse(spliced).equals(parse(tree))) {
                throw new IllegalStateException("splice and reserialise disagree on " + shape);
            }
        } catch (IOException e) {
            throw new IllegalStateException("the benchmark event is not valid JSON", e);
        }
    }

    private static Object parse(byte[] json) throws IOException {
        try (JsonParser p = JSON.createParser(json)) {
            p.nextToken();
            return JsonValues.read(p);
        }
    }

    public int size() {
        return event.length;
    }

    @Benchmark
    public byte[] splice() {
        return JsonSplice.ensureField(event, 0, event.length, PATH, "replay_id", REPLAY);
    }

    @Benchmark
    @SuppressWarnings("unchecked")
    public byte[] parseAndReserialise() throws IOException {
        Map<String, Object> tree;
        try (JsonParser p = JSON.createParser(event)) {
            p.nextToken();
            tree = new LinkedHashMap<>((Map<String, Object>) JsonValues.read(p));
        }
        Map<String, Object> contexts = tree.get("contexts") instanceof Map<?, ?> m
                ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
        contexts.put("replay", Map.of("replay_id", "0123456789abcdef0123456789abcdef"));
        tree.put("contexts", contexts);
        ByteArrayOutputStream out = new ByteArrayOutputStream(event.length + 64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            JsonValues.write(g, tree);
        }
        return out.toByteArray();
    }
}
