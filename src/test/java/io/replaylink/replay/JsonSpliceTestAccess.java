package io.replaylink.replay;

import java.util.Map;

/** JSON parsing helper of the replay tests, for tests in other packages. */
public final class JsonSpliceTestAccess {
    private JsonSpliceTestAccess() {
    }

    public static Map<String, Object> parse(String json) {
        return JsonSpliceTest.parse(json);
    }
}
