package io.replaylink.testing;

import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes MessagePack as Sentry's consumers do (rmp/msgpack into plain maps): for reading the kafka sink's
 * messages back (the load test's correctness report, the tests' assertions).
 */
public final class MsgpackValues {
    private MsgpackValues() {
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(byte[] bytes) throws IOException {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
            Object v = read(u);
            if (u.hasNext()) {
                throw new IOException("trailing bytes after the message");
            }
            return (Map<String, Object>) v;
        }
    }

    static Object read(MessageUnpacker u) throws IOException {
        ValueType t = u.getNextFormat().getValueType();
        switch (t) {
            case NIL -> {
                u.unpackNil();
                return null;
            }
            case BOOLEAN -> {
                return u.unpackBoolean();
            }
            case INTEGER -> {
                return u.unpackLong();
            }
            case FLOAT -> {
                return u.unpackDouble();
            }
            case STRING -> {
                return u.unpackString();
            }
            case BINARY -> {
                return u.readPayload(u.unpackBinaryHeader());
            }
            case ARRAY -> {
                int n = u.unpackArrayHeader();
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(read(u));
                }
                return list;
            }
            case MAP -> {
                int n = u.unpackMapHeader();
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) {
                    map.put(u.unpackString(), read(u));
                }
                return map;
            }
            default -> throw new IOException("unexpected msgpack type " + t);
        }
    }
}
