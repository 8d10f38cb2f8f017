package io.replaylink.testing;

import io.replaylink.replay.ReplaySlot;

import java.nio.ByteBuffer;

/** What the linker makes of a payload with a {@link ReplaySlot}: the slot's bytes put in place of its range. */
public final class SlotSplice {
    private SlotSplice() {
    }

    /** The payload with {@code replay_id} set by way of {@code slot}; null when the slot says it is there already. */
    public static byte[] apply(ReplaySlot slot, ByteBuffer payload, String replayId) {
        if (slot.present()) {
            return null;
        }
        byte[] insert = slot.insert(replayId);
        int length = payload.remaining();
        byte[] out = new byte[length - slot.remove() + insert.length];
        payload.get(payload.position(), out, 0, slot.at());
        System.arraycopy(insert, 0, out, slot.at(), insert.length);
        payload.get(payload.position() + slot.at() + slot.remove(), out, slot.at() + insert.length,
                length - slot.at() - slot.remove());
        return out;
    }
}
