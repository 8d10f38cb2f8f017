package io.replaylink.why;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What became of one event, as kept in the index (a flat JSON object, a few hundred bytes) so that every sidecar
 * sharing it answers the same: linked (to which replay, by which path, in which late form, when, by which instance)
 * or not, and why.
 *
 * @param eventId   32 hex
 * @param traceId   32 hex, or null
 * @param projectId the event's project
 * @param level     the event's level, or null
 * @param linked    whether it is linked
 * @param path      how it was linked: dsc, context, baggage, index, held, backfill, late; null when not linked
 * @param form      a late link's form: {@code event_link} (a message to the sinks) or {@code error_ids} (carried by
 *                  a replay_event of the replay, now or at its next segment); null otherwise
 * @param reason    why it is not linked ({@link UnlinkedReason#label}); null when linked
 * @param replayId  the replay, when linked
 * @param atMillis  when this was noted (unix ms)
 * @param eventAt   the event's own time (unix seconds)
 * @param expiresAt a waiting event: until when it waits (unix ms); else 0
 * @param by        the instance that noted it
 */
public record LinkNote(String eventId, String traceId, long projectId, String level, boolean linked, String path,
                       String form, String reason, String replayId, long atMillis, double eventAt, long expiresAt,
                       String by) implements java.util.function.Supplier<String> {

    /**
     * The note's JSON ({@link #toJson}), made when a store asks for it: by the SPI's default as the note is written;
     * the in-process index keeps the fields instead and makes it when the note is read.
     */
    @Override
    public String get() {
        return toJson();
    }

    private static final JsonFactory JSON = new JsonFactory();

    public String toJson() {
        StringBuilder b = new StringBuilder(320).append("{\"event_id\":");
        string(b, eventId);
        b.append(",\"trace_id\":");
        string(b, traceId);
        b.append(",\"project_id\":").append(projectId).append(",\"level\":");
        string(b, level);
        b.append(",\"linked\":").append(linked).append(",\"path\":");
        string(b, path);
        b.append(",\"form\":");
        string(b, form);
        b.append(",\"reason\":");
        string(b, reason);
        b.append(",\"replay_id\":");
        string(b, replayId);
        b.append(",\"at\":").append(atMillis).append(",\"event_at\":");
        seconds(b, eventAt);
        b.append(",\"expires_at\":").append(expiresAt).append(",\"by\":");
        string(b, by);
        return b.append('}').toString();
    }

    /**
     * Unix seconds to the millisecond, in plain decimals ({@code 1796378400.125}): without the cost of printing a
     * double, which was a third of a note's. NaN is 0; a time out of range is printed as a double.
     */
    static void seconds(StringBuilder b, double seconds) {
        if (Double.isNaN(seconds)) {
            b.append(0);
            return;
        }
        if (seconds < 0 || seconds >= 1e12) {
            b.append(seconds);
            return;
        }
        long millis = Math.round(seconds * 1000);
        long fraction = millis % 1000;
        b.append(millis / 1000);
        if (fraction != 0) {
            b.append('.').append((char) ('0' + fraction / 100)).append((char) ('0' + fraction / 10 % 10));
            if (fraction % 10 != 0) {
                b.append((char) ('0' + fraction % 10));
            }
        }
    }

    /** {@code s} as a JSON string (or null). */
    public static String quoted(String s) {
        StringBuilder b = new StringBuilder(s == null ? 4 : s.length() + 2);
        string(b, s);
        return b.toString();
    }

    static void string(StringBuilder b, String s) {
        if (s == null) {
            b.append("null");
            return;
        }
        b.append('"');
        if (plain(s)) {
            b.append(s); // ids, paths, reasons: nothing to escape (the common case, without a copy)
        } else {
            b.append(JsonStringEncoder.getInstance().quoteAsString(s));
        }
        b.append('"');
    }

    /** Printable ASCII without {@code "} or {@code \\}: written as it is. */
    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /** The note in {@code json}, or null when it is not one. */
    public static LinkNote parse(String json) {
        Map<String, Object> f = flat(json);
        if (f == null || !(f.get("event_id") instanceof String eventId)) {
            return null;
        }
        return new LinkNote(eventId, str(f, "trace_id"), num(f, "project_id").longValue(), str(f, "level"),
                Boolean.TRUE.equals(f.get("linked")), str(f, "path"), str(f, "form"), str(f, "reason"),
                str(f, "replay_id"), num(f, "at").longValue(), num(f, "event_at").doubleValue(),
                num(f, "expires_at").longValue(), str(f, "by"));
    }

    static String str(Map<String, Object> f, String key) {
        return f.get(key) instanceof String s ? s : null;
    }

    static Number num(Map<String, Object> f, String key) {
        return f.get(key) instanceof Number n ? n : 0;
    }

    /** A flat JSON object's scalar fields (strings, numbers, booleans, nulls), or null when it is not one. */
    static Map<String, Object> flat(String json) {
        if (json == null) {
            return null;
        }
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (t) {
                    case VALUE_STRING -> out.put(name, p.getText());
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> out.put(name, p.getNumberValue());
                    case VALUE_TRUE -> out.put(name, true);
                    case VALUE_FALSE -> out.put(name, false);
                    case VALUE_NULL -> out.put(name, null);
                    default -> p.skipChildren();
                }
            }
            return out;
        } catch (IOException e) {
            return null;
        }
    }
}
