package io.replaylink.replay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Adds one field to a JSON document by splicing bytes: the document is scanned with jackson-core's streaming parser
 * to find where the field belongs, and the result is the bytes before that point, the new field, and the bytes
 * after it. Every other byte stays as it was; no tree is built. Missing objects on the path are created; a path
 * member that is not an object (e.g. {@code "contexts": null}) is replaced by one.
 */
public final class JsonSplice {
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(256).build()).build();

    private JsonSplice() {
    }

    /**
     * The document with {@code field: rawValue} set in the object at {@code path} (from the root), or null when the
     * field is already there or the document is not a JSON object. {@code rawValue} is JSON text.
     */
    public static byte[] ensureField(byte[] json, int offset, int length, List<String> path, String field,
                                     String rawValue) {
        if (!startsAnObject(json, offset, length)) {
            return null;
        }
        try (JsonParser p = JSON.createParser(json, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Edit edit = inObject(p, path, 0, field, rawValue);
            return edit == null || !endsHere(p) ? null : apply(json, offset, length, edit);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The document with {@code strings} appended to the array {@code field} of the root object (created when absent,
     * replacing a value that is not an array), leaving out strings the array holds already; null when nothing is
     * added or the document is not a JSON object. The strings must need no JSON escaping (ids).
     */
    public static byte[] appendStrings(byte[] json, int offset, int length, String field, List<String> strings) {
        if (!startsAnObject(json, offset, length)) {
            return null;
        }
        try (JsonParser p = JSON.createParser(json, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            int objectStart = (int) p.currentLocation().getByteOffset();
            boolean empty = true;
            Edit edit = null;
            while (edit == null && p.nextToken() == JsonToken.FIELD_NAME) {
                empty = false;
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (!name.equals(field)) {
                    p.skipChildren();
                    continue;
                }
                int valueStart = (int) p.currentTokenLocation().getByteOffset();
                if (value != JsonToken.START_ARRAY) {
                    p.skipChildren();
                    p.finishToken();
                    int valueEnd = (int) p.currentLocation().getByteOffset();
                    edit = new Edit(valueStart, valueEnd - valueStart, "[" + members(strings, List.of(), false) + "]");
                    break;
                }
                List<String> present = new java.util.ArrayList<>();
                boolean arrayEmpty = true;
                JsonToken t;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == null) {
                        throw new IOException("not a complete JSON array");
                    }
                    arrayEmpty = false;
                    if (t == JsonToken.VALUE_STRING) {
                        present.add(p.getText());
                    } else {
                        p.skipChildren();
                    }
                }
                int close = (int) p.currentTokenLocation().getByteOffset();
                String items = members(strings, present, !arrayEmpty);
                edit = items.isEmpty() ? null : new Edit(close, 0, items);
                if (edit == null) {
                    return null;
                }
            }
            if (edit == null) {
                if (p.currentToken() != JsonToken.END_OBJECT) {
                    throw new IOException("not a complete JSON object");
                }
                String member = "\"" + field + "\":[" + members(strings, List.of(), false) + "]";
                edit = new Edit(objectStart, 0, empty ? member : member + ",");
            } else {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    p.nextToken();
                    p.skipChildren();
                }
                if (p.currentToken() != JsonToken.END_OBJECT) {
                    throw new IOException("not a complete JSON object");
                }
            }
            return endsHere(p) ? apply(json, offset, length, edit) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** {@code "a","b"} for the strings not {@code present} (with a leading comma when {@code after} members). */
    private static String members(List<String> strings, List<String> present, boolean after) {
        StringBuilder s = new StringBuilder();
        for (String v : strings) {
            if (present.contains(v) || s.indexOf("\"" + v + "\"") >= 0) {
                continue;
            }
            if (s.length() > 0 || after) {
                s.append(',');
            }
            s.append('"').append(v).append('"');
        }
        return s.toString();
    }

    /** Whether nothing but whitespace follows the root object: a document with more after it is left alone. */
    private static boolean endsHere(JsonParser p) throws IOException {
        return p.nextToken() == null;
    }

    /**
     * Whether the document starts (after JSON whitespace) with {@code {} as a byte: UTF-8, whose byte offsets are
     * the splice's. UTF-16 and UTF-32 (which jackson would detect) and a byte-order mark are left alone.
     */
    private static boolean startsAnObject(byte[] json, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = json[i];
            if (b == '{') {
                return true;
            }
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return false;
    }

    private static byte[] apply(byte[] json, int offset, int length, Edit edit) {
        byte[] insert = edit.text.getBytes(StandardCharsets.UTF_8);
        int at = offset + edit.at;
        int end = offset + length;
        byte[] out = new byte[length - edit.remove + insert.length];
        System.arraycopy(json, offset, out, 0, edit.at);
        System.arraycopy(insert, 0, out, edit.at, insert.length);
        System.arraycopy(json, at + edit.remove, out, edit.at + insert.length, end - at - edit.remove);
        return out;
    }

    /** Replace {@code remove} bytes at {@code at} (relative to the document start) with {@code text}. */
    private record Edit(int at, int remove, String text) {
    }

    /** The parser stands on the START_OBJECT of the object at {@code path[0..depth)}. */
    private static Edit inObject(JsonParser p, List<String> path, int depth, String field, String rawValue)
            throws IOException {
        int objectStart = (int) p.currentLocation().getByteOffset();
        boolean empty = true;
        String wanted = depth < path.size() ? path.get(depth) : field;
        boolean matched = false;
        Edit found = null;
        // the whole object is read: with a key given twice, the last one is the one parsers keep (serde, Python's
        // json), so the edit goes there
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            empty = false;
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (!name.equals(wanted)) {
                p.skipChildren();
                continue;
            }
            matched = true;
            if (depth == path.size()) {
                p.skipChildren();
                found = null;
            } else if (value == JsonToken.START_OBJECT) {
                found = inObject(p, path, depth + 1, field, rawValue);
            } else {
                int valueStart = (int) p.currentTokenLocation().getByteOffset();
                p.skipChildren();
                p.finishToken();
                int valueEnd = (int) p.currentLocation().getByteOffset();
                found = new Edit(valueStart, valueEnd - valueStart,
                        "{" + nested(path, depth + 1, field, rawValue) + "}");
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new IOException("not a complete JSON object");
        }
        if (matched) {
            return found;
        }
        String member = nested(path, depth, field, rawValue);
        return new Edit(objectStart, 0, empty ? member : member + ",");
    }

    /** {@code "a":{"b":{"field":raw}}} for the path members from {@code depth} on. */
    private static String nested(List<String> path, int depth, String field, String rawValue) {
        StringBuilder s = new StringBuilder();
        for (int i = depth; i < path.size(); i++) {
            s.append('"').append(path.get(i)).append("\":{");
        }
        s.append('"').append(field).append("\":").append(rawValue);
        for (int i = depth; i < path.size(); i++) {
            s.append('}');
        }
        return s.toString();
    }
}
