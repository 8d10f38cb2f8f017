package io.replaylink.replay;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The slot found while reading an event's facts splices exactly what {@link JsonSplice#ensureField} splices (the
 * oracle), on hand-made shapes and on many mutations of them, from heap and from direct buffers.
 */
class ReplaySlotTest {
    static final String ID = "0123456789abcdef0123456789abcdef";
    static final List<String> SHAPES = List.of(
            "{\"event_id\":\"e\",\"contexts\":{\"trace\":{\"trace_id\":\"t\"}},\"level\":\"error\"}",
            "{\"event_id\":\"e\"}",
            "{}",
            " \n{ } ",
            "{\"contexts\":{}}",
            "{\"contexts\":null,\"x\":1}",
            "{\"contexts\":[1,2,{\"replay\":{}}],\"y\":[1]}",
            "{\"contexts\":{\"replay\":{}}}",
            "{\"contexts\":{\"replay\":{\"replay_id\":\"r\"}}}",
            "{\"contexts\":{\"replay\":{\"replay_id\":null}}}",
            "{\"contexts\":{\"replay\":{\"other\":1}}}",
            "{\"contexts\":{\"replay\":\"text\",\"trace\":{}}}",
            "{\"contexts\":{\"replay\":{\"replay_id\":\"r\"},\"replay\":{}}}",
            "{\"contexts\":{\"replay\":{}},\"contexts\":{\"trace\":{}}}",
            "{\"contexts\":{\"trace\":{}},\"contexts\":5}",
            "{\"a\":{\"contexts\":{}},\"b\":[{\"contexts\":null}],\"timestamp\":\"2026-12-04T10:00:00Z\"}",
            "{\"contexts\":{\"replay\":{\"replay_id\":\"r\",\"x\":{\"replay_id\":1}}}}",
            "{\"tags\":[[\"replayId\",\"x\"]],\"request\":{\"headers\":[[\"baggage\",\"sentry-replay_id=y\"]]}}",
            "{\"contexts\":{\"replay\":{\"x\":[{\"y\":{}}]}},\"n\":1.5e3}",
            "{\"contexts\" : { \"replay\" : { } } }");

    /** {@code text} with one to three characters set, deleted or inserted (from {@code alphabet}) at random places. */
    static String mutated(String text, Random random, String alphabet) {
        StringBuilder s = new StringBuilder(text);
        for (int e = random.nextInt(3); e >= 0 && s.length() > 0; e--) {
            int at = random.nextInt(s.length());
            switch (random.nextInt(3)) {
                case 0 -> s.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                case 1 -> s.deleteCharAt(at);
                default -> s.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
            }
        }
        return s.toString();
    }

    @Test
    void splicesAsJsonSpliceDoes() {
        Random random = new Random(3);
        String alphabet = "{}[]\":,0 ntrepplayidcxs_\\";
        int compared = 0;
        int slotted = 0;
        for (String shape : SHAPES) {
            for (int i = 0; i < 4000; i++) {
                String s = i == 0 ? shape : mutated(shape, random, alphabet);
                byte[] json = s.toString().getBytes(StandardCharsets.UTF_8);
                byte[] expected = JsonSplice.ensureField(json, 0, json.length, List.of("contexts", "replay"),
                        "replay_id", "\"" + ID + "\"");
                // the payload sits inside a larger array, as an item's payload does
                byte[] framed = new byte[json.length + 10];
                System.arraycopy(json, 0, framed, 5, json.length);
                ByteBuffer heap = ByteBuffer.wrap(framed, 5, json.length).slice();
                ByteBuffer direct = ByteBuffer.allocateDirect(json.length).put(json).flip();
                for (ByteBuffer payload : List.of(heap, direct.asReadOnlyBuffer())) {
                    ReplaySlot slot = EventFactsReader.read(payload).replaySlot();
                    if (slot == null) {
                        assertThat(expected).as(s.toString()).isNull();
                        continue;
                    }
                    slotted++;
                    byte[] actual = io.replaylink.testing.SlotSplice.apply(slot, payload, ID);
                    assertThat(actual == null ? null : new String(actual, StandardCharsets.UTF_8)).as(s.toString())
                            .isEqualTo(expected == null ? null : new String(expected, StandardCharsets.UTF_8));
                }
                compared++;
            }
        }
        assertThat(compared).isEqualTo(SHAPES.size() * 4000);
        assertThat(slotted).isGreaterThan(compared / 4);
    }
}
