package io.replaylink.replay;

import java.nio.charset.StandardCharsets;

/**
 * Where {@code contexts.replay.replay_id} goes in an event's bytes, found by {@link EventFactsReader} in the pass
 * that reads the event's facts, so enriching a linked event does not parse it a second time. It says what {@link
 * JsonSplice#ensureField} would do for that path: nothing ({@code present}: the field is there), or remove {@code
 * remove} bytes at {@code at} and put there the members of the path from {@code depth} on (0: {@code
 * "contexts":{"replay":{"replay_id":..}}}, 1: {@code "replay":{..}}, 2: {@code "replay_id":..}), wrapped in braces
 * when they replace a value that is not an object ({@code remove > 0}), followed by a comma when they go first into
 * an object that has members ({@code comma}). Offsets count from the payload's first byte.
 */
public record ReplaySlot(boolean present, int at, int remove, int depth, boolean comma) {
    static final ReplaySlot PRESENT = new ReplaySlot(true, 0, 0, 0, false);

    /** An insertion at the start of an object (just after its brace). */
    static ReplaySlot insert(int at, int depth, boolean objectHasMembers) {
        return new ReplaySlot(false, at, 0, depth, objectHasMembers);
    }

    /** A value that is not an object, replaced by one. */
    static ReplaySlot replace(int at, int remove, int depth) {
        return new ReplaySlot(false, at, remove, depth, false);
    }

    /** The bytes that go at {@code at} in place of {@code remove} bytes (not for a slot that is {@code present}). */
    public byte[] insert(String replayId) {
        StringBuilder text = new StringBuilder(64);
        if (remove > 0) {
            text.append('{');
        }
        String[] path = {"contexts", "replay"};
        for (int i = depth; i < path.length; i++) {
            text.append('"').append(path[i]).append("\":{");
        }
        text.append("\"replay_id\":\"").append(replayId).append('"');
        for (int i = depth; i < path.length; i++) {
            text.append('}');
        }
        if (remove > 0) {
            text.append('}');
        }
        if (comma) {
            text.append(',');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }
}
