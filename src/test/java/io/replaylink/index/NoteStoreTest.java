package io.replaylink.index;

import io.replaylink.why.LinkNote;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The why-notes' ring of records: what is read back is what was written last, in every turn of the rings. */
class NoteStoreTest {

    static String json(Random random, int n) {
        return "{\"n\":" + n + ",\"p\":\"" + "é".repeat(random.nextInt(5)) + "x".repeat(random.nextInt(3000)) + "\"}";
    }

    static String hex(Random random, int bound) {
        return String.format("%032x", random.nextInt(bound));
    }

    static final String[] LEVELS = {"error", "fatal", "warning", null, "a level with \"quotes\" and é", "x".repeat(65)};
    static final String[] PATHS = {"dsc", "context", "baggage", "index", "held", "backfill", "late", null};

    static LinkNote note(Random random, String eventId, String traceId) {
        boolean linked = random.nextBoolean();
        String replay = !linked ? null : random.nextInt(10) == 0 ? "not-hex-" + random.nextInt(9) : hex(random, 1 << 30);
        return new LinkNote(eventId, traceId, random.nextInt(1000), LEVELS[random.nextInt(LEVELS.length)], linked,
                linked ? PATHS[random.nextInt(PATHS.length)] : null, linked && random.nextBoolean() ? "event_link" : null,
                linked ? null : "waiting", replay, 1_796_378_400_000L + random.nextInt(1_000_000),
                random.nextInt(5) == 0 ? Double.NaN : 1_796_378_400 + random.nextInt(100_000) / 1000.0,
                random.nextBoolean() ? 0 : 1_796_378_500_000L, "host/" + random.nextInt(3) + "#1");
    }

    @Test
    void aNoteReadBackIsTheLastOneWrittenAsTheLinkerWroteItAndTheNewestStaysAsTheRingsTurn() {
        Random random = new Random(7);
        NoteStore store = new NoteStore(300, 10, 60_000);
        Map<String, String> last = new HashMap<>();
        for (int n = 0; n < 50_000; n++) {
            String eventId = random.nextInt(50) == 0 ? "odd-" + random.nextInt(500) : hex(random, 500);
            String traceId = random.nextInt(4) == 0 ? null : random.nextInt(30) == 0 ? "trace" + random.nextInt(150)
                    : hex(random, 150);
            String json;
            if (random.nextInt(3) == 0) {
                json = json(random, n);
                store.noteEvent(eventId, traceId, json, 1_000);
            } else {
                LinkNote note = note(random, eventId, traceId);
                json = note.toJson();
                store.noteLink(note, 1_000);
            }
            last.put(eventId, json);
            assertThat(store.eventNote(eventId, 0)).as("the newest stays").isEqualTo(json);
            String other = random.nextBoolean() ? hex(random, 500) : "odd-" + random.nextInt(500);
            String read = store.eventNote(other, 0);
            if (read != null) {
                assertThat(read).as("never bytes of another note").isEqualTo(last.get(other));
            }
            assertThat(store.bytes()).isLessThanOrEqualTo(60_000);
        }
        assertThat(store.eventNote(String.format("%032x", 1), 1_000)).as("expired").isNull();
    }

    @Test
    void aTraceListsTheEventsWhoseNewestTracedNoteNamesItFirstOnesFirstUpToTheCap() {
        NoteStore store = new NoteStore(1000, 3, 1 << 20);
        for (int n = 0; n < 5; n++) {
            store.noteEvent("e" + n, "t1", "{\"n\":" + n + "}", 100);
        }
        assertThat(store.traceEvents("t1", 0)).containsOnlyKeys("e0", "e1", "e2");
        store.noteEvent("e1", "t2", "{\"moved\":1}", 100);
        assertThat(store.traceEvents("t1", 0)).as("e1 moved: the next one is listed").containsOnlyKeys("e0", "e2",
                "e3");
        assertThat(store.traceEvents("t2", 0)).containsExactlyEntriesOf(Map.of("e1", "{\"moved\":1}"));
        store.noteEvent("e0", null, "{\"late\":1}", 100);
        assertThat(store.traceEvents("t1", 0)).as("a note naming no trace stays with the trace, as its newest")
                .containsEntry("e0", "{\"late\":1}").containsOnlyKeys("e0", "e2", "e3");
        store.noteLearned("t1", "{\"first\":1}", 100);
        store.noteLearned("t1", "{\"second\":1}", 100);
        assertThat(store.learned("t1", 0)).isEqualTo("{\"first\":1}");
        assertThat(store.learned("t2", 0)).isNull();
        store.noteEvent("e3", "t1", "{\"n\":3,\"again\":1}", 200);
        assertThat(store.traceEvents("t1", 150)).as("the others expired").containsOnlyKeys("e3");
        assertThat(store.traceEvents("t1", 200)).as("expired").isEmpty();
        assertThat(store.learned("t1", 100)).isNull();
    }

    @Test
    void maxNotesBoundsTheNotesOfBothKindsOldestFirstAndANoteLargerThanTheByteRingIsNotKept() {
        NoteStore store = new NoteStore(3, 10, 100_000);
        for (int n = 0; n < 4; n++) {
            store.noteEvent("e" + n, null, "{\"n\":" + n + "}", 100);
        }
        assertThat(store.eventNote("e0", 0)).isNull();
        assertThat(store.eventNote("e1", 0)).isEqualTo("{\"n\":1}");
        store.noteLearned("t", "{\"learned\":1}", 100);
        assertThat(store.eventNote("e1", 0)).as("a learned note takes a record too").isNull();
        store.noteEvent("e3", null, "x".repeat(100_000), 100);
        assertThat(store.eventNote("e3", 0)).as("not kept: the older note stays").isEqualTo("{\"n\":3}");
        assertThat(new NoteStore(1_000_000, 10, 1024).bytes()).isZero();
        NoteStore tiny = new NoteStore(1_000_000, 10, 1024);
        for (int n = 0; n < 100; n++) {
            tiny.noteLink(note(new Random(n), hex(new Random(n), 1000), null), 100);
            assertThat(tiny.bytes()).isLessThanOrEqualTo(1024);
        }
    }

    @Test
    void aLinkersNoteTakesNoBytesOfTheByteRing() {
        NoteStore store = new NoteStore(10, 10, 10_000);
        Random random = new Random(3);
        LinkNote note = new LinkNote(hex(random, 1 << 30), hex(random, 1 << 30), 5, "error", true, "dsc", null, null,
                hex(random, 1 << 30), 1_796_378_400_123L, 1_796_378_400.5, 0, "h/1#1");
        store.noteLink(note, 100);
        assertThat(store.bytes()).isEqualTo(NoteStore.RECORD_BYTES);
        assertThat(store.eventNote(note.eventId(), 0)).isEqualTo(note.toJson());
        assertThat(store.traceEvents(note.traceId(), 0)).containsExactlyEntriesOf(Map.of(note.eventId(),
                note.toJson()));
    }
}
