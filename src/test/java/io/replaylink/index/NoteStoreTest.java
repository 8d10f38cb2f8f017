package io.replaylink.index;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The why-notes' ring and tables: what is read back is what was written last, in every turn of the ring. */
class NoteStoreTest {

    static String json(Random random, int n) {
        return "{\"n\":" + n + ",\"p\":\"" + "é".repeat(random.nextInt(5)) + "x".repeat(random.nextInt(3000)) + "\"}";
    }

    @Test
    void aNoteReadBackIsTheLastOneWrittenAndTheNewestStaysAsTheRingTurns() {
        Random random = new Random(7);
        NoteStore store = new NoteStore(300, 100, 10, 20_000);
        Map<String, String> last = new HashMap<>();
        for (int n = 0; n < 50_000; n++) {
            String eventId = String.format("%032x", random.nextInt(500));
            String json = json(random, n);
            store.noteEvent(eventId, "trace" + random.nextInt(150), json, 1_000, 0);
            last.put(eventId, json);
            assertThat(store.eventNote(eventId, 0)).as("the newest stays").isEqualTo(json);
            String other = String.format("%032x", random.nextInt(500));
            String read = store.eventNote(other, 0);
            if (read != null) {
                assertThat(read).as("never bytes of another note").isEqualTo(last.get(other));
            }
            assertThat(store.bytes()).isLessThanOrEqualTo(20_000);
        }
        assertThat(store.eventNote(String.format("%032x", 1), 1_000)).as("expired").isNull();
    }

    @Test
    void traceNotesListTheirEventsInOrderUpToTheCapAndFollowAnEventThatMoves() {
        NoteStore store = new NoteStore(1000, 2, 3, 1 << 20);
        for (int n = 0; n < 5; n++) {
            store.noteEvent("e" + n, "t1", "{\"n\":" + n + "}", 100, 0);
        }
        assertThat(store.traceEvents("t1", 0)).containsOnlyKeys("e0", "e1", "e2");
        store.noteEvent("e1", "t2", "{\"moved\":1}", 100, 0);
        assertThat(store.traceEvents("t1", 0)).containsOnlyKeys("e0", "e2");
        assertThat(store.traceEvents("t2", 0)).containsExactlyEntriesOf(new LinkedHashMap<>(Map.of("e1",
                "{\"moved\":1}")));
        store.noteEvent("e3", "t1", "{\"n\":3}", 100, 0);
        assertThat(store.traceEvents("t1", 0)).containsOnlyKeys("e0", "e2", "e3");
        store.noteLearned("t1", "{\"first\":1}", 100, 0);
        store.noteLearned("t1", "{\"second\":1}", 100, 0);
        assertThat(store.learned("t1", 0)).isEqualTo("{\"first\":1}");
        // a third trace: max_traces is 2, so the eldest trace note (t1) goes; its events' notes stay
        store.noteEvent("e9", "t3", "{\"n\":9}", 100, 0);
        assertThat(store.traceEvents("t1", 0)).isEmpty();
        assertThat(store.learned("t1", 0)).isNull();
        assertThat(store.eventNote("e0", 0)).isEqualTo("{\"n\":0}");
        store.noteEvent("e0", "t1", "{\"n\":0,\"again\":1}", 200, 50);
        assertThat(store.traceEvents("t1", 50)).containsOnlyKeys("e0");
        assertThat(store.traceEvents("t1", 200)).as("expired").isEmpty();
    }

    @Test
    void maxNotesBoundsTheEventNotesOldestFirstAndANoteLargerThanTheRingIsNotKept() {
        NoteStore store = new NoteStore(3, 10, 10, 100);
        for (int n = 0; n < 5; n++) {
            store.noteEvent("e" + n, null, "{\"n\":" + n + "}", 100, 0);
        }
        assertThat(store.eventNote("e1", 0)).isNull();
        assertThat(store.eventNote("e2", 0)).isEqualTo("{\"n\":2}");
        store.noteEvent("e4", null, "x".repeat(101), 100, 0);
        assertThat(store.eventNote("e4", 0)).as("the older note of it is gone too").isNull();
        assertThat(store.eventNote("e3", 0)).isEqualTo("{\"n\":3}");
    }
}
