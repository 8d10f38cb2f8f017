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

    private static final byte[] LENGTH_KEY = "\"length\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * A copy with {@code length} set. When the line as received has one {@code "length":N}, and it is the header's
     * own field, the copy keeps that line with N replaced (nothing else of it is written anew); otherwise as
     * {@link #with}. A {@code "length"} inside a string has its quotes escaped, so it is never taken for the field.
     */
    public ItemHeader withLength(long length) {
        if (raw == null || !(fields.get("length") instanceof Long)) {
            return with("length", length);
        }
        int at = -1;
        for (int i = indexOf(raw, 0); i >= 0; i = indexOf(raw, i + 1)) {
            if (at >= 0) {
                return with("length", length);
            }
            at = i;
        }
        if (at < 0) {
            return with("length", length);
        }
        int i = at + LENGTH_KEY.length;
        while (i < raw.length && (raw[i] == ' ' || raw[i] == '\t')) {
            i++;
        }
        if (i >= raw.length || raw[i] != ':') {
            return with("length", length);
        }
        i++;
        while (i < raw.length && (raw[i] == ' ' || raw[i] == '\t')) {
            i++;
        }
        int digits = i;
        while (i < raw.length && raw[i] >= '0' && raw[i] <= '9') {
            i++;
        }
        if (i == digits) {
            return with("length", length);
        }
        byte[] number = Long.toString(length).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] line = new byte[raw.length - (i - digits) + number.length];
        System.arraycopy(raw, 0, line, 0, digits);
        System.arraycopy(number, 0, line, digits, number.length);
        System.arraycopy(raw, i, line, digits + number.length, raw.length - i);
        Map<String, Object> copy = new java.util.LinkedHashMap<>(fields);
        copy.put("length", length);
        return new ItemHeader(type, copy, line);
    }

    private static int indexOf(byte[] bytes, int from) {
        outer:
        for (int i = from; i <= bytes.length - LENGTH_KEY.length; i++) {
            for (int k = 0; k < LENGTH_KEY.length; k++) {
                if (bytes[i + k] != LENGTH_KEY[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
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
