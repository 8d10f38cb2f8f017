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
        try (JsonParser p = JSON.createParser(json, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Edit edit = inObject(p, path, 0, field, rawValue);
            if (edit == null) {
                return null;
            }
            byte[] insert = edit.text.getBytes(StandardCharsets.UTF_8);
            int at = offset + edit.at;
            int end = offset + length;
            byte[] out = new byte[length - edit.remove + insert.length];
            System.arraycopy(json, offset, out, 0, edit.at);
            System.arraycopy(insert, 0, out, edit.at, insert.length);
            System.arraycopy(json, at + edit.remove, out, edit.at + insert.length, end - at - edit.remove);
            return out;
        } catch (IOException e) {
            return null;
        }
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
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            empty = false;
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (!name.equals(wanted)) {
                p.skipChildren();
                continue;
            }
            if (depth == path.size()) {
                return null;
            }
            if (value == JsonToken.START_OBJECT) {
                return inObject(p, path, depth + 1, field, rawValue);
            }
            int valueStart = (int) p.currentTokenLocation().getByteOffset();
            p.skipChildren();
            p.finishToken();
            int valueEnd = (int) p.currentLocation().getByteOffset();
            return new Edit(valueStart, valueEnd - valueStart, "{" + nested(path, depth + 1, field, rawValue) + "}");
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new IOException("not a complete JSON object");
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
