package io.replaylink.envelope;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The first line of an envelope. {@code fields} holds every field as sent (unknown ones included); {@code raw} is
 * the exact line as received, or {@code null} once a field was changed, in which case the writer serialises
 * {@code fields}.
 */
public record EnvelopeHeader(Map<String, Object> fields, byte[] raw) {

    public EnvelopeHeader {
        fields = Collections.unmodifiableMap(fields);
    }

    public static EnvelopeHeader of(Map<String, Object> fields) {
        return new EnvelopeHeader(new LinkedHashMap<>(fields), null);
    }

    public Optional<String> eventId() {
        return string("event_id");
    }

    public Optional<String> dsn() {
        return string("dsn");
    }

    /** The dynamic sampling context ({@code trace}), when present. */
    @SuppressWarnings("unchecked")
    public Optional<Map<String, Object>> trace() {
        return fields.get("trace") instanceof Map<?, ?> m ? Optional.of((Map<String, Object>) m) : Optional.empty();
    }

    public Optional<String> string(String field) {
        return fields.get(field) instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** A copy with {@code field} set (or removed when {@code value} is null); the copy is serialised anew. */
    public EnvelopeHeader with(String field, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(fields);
        if (value == null) {
            copy.remove(field);
        } else {
            copy.put(field, value);
        }
        return new EnvelopeHeader(copy, null);
    }
}
