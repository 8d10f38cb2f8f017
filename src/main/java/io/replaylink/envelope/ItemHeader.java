package io.replaylink.envelope;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An item's header line. {@code fields} holds every field as sent, {@code type} included; {@code raw} is the exact
 * line as received, or {@code null} once a field was changed.
 */
public record ItemHeader(ItemType type, Map<String, Object> fields, byte[] raw) {

    public ItemHeader {
        fields = Collections.unmodifiableMap(fields);
    }

    public static ItemHeader of(String type, Map<String, Object> otherFields) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("type", type);
        fields.putAll(otherFields);
        return new ItemHeader(ItemType.of(type), fields, null);
    }

    /** The {@code length} field as sent, if any. */
    public OptionalLong length() {
        return fields.get("length") instanceof Long l ? OptionalLong.of(l) : OptionalLong.empty();
    }

    public Optional<String> contentType() {
        return fields.get("content_type") instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** A copy with {@code field} set (or removed when {@code value} is null); the copy is serialised anew. */
    public ItemHeader with(String field, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(fields);
        if (value == null) {
            copy.remove(field);
        } else {
            copy.put(field, value);
        }
        return new ItemHeader(type, copy, null);
    }
}
