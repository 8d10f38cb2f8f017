package io.replaylink.index;

import io.replaylink.spi.ReplayIndex;
import io.replaylink.spi.ReplayIndex.PendingEvent;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class MemoryReplayIndexTest {
    final AtomicLong now = new AtomicLong(1_000_000);
    final IndexSettings settings = new IndexSettings("t", 60, 30, 3, 5, 1000);

    MemoryReplayIndex index(int maxTraces, long maxBytes) {
        return new MemoryReplayIndex(settings, maxTraces, maxBytes, now::get);
    }

    static PendingEvent event(String id) {
        return new PendingEvent(id, 1, 1.0, "error");
    }

    static <T> T get(java.util.concurrent.CompletionStage<T> s) {
        return s.toCompletableFuture().join();
    }

    @Test
    void eventFirstIsRememberedAndDrainedUntilAcknowledged() {
        MemoryReplayIndex i = index(100, 1 << 20);
        assertThat(get(i.lookupOrRemember("t1", Optional.of(event("e1"))))).isEmpty();
        assertThat(get(i.lookupOrRemember("t1", Optional.of(event("e1"))))).as("a retry").isEmpty();
        assertThat(get(i.lookupOrRemember("t1", Optional.of(event("e2"))))).isEmpty();
        assertThat(get(i.recordAndDrain("t1", "r1"))).extracting(PendingEvent::eventId).containsExactly("e1", "e2");
        assertThat(get(i.recordAndDrain("t1", "r2"))).as("another replay drains nothing").isEmpty();
        assertThat(get(i.recordAndDrain("t1", "r1"))).as("claimed by the first record's lease").isEmpty();
        now.addAndGet(1000);
        assertThat(get(i.recordAndDrain("t1", "r1"))).as("the lease ran out, not acknowledged: drained again")
                .extracting(PendingEvent::eventId).containsExactly("e1", "e2");
        get(i.acknowledgeDrained("t1", List.of("e1")));
        get(i.releaseDrained("t1", List.of("e2")));
        assertThat(get(i.recordAndDrain("t1", "r1"))).as("released: drained again at once")
                .extracting(PendingEvent::eventId).containsExactly("e2");
        get(i.acknowledgeDrained("t1", List.of("e2")));
        now.addAndGet(1000);
        assertThat(get(i.recordAndDrain("t1", "r1"))).isEmpty();
        assertThat(get(i.lookupOrRemember("t1", Optional.of(event("e3"))))).hasValue("r1");
    }

    @Test
    void firstReplayWins() {
        MemoryReplayIndex i = index(100, 1 << 20);
        get(i.recordAndDrain("t1", "r1"));
        get(i.recordAndDrain("t1", "r2"));
        assertThat(get(i.lookupOrRemember("t1", Optional.empty()))).hasValue("r1");
    }

    @Test
    void pendingIsBoundedPerTrace() {
        MemoryReplayIndex i = index(100, 1 << 20);
        for (int n = 0; n < 10; n++) {
            get(i.lookupOrRemember("t1", Optional.of(event("e" + n))));
        }
        assertThat(get(i.recordAndDrain("t1", "r"))).hasSize(3);
    }

    @Test
    void mappingAndPendingExpire() {
        MemoryReplayIndex i = index(100, 1 << 20);
        get(i.recordAndDrain("t1", "r1"));
        get(i.lookupOrRemember("t2", Optional.of(event("e"))));
        now.addAndGet(31_000);
        assertThat(get(i.recordAndDrain("t2", "r2"))).as("pending expired after 30 s").isEmpty();
        assertThat(get(i.lookupOrRemember("t1", Optional.empty()))).hasValue("r1");
        now.addAndGet(30_000);
        assertThat(get(i.lookupOrRemember("t1", Optional.empty()))).as("mapping expired after 60 s").isEmpty();
    }

    @Test
    void tracesAreBoundedByCountAndBytes() {
        MemoryReplayIndex byCount = index(10, 1 << 20);
        for (int n = 0; n < 100; n++) {
            get(byCount.recordAndDrain("t" + n, "r"));
        }
        assertThat(byCount.size()).isEqualTo(10);
        assertThat(get(byCount.lookupOrRemember("t99", Optional.empty()))).hasValue("r");
        assertThat(get(byCount.lookupOrRemember("t0", Optional.empty()))).isEmpty();
        MemoryReplayIndex byBytes = index(1000, 2000);
        for (int n = 0; n < 100; n++) {
            get(byBytes.lookupOrRemember("t" + n, Optional.of(event("e"))));
        }
        assertThat(byBytes.bytes()).isLessThanOrEqualTo(2000);
        assertThat(byBytes.size()).isLessThan(100).isPositive();
    }

    @Test
    void pendingCodecRoundTrips() {
        PendingEvent e = new PendingEvent("9ec79c33ec9942ab8353589fcb2e04dc", 42, 1732600000.125, "fatal");
        assertThat(PendingEvents.decode(PendingEvents.encode(e))).isEqualTo(e);
        assertThat(PendingEvents.decode("garbage")).isNull();
        assertThat(List.of(1)).isNotEmpty();
    }

    @Test
    void lateLinksAreHeldPerReplayUntilAcknowledgedWithinTheirBoundAndTtl() {
        MemoryReplayIndex i = index(100, 1 << 20);
        assertThat(get(i.lateLinks("r1"))).isEmpty();
        get(i.holdLateLinks("r1", List.of(event("e1"), event("e2"))));
        get(i.holdLateLinks("r1", List.of(event("e2"), event("e3"), event("e4"), event("e5"), event("e6"))));
        get(i.holdLateLinks("r2", List.of(event("x"))));
        assertThat(get(i.lateLinks("r1"))).as("at most max_late_links_per_replay (5)")
                .extracting(PendingEvent::eventId).containsExactly("e1", "e2", "e3", "e4", "e5");
        assertThat(get(i.lateLinks("r1"))).as("taking them does not forget them").hasSize(5);
        get(i.acknowledgeLateLinks("r1", List.of("e1", "e3")));
        assertThat(get(i.lateLinks("r1"))).extracting(PendingEvent::eventId).containsExactly("e2", "e4", "e5");
        assertThat(get(i.lateLinks("r2"))).extracting(PendingEvent::eventId).containsExactly("x");
        now.addAndGet(61_000);
        assertThat(get(i.lateLinks("r1"))).as("they live mapping_ttl_secs (60)").isEmpty();
    }

    @Test
    void heldLateLinksCountAgainstTheByteBound() {
        MemoryReplayIndex i = index(1000, 4000);
        for (int n = 0; n < 100; n++) {
            get(i.holdLateLinks("r" + n, List.of(event("e" + n))));
        }
        assertThat(i.bytes()).isLessThanOrEqualTo(4000);
        assertThat(get(i.lateLinks("r99"))).hasSize(1);
        assertThat(get(i.lateLinks("r0"))).as("the oldest went first").isEmpty();
    }

    @Test
    void aHeldEventWaitsThroughRecordsUntilItsHoldEndsOrItsHostLinksIt() {
        MemoryReplayIndex i = index(100, 1 << 20);
        PendingEvent held = new PendingEvent("e1", 1, 1.0, "error", now.get() + 500);
        get(i.lookupOrRemember("t1", Optional.of(held)));
        assertThat(get(i.endHold("t1", "e1"))).as("no replay yet").isEmpty();
        assertThat(get(i.recordAndDrain("t1", "r1"))).as("held: left waiting").isEmpty();
        assertThat(get(i.endHold("t1", "e1"))).as("its host links it inline").hasValue("r1");
        assertThat(get(i.endHold("t1", "e1"))).as("once").isEmpty();

        get(i.lookupOrRemember("t2", Optional.of(new PendingEvent("e2", 1, 1.0, "error", now.get() + 500))));
        now.addAndGet(500);
        assertThat(get(i.recordAndDrain("t2", "r2"))).as("the hold ended: drained")
                .extracting(PendingEvent::eventId).containsExactly("e2");
        assertThat(get(i.endHold("t2", "e2"))).as("drained already: its late link stands").isEmpty();
    }

    @Test
    void notesAreBoundedExpireAndTheLookupSaysWhenTheTraceIsFull() {
        IndexSettings small = new IndexSettings("t", 60, 30, 3, 5, 1000, 100, 10);
        MemoryReplayIndex i = new MemoryReplayIndex(small, 100, 1 << 20, now::get);
        for (int n = 0; n < 3; n++) {
            assertThat(get(i.lookup("t1", Optional.of(event("e" + n)))).full()).isFalse();
        }
        ReplayIndex.Lookup refused = get(i.lookup("t1", Optional.of(event("e3"))));
        assertThat(refused.full()).isTrue();
        assertThat(refused.replayId()).isEmpty();
        for (int n = 0; n < 25; n++) {
            get(i.noteEvent(String.format("%032d", n), "t2", "{\"n\":" + n + "}"));
        }
        assertThat(get(i.eventNote(String.format("%032d", 24)))).contains("{\"n\":24}");
        assertThat(get(i.eventNote(String.format("%032d", 0)))).as("beyond max_notes the oldest go").isEmpty();
        get(i.noteReplayLearned("t2", "{\"first\":1}"));
        get(i.noteReplayLearned("t2", "{\"second\":1}"));
        ReplayIndex.TraceNotes trace = get(i.traceNotes("t2"));
        assertThat(trace.learned()).contains("{\"first\":1}");
        assertThat(trace.events()).as("the trace lists the notes still kept (max_notes 10: two are learned notes)")
                .hasSize(8);
        now.addAndGet(101_000);
        assertThat(get(i.eventNote(String.format("%032d", 24)))).as("expired after note_ttl_secs").isEmpty();
        assertThat(get(i.traceNotes("t2")).learned()).isEmpty();
    }

    @Test
    void notesStayWithinAQuarterOfMaxBytes() {
        MemoryReplayIndex i = new MemoryReplayIndex(new IndexSettings("t", 60, 30, 3, 5, 1000, 100, 1_000_000),
                1_000_000, 400_000, now::get);
        String big = "{\"x\":\"" + "y".repeat(300) + "\"}";
        for (int n = 0; n < 20_000; n++) {
            get(i.noteEvent(String.format("%032x", n), String.format("t%05d", n / 3), big));
            get(i.noteReplayLearned(String.format("t%05d", n / 3), big));
        }
        assertThat(i.noteBytes()).isLessThanOrEqualTo(100_000).isPositive();
        assertThat(get(i.eventNote(String.format("%032x", 19_999)))).as("the newest stays").isPresent();
        assertThat(get(i.traceNotes(String.format("t%05d", 19_999 / 3))).events()).isNotEmpty();
    }

    @Test
    void overTheNotesBudgetTheOldestGoWhicheverKindTheyAre() {
        // an event note per trace (a backend error each) and a learned note for every other trace: over the budget
        // (a quarter of max_bytes, 100,000 bytes here) the oldest notes go and the newest stay, of both kinds (before,
        // event notes went first, and at full load about one of them was left)
        MemoryReplayIndex i = new MemoryReplayIndex(new IndexSettings("t", 60, 30, 3, 5, 1000, 100, 1_000_000),
                1_000_000, 400_000, now::get);
        String padding = "x".repeat(150);
        for (int n = 0; n < 2_000; n++) {
            now.addAndGet(1);
            get(i.noteEvent(String.format("%032x", n), String.format("t%05d", n), "{\"n\":" + n + ",\"p\":\""
                    + padding + "\"}"));
            if (n % 2 == 0) {
                get(i.noteReplayLearned(String.format("t%05d", n), "{\"learned\":" + n + "}"));
            }
        }
        assertThat(i.noteBytes()).isLessThanOrEqualTo(100_000);
        for (int n = 1_900; n < 2_000; n++) {
            assertThat(get(i.eventNote(String.format("%032x", n)))).as("event note %d", n).isPresent();
            ReplayIndex.TraceNotes trace = get(i.traceNotes(String.format("t%05d", n)));
            assertThat(trace.events()).as("trace %d", n).containsOnlyKeys(String.format("%032x", n));
            assertThat(trace.learned().isPresent()).as("learned %d", n).isEqualTo(n % 2 == 0);
        }
        assertThat(get(i.eventNote(String.format("%032x", 0)))).as("the oldest went").isEmpty();
        assertThat(get(i.traceNotes(String.format("t%05d", 0))).events()).isEmpty();
        assertThat(get(i.traceNotes(String.format("t%05d", 0))).learned()).isEmpty();
    }
}
