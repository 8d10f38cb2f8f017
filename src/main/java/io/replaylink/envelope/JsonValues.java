package io.replaylink.envelope;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small JSON values (envelope and item headers) as plain, read-only Java values: maps (in field order), lists,
 * {@code String}, {@code Boolean}, {@code Long}/{@code BigInteger}, {@code BigDecimal} (keeps the decimal digits
 * as sent) and {@code null}. Only used for headers; payloads are never turned into trees here.
 */
public final class JsonValues {
    private JsonValues() {
    }

    /** Reads the value at the parser's current token (which must already be set). */
    public static Object read(JsonParser parser) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == null) {
            throw new com.fasterxml.jackson.core.io.JsonEOFException(parser, null, "unexpected end of input");
        }
        switch (token) {
            case START_OBJECT: {
                Map<String, Object> map = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    map.put(name, read(parser));
                }
                if (parser.currentToken() != JsonToken.END_OBJECT) {
                    throw new com.fasterxml.jackson.core.io.JsonEOFException(parser, null,
                            "unexpected end of input in an object");
                }
                return Collections.unmodifiableMap(map);
            }
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    if (parser.currentToken() == null) {
                        throw new com.fasterxml.jackson.core.io.JsonEOFException(parser, null,
                                "unexpected end of input in a list");
                    }
                    list.add(read(parser));
                }
                return Collections.unmodifiableList(list);
            }
            case VALUE_STRING:
                return parser.getText();
            case VALUE_NUMBER_INT:
                return parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? parser.getBigIntegerValue()
                        : (Object) parser.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return parser.getDecimalValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new com.fasterxml.jackson.core.JsonParseException(parser, "unexpected JSON token " + token);
        }
    }

    public static void write(JsonGenerator gen, Object value) throws IOException {
        if (value == null) {
            gen.writeNull();
        } else if (value instanceof Map<?, ?> map) {
            gen.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                gen.writeFieldName(String.valueOf(e.getKey()));
                write(gen, e.getValue());
            }
            gen.writeEndObject();
        } else if (value instanceof List<?> list) {
            gen.writeStartArray();
            for (Object v : list) {
                write(gen, v);
            }
            gen.writeEndArray();
        } else if (value instanceof String s) {
            gen.writeString(s);
        } else if (value instanceof Boolean b) {
            gen.writeBoolean(b);
        } else if (value instanceof BigDecimal d) {
            gen.writeNumber(d);
        } else if (value instanceof BigInteger i) {
            gen.writeNumber(i);
        } else if (value instanceof Double || value instanceof Float) {
            gen.writeNumber(((Number) value).doubleValue());
        } else if (value instanceof Number n) {
            gen.writeNumber(n.longValue());
        } else {
            throw new IOException("not a JSON value: " + value.getClass().getName());
        }
    }

    /** Heap bytes per header value, an upper estimate: a map entry, its key and a boxed or short value. */
    public static final long BYTES_PER_VALUE = 120;

    /**
     * An estimate of the heap the envelope's parsed headers take ({@link #BYTES_PER_VALUE} a value, string
     * characters on top), so a large header can be charged to a memory budget. Linear in the headers' values.
     */
    public static long treeBytes(Envelope envelope) {
        long bytes = treeBytes(envelope.header().fields());
        for (Item item : envelope.items()) {
            bytes += treeBytes(item.header().fields());
        }
        return bytes;
    }

    private static long treeBytes(Object value) {
        long bytes = BYTES_PER_VALUE;
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                bytes += String.valueOf(e.getKey()).length() + treeBytes(e.getValue());
            }
        } else if (value instanceof List<?> list) {
            for (Object v : list) {
                bytes += treeBytes(v);
            }
        } else if (value instanceof String s) {
            bytes += s.length();
        }
        return bytes;
    }
}
