package io.replaylink.sampling;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code event.*} fields transaction rules match on, read by streaming (no tree): top-level scalars
 * ({@code event.transaction}, {@code event.release}, {@code event.environment}, {@code event.platform}, ...), tags
 * ({@code event.tags.<name>}, object or list-of-pairs), {@code event.user.*} and {@code event.contexts.<name>.<key>}
 * scalars.
 */
final class EventFields {
    private static final JsonFactory JSON = new JsonFactory();

    private EventFields() {
    }

    static Map<String, Object> read(ByteBuffer payload) {
        Map<String, Object> out = new HashMap<>();
        byte[] bytes;
        int off;
        int len = payload.remaining();
        if (payload.hasArray()) {
            bytes = payload.array();
            off = payload.arrayOffset() + payload.position();
        } else {
            bytes = new byte[len];
            payload.duplicate().get(bytes);
            off = 0;
        }
        try (JsonParser p = JSON.createParser(bytes, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return out;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (t.isScalarValue()) {
                    out.put("event." + field, scalar(p, t));
                } else if (field.equals("tags") && t == JsonToken.START_OBJECT) {
                    scalars(p, "event.tags.", out);
                } else if (field.equals("tags") && t == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_ARRAY) {
                        String k = p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : null;
                        JsonToken vt = p.nextToken();
                        Object v = vt != null && vt.isScalarValue() ? scalar(p, vt) : null;
                        if (vt != null && !vt.isScalarValue()) {
                            p.skipChildren();
                        }
                        JsonToken rest;
                        while ((rest = p.nextToken()) != JsonToken.END_ARRAY && rest != null) {
                            p.skipChildren();
                        }
                        if (k != null) {
                            out.put("event.tags." + k, v);
                        }
                    }
                } else if (field.equals("user") && t == JsonToken.START_OBJECT) {
                    scalars(p, "event.user.", out);
                } else if (field.equals("contexts") && t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        if (p.nextToken() == JsonToken.START_OBJECT) {
                            scalars(p, "event.contexts." + name + ".", out);
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            // best effort: what was read is used
        }
        return out;
    }

    private static void scalars(JsonParser p, String prefix, Map<String, Object> out) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String k = p.currentName();
            JsonToken t = p.nextToken();
            if (t.isScalarValue()) {
                out.put(prefix + k, scalar(p, t));
            } else {
                p.skipChildren();
            }
        }
    }

    private static Object scalar(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> new BigDecimal(p.getText());
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            default -> null;
        };
    }
}
