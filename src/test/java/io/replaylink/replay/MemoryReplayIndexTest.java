package io.replaylink.replay;

import io.replaylink.spi.ReplayIndex.PendingEvent;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class MemoryReplayIndexTest {
    final AtomicLong now = new AtomicLong(1_000_000);
    final IndexSettings settings = new IndexSettings("t", 60, 30, 3);

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
    void eventFirstIsRememberedAndDrainedExactlyOnce() {
        MemoryReplayIndex i = index(100, 1 << 20);
        assertThat(get(i.lookupOrRemember("t1", Optional.of(event("e1"))))).isEmpty();
        assertThat(get(i.lookupOrRemember("t1", Optional.of(event("e1"))))).as("a retry").isEmpty();
        assertThat(get(i.lookupOrRemember("t1", Optional.of(event("e2"))))).isEmpty();
        assertThat(get(i.recordAndDrain("t1", "r1"))).extracting(PendingEvent::eventId).containsExactly("e1", "e2");
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
}
