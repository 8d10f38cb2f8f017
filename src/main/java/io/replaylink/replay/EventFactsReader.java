package io.replaylink.replay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Reads {@link EventFacts} from event JSON: only the few fields linking needs are read, so a large event never
 * becomes a tree. {@link EventFactsScanner} reads the events it is sure of in one pass over their bytes; the others
 * (and it gives up on anything unusual) jackson-core's streaming parser reads, skipping the rest token by token.
 * Malformed JSON yields the facts read so far (linking is best effort; the item is forwarded as it came).
 */
public final class EventFactsReader {
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(256).build()).build();

    private EventFactsReader() {
    }

    public static EventFacts read(ByteBuffer payload) {
        EventFacts fast = scan(payload);
        return fast != null ? fast : readWithJackson(payload);
    }

    /** Payloads up to this size are copied into a per-thread scratch array for the scanner. */
    private static final int SCRATCH_BYTES = 64 * 1024;
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[4096]);
    /** The array jackson parses a copied payload in (not the scanner's: jackson reads after the scanner gave up). */
    private static final ThreadLocal<byte[]> PARSE_SCRATCH = ThreadLocal.withInitial(() -> new byte[4096]);

    /**
     * The scanner's answer, or null when jackson must read the event ({@link EventFactsScanner}). The payload is
     * copied (a per-thread array up to {@link #SCRATCH_BYTES}) with a 0 after it, which the scanner stops at.
     */
    static EventFacts scan(ByteBuffer payload) {
        int length = payload.remaining();
        int needed = length + 1 + EventFactsScanner.PADDING;
        byte[] bytes;
        if (needed > SCRATCH_BYTES) {
            bytes = new byte[needed];
        } else {
            bytes = SCRATCH.get();
            if (bytes.length < needed) {
                bytes = new byte[Math.min(SCRATCH_BYTES, Math.max(needed, bytes.length * 2))];
                SCRATCH.set(bytes);
            }
        }
        payload.get(payload.position(), bytes, 0, length);
        bytes[length] = 0;
        return EventFactsScanner.read(bytes, 0, length);
    }

    /** The reader that decides whenever the scanner is unsure: jackson's streaming parser. */
    static EventFacts readWithJackson(ByteBuffer payload) {
        Builder b = new Builder();
        try (JsonParser p = parser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return b.build();
            }
            // where contexts.replay.replay_id would go (the last "contexts" wins, as in JsonSplice)
            int rootStart = (int) p.currentLocation().getByteOffset();
            boolean rootEmpty = true;
            ReplaySlot slot = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                rootEmpty = false;
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "event_id" -> b.eventId = text(p, value);
                    case "level" -> b.level = text(p, value);
                    case "platform" -> b.platform = text(p, value);
                    case "timestamp" -> b.timestamp = timestamp(p, value);
                    case "contexts" -> slot = readContexts(p, value, b);
                    case "tags" -> readTags(p, value, b);
                    case "request" -> readRequest(p, value, b);
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() == JsonToken.END_OBJECT && p.nextToken() == null && startsAnObject(payload)) {
                b.replaySlot = slot != null ? slot : ReplaySlot.insert(rootStart, 0, !rootEmpty);
            }
        } catch (IOException | RuntimeException e) {
            // best effort: what was read is used (and no slot: enriching parses the event itself)
        }
        return b.build();
    }

    /**
     * Whether the payload starts (after JSON whitespace) with the byte {@code {}: UTF-8, whose byte offsets the
     * slot's are. UTF-16, UTF-32 and a byte-order mark are left to {@link JsonSplice}.
     */
    private static boolean startsAnObject(ByteBuffer payload) {
        for (int i = payload.position(); i < payload.limit(); i++) {
            byte c = payload.get(i);
            if (c == '{') {
                return true;
            }
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return false;
            }
        }
        return false;
    }

    static JsonParser parser(ByteBuffer payload) throws IOException {
        if (payload.hasArray()) {
            return JSON.createParser(payload.array(), payload.arrayOffset() + payload.position(), payload.remaining());
        }
        int length = payload.remaining();
        if (length <= SCRATCH_BYTES) {
            // a read-only or direct buffer of a usual size: copied into this thread's array (one parse at a time
            // uses it), which jackson reads in place; an input stream cost a replay_event's parse more than the parse
            byte[] bytes = PARSE_SCRATCH.get();
            if (bytes.length < length) {
                bytes = new byte[Math.min(SCRATCH_BYTES, Math.max(length, bytes.length * 2))];
                PARSE_SCRATCH.set(bytes);
            }
            payload.get(payload.position(), bytes, 0, length);
            return JSON.createParser(bytes, 0, length);
        }
        // a large one: read through jackson's own (recycled, per-thread) input buffer rather than copied whole
        return JSON.createParser(new ByteBufferInput(payload.duplicate()));
    }

    /** An {@link InputStream} over a buffer's remaining bytes. */
    private static final class ByteBufferInput extends InputStream {
        private final ByteBuffer buffer;

        ByteBufferInput(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public int read() {
            return buffer.hasRemaining() ? buffer.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            if (!buffer.hasRemaining()) {
                return -1;
            }
            int n = Math.min(length, buffer.remaining());
            buffer.get(into, offset, n);
            return n;
        }

        @Override
        public int available() {
            return buffer.remaining();
        }
    }

    /** Reads contexts.replay and contexts.trace; returns where contexts.replay.replay_id goes in this value. */
    private static ReplaySlot readContexts(JsonParser p, JsonToken value, Builder b) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            return replaced(p, 1);
        }
        int start = (int) p.currentLocation().getByteOffset();
        boolean empty = true;
        ReplaySlot slot = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            empty = false;
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if ("replay".equals(name) && v == JsonToken.START_OBJECT) {
                int replayStart = (int) p.currentLocation().getByteOffset();
                boolean[] found = {false, false};
                stringFields(p, (k, text) -> {
                    if ("replay_id".equals(k)) {
                        b.contextReplayId = text;
                    }
                }, (k, isString) -> {
                    found[0] = true;
                    found[1] |= "replay_id".equals(k);
                });
                slot = found[1] ? ReplaySlot.PRESENT : ReplaySlot.insert(replayStart, 2, found[0]);
            } else if ("replay".equals(name)) {
                slot = replaced(p, 2);
            } else if ("trace".equals(name) && v == JsonToken.START_OBJECT) {
                stringFields(p, (k, text) -> {
                    if ("trace_id".equals(k)) {
                        b.contextTraceId = text;
                    }
                });
            } else {
                p.skipChildren();
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new IOException("not a complete JSON object");
        }
        return slot != null ? slot : ReplaySlot.insert(start, 1, !empty);
    }

    /** The parser stands on a value that is not an object: it is skipped, and is where an object goes. */
    private static ReplaySlot replaced(JsonParser p, int depth) throws IOException {
        int valueStart = (int) p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        p.finishToken();
        return ReplaySlot.replace(valueStart, (int) p.currentLocation().getByteOffset() - valueStart, depth);
    }

    private static void readTags(JsonParser p, JsonToken value, Builder b) throws IOException {
        PairConsumer tag = (k, v) -> {
            if ("replayId".equals(k)) {
                b.tagReplayId = v;
            }
        };
        if (value == JsonToken.START_OBJECT) {
            stringFields(p, tag);
        } else if (value == JsonToken.START_ARRAY) {
            readPairs(p, tag);
        } else {
            p.skipChildren();
        }
    }

    private static void readRequest(JsonParser p, JsonToken value, Builder b) throws IOException {
        if (value != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (!"headers".equals(name)) {
                p.skipChildren();
            } else if (v == JsonToken.START_OBJECT) {
                stringFields(p, (k, text) -> header(b, k, text));
            } else if (v == JsonToken.START_ARRAY) {
                readPairs(p, (k, text) -> header(b, k, text));
            } else {
                p.skipChildren();
            }
        }
    }

    /** The string-valued fields of the object the parser stands in; other values are skipped. */
    private static void stringFields(JsonParser p, PairConsumer consumer) throws IOException {
        stringFields(p, consumer, null);
    }

    /** As above; {@code keys} (when given) hears of every key, string-valued or not. */
    private static void stringFields(JsonParser p, PairConsumer consumer, KeyListener keys) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            boolean string = p.nextToken() == JsonToken.VALUE_STRING;
            if (keys != null) {
                keys.key(key, string);
            }
            if (string) {
                consumer.accept(key, p.getText());
            } else {
                p.skipChildren();
            }
        }
        if (keys != null && p.currentToken() != JsonToken.END_OBJECT) {
            throw new IOException("not a complete JSON object");
        }
    }

    private interface KeyListener {
        void key(String key, boolean string);
    }

    private static void header(Builder b, String name, String value) {
        if ("baggage".equalsIgnoreCase(name)) {
            if (b.baggageReplayId == null) {
                b.baggageReplayId = Baggage.value(value, "sentry-replay_id").orElse(null);
            }
        } else if ("sentry-trace".equalsIgnoreCase(name) && b.sentryTrace == null) {
            b.sentryTrace = value;
        }
    }

    /** Reads {@code [["k","v"], ...]} (the list-of-pairs form Sentry uses for tags and headers). */
    private static void readPairs(JsonParser p, PairConsumer consumer) throws IOException {
        while (p.nextToken() == JsonToken.START_ARRAY) {
            String key = null;
            String value = null;
            int index = 0;
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
                if (t == JsonToken.VALUE_STRING && index < 2) {
                    if (index == 0) {
                        key = p.getText();
                    } else {
                        value = p.getText();
                    }
                } else {
                    p.skipChildren();
                }
                index++;
            }
            if (key != null && value != null) {
                consumer.accept(key, value);
            }
        }
        if (p.currentToken() != JsonToken.END_ARRAY) {
            p.skipChildren();
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
                p.skipChildren();
            }
        }
    }

    private interface PairConsumer {
        void accept(String key, String value);
    }

    private static String text(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        p.skipChildren();
        return null;
    }

    private static double timestamp(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT) {
            return p.getDoubleValue();
        }
        if (value == JsonToken.VALUE_STRING) {
            return timestampText(p.getText());
        }
        p.skipChildren();
        return Double.NaN;
    }

    /** A timestamp given as text: RFC 3339 (with or without its zone), or seconds; else NaN. */
    static double timestampText(String s) {
        // the SDKs' form (2026-12-04T10:00:00.000Z) read by hand; anything else as before
        double fast = s.length() > 19 && s.charAt(10) == 'T' && (s.endsWith("Z") || s.charAt(s.length() - 3) == ':')
                ? io.replaylink.envelope.Rfc3339.epochSeconds(s, false, 9) : Double.NaN;
        if (!Double.isNaN(fast)) {
            return fast;
        }
        try {
            OffsetDateTime t = OffsetDateTime.parse(s.endsWith("Z") || s.matches(".*[+-]\\d\\d:\\d\\d$") ? s
                    : s + "Z");
            return t.toEpochSecond() + t.getNano() / 1e9;
        } catch (DateTimeParseException e) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException ignored) {
                return Double.NaN;
            }
        }
    }

    private static final class Builder {
        String eventId;
        String level;
        double timestamp = Double.NaN;
        String platform;
        String contextReplayId;
        String tagReplayId;
        String baggageReplayId;
        String contextTraceId;
        String sentryTrace;
        ReplaySlot replaySlot;

        EventFacts build() {
            return new EventFacts(eventId, level == null ? "error" : level, timestamp, platform, contextReplayId,
                    tagReplayId, baggageReplayId, contextTraceId, sentryTrace, replaySlot);
        }
    }
}
