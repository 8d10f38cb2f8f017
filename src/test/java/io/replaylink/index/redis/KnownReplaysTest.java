package io.replaylink.index.redis;

import io.replaylink.spi.ReplayIndex;
import io.replaylink.spi.ReplayIndex.PendingEvent;
import io.replaylink.testing.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static io.replaylink.index.redis.RedisReplayIndexTest.get;
import static io.replaylink.index.redis.RedisReplayIndexTest.trace;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replays the Redis index has seen Redis hold are answered from memory, against a real Redis: the commands Redis
 * counts show which lookups reached it.
 */
class KnownReplaysTest {
    /** A server of this class's own: the tests count the commands it ran. */
    static RedisServers.RedisServer redis;

    @BeforeAll
    static void start() {
        redis = RedisServers.RedisServer.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    /** Replay ids as Sentry writes them (32 hex): only those are kept in memory. */
    static final String R1 = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    static final String R2 = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
    static final String R_OTHER = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3";

    static String namespace() {
        return "known-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static ReplayIndex index(String namespace, long knownMs) {
        return RedisReplayIndexTest.create(redis.uri(), Map.of("namespace", namespace, "known_replays_ms", knownMs));
    }

    /** Lookups Redis answered: plain ones (GET) and those run by the lookup scripts (whose GETs Redis counts too). */
    static long lookups() throws Exception {
        return RedisServers.calls(redis.port(), "get") + RedisServers.calls(redis.port(), "mget");
    }

    @Test
    void aRecordedOrLookedUpReplayIsAnsweredWithoutRedisAndAMissIsNot() throws Exception {
        String ns = namespace();
        try (ReplayIndex a = index(ns, 60_000); ReplayIndex b = index(ns, 60_000)) {
            String recorded = trace();
            get(a.recordAndDrain(recorded, R1));
            long before = lookups();
            assertThat(get(a.lookupOrRemember(recorded, Optional.empty()))).contains(R1);
            assertThat(get(a.lookupOrRemember(recorded, Optional.of(new PendingEvent(trace(), 1, 1.0, "error")))))
                    .contains(R1);
            assertThat(lookups() - before).as("the recording index knows the replay").isZero();

            // another sidecar asks Redis once, then knows it too
            assertThat(get(b.lookupOrRemember(recorded, Optional.empty()))).contains(R1);
            assertThat(get(b.lookupOrRemember(recorded, Optional.empty()))).contains(R1);
            assertThat(lookups() - before).isEqualTo(1);

            // a miss is asked again: the replay may have arrived meanwhile (at another sidecar)
            String later = trace();
            assertThat(get(b.lookupOrRemember(later, Optional.empty()))).isEmpty();
            get(a.recordAndDrain(later, R2));
            assertThat(get(b.lookupOrRemember(later, Optional.empty()))).contains(R2);

            // Redis keeps a trace's first replay; a second one recorded elsewhere is not believed locally
            get(b.recordAndDrain(recorded, R_OTHER));
            assertThat(get(b.lookupOrRemember(recorded, Optional.empty()))).contains(R1);
            assertThat(RedisServers.command(redis.port(), "GET", "replaylink:" + ns + ":{" + recorded + "}:r"))
                    .contains(R1);
        }
    }

    @Test
    void knownReplaysExpireAndCanBeTurnedOff() throws Exception {
        String ns = namespace();
        try (ReplayIndex shortLived = index(ns, 200); ReplayIndex off = index(ns, 0)) {
            String t = trace();
            get(shortLived.recordAndDrain(t, R1));
            long before = lookups();
            get(shortLived.lookupOrRemember(t, Optional.empty()));
            assertThat(lookups() - before).isZero();
            Thread.sleep(300);
            assertThat(get(shortLived.lookupOrRemember(t, Optional.empty()))).contains(R1);
            assertThat(lookups() - before).as("expired: asked Redis again").isEqualTo(1);

            get(off.recordAndDrain(t, R1));
            long afterRecord = lookups();
            get(off.lookupOrRemember(t, Optional.empty()));
            get(off.lookupOrRemember(t, Optional.empty()));
            assertThat(lookups() - afterRecord).as("known_replays_ms: 0 asks every time").isEqualTo(2);
        }
    }

    /**
     * A mapping this index recorded itself is not recorded again while it is known: the record set the key's expiry
     * beyond that, and no event can have been remembered for the trace meanwhile. One only looked up is recorded
     * (its key may be about to expire), and so is one Redis holds with another replay.
     */
    @Test
    void aRecentOwnRecordIsNotRepeatedAndEventsRememberedBeforeItAreDrainedOnce() throws Exception {
        String ns = namespace();
        try (ReplayIndex a = index(ns, 60_000); ReplayIndex b = index(ns, 60_000)) {
            String t = trace();
            String early = trace();
            assertThat(get(a.lookupOrRemember(t, Optional.of(new PendingEvent(early, 1, 1.0, "error")))))
                    .isEmpty();
            assertThat(get(a.recordAndDrain(t, R1))).extracting(PendingEvent::eventId).containsExactly(early);
            get(a.releaseDrained(t, List.of(early)));
            assertThat(get(a.recordAndDrain(t, R1))).as("a record that drained is not kept: its claims are asked "
                    + "again until acknowledged").extracting(PendingEvent::eventId).containsExactly(early);
            get(a.acknowledgeDrained(t, List.of(early)));
            assertThat(get(a.recordAndDrain(t, R1))).isEmpty();
            long scripts = RedisServers.calls(redis.port(), "evalsha");
            assertThat(get(a.recordAndDrain(t, R1))).isEmpty();
            assertThat(RedisServers.calls(redis.port(), "evalsha"))
                    .as("the second record of r1 stays local").isEqualTo(scripts);

            assertThat(get(b.lookupOrRemember(t, Optional.empty()))).contains(R1);
            scripts = RedisServers.calls(redis.port(), "evalsha");
            assertThat(get(b.recordAndDrain(t, R1))).isEmpty();
            assertThat(get(a.recordAndDrain(t, R2))).isEmpty();
            assertThat(RedisServers.calls(redis.port(), "evalsha"))
                    .as("a looked-up mapping and another replay go to Redis").isEqualTo(scripts + 2);
        }
    }

    @Test
    void theOlderHalfLeavesAtTheBound() {
        KnownReplays known = new KnownReplays(60_000, 4);
        List<String> traces = List.of(trace(), trace(), trace(), trace(), trace());
        for (String t : traces.subList(0, 4)) {
            known.lookedUp(t, replayOf(t));
        }
        assertThat(known.size()).isEqualTo(4);
        traces.subList(0, 4).forEach(t -> assertThat(known.get(t)).contains(replayOf(t)));
        known.lookedUp(traces.get(4), replayOf(traces.get(4)));
        assertThat(known.size()).as("the older generation (the first two) emptied").isEqualTo(3);
        assertThat(known.get(traces.get(0))).isEmpty();
        assertThat(known.get(traces.get(1))).isEmpty();
        assertThat(known.get(traces.get(2))).contains(replayOf(traces.get(2)));
        assertThat(known.get(traces.get(4))).contains(replayOf(traces.get(4)));

        // an entry of the older generation is shadowed by a newer one of the same trace
        known.recorded(traces.get(2), R2, R2, System.nanoTime());
        assertThat(known.get(traces.get(2))).contains(R2);
        assertThat(known.recordedRecently(traces.get(2), R2)).isTrue();
        assertThat(known.recordedRecently(traces.get(3), replayOf(traces.get(3)))).as("only looked up").isFalse();
        // Redis held another replay than the one recorded: known, but not as our own record
        known.recorded(traces.get(4), R1, replayOf(traces.get(4)), System.nanoTime());
        assertThat(known.get(traces.get(4))).contains(replayOf(traces.get(4)));
        assertThat(known.recordedRecently(traces.get(4), R1)).isFalse();
        assertThat(new KnownReplays(0, 4).enabled()).isFalse();
    }

    @Test
    void manyEntriesAreKeptUpToTheBoundAndIdsOfAnotherFormAreNot() {
        KnownReplays known = new KnownReplays(60_000, 100_000);
        List<String> traces = new java.util.ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            traces.add(trace());
            known.lookedUp(traces.get(i), replayOf(traces.get(i)));
        }
        assertThat(known.size()).isEqualTo(50_000);
        for (String t : traces) {
            assertThat(known.get(t)).contains(replayOf(t));
        }
        assertThat(known.get(trace())).isEmpty();
        // upper case is read as the same id; the answer is Sentry's lower case
        assertThat(known.get(traces.get(7).toUpperCase(java.util.Locale.ROOT))).contains(replayOf(traces.get(7)));

        known.lookedUp("t-not-hex", R1);
        known.lookedUp(traces.get(0).substring(1), R1);
        known.lookedUp(trace(), "r-not-hex");
        assertThat(known.size()).isEqualTo(50_000);
        assertThat(known.get("t-not-hex")).isEmpty();
        assertThat(io.replaylink.envelope.Uuids.hexId(0x0123456789abcdefL, 0xfedcba9876543210L))
                .isEqualTo("0123456789abcdeffedcba9876543210");
        assertThat(KnownReplays.parse("0123456789abcdeffedcba9876543210"))
                .containsExactly(0x0123456789abcdefL, 0xfedcba9876543210L);
    }

    @Test
    void anExpiredEntryIsNotAnswered() {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1_000_000_000L);
        KnownReplays known = new KnownReplays(50, 100, now::get);
        String t = trace();
        known.recorded(t, R1, R1, now.get());
        assertThat(known.get(t)).contains(R1);
        now.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(49));
        assertThat(known.recordedRecently(t, R1)).isTrue();
        now.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(known.get(t)).isEmpty();
        assertThat(known.recordedRecently(t, R1)).isFalse();
        known.lookedUp(t, R2);
        assertThat(known.get(t)).as("overwritten in place").contains(R2);
        assertThat(known.size()).isEqualTo(1);
    }

    @Test
    void aBoundOfOneKeepsOneAndALiveOlderEntryIsFoundBehindAnExpiredNewerOne() {
        KnownReplays one = new KnownReplays(60_000, 1);
        for (int i = 0; i < 5; i++) {
            one.lookedUp(trace(), R1);
        }
        assertThat(one.size()).isEqualTo(1);

        KnownReplays known = new KnownReplays(60_000, 4);
        String t = trace();
        known.lookedUp(t, R1);
        known.lookedUp(trace(), R1);
        known.lookedUp(trace(), R1);
        // t is in the older generation now; a record answered long after it was sent writes an expired newer entry
        known.recorded(t, R2, R1, System.nanoTime() - java.util.concurrent.TimeUnit.SECONDS.toNanos(61));
        assertThat(known.get(t)).contains(R1);
        assertThat(known.recordedRecently(t, R1)).isFalse();
    }

    /** A replay id derived from the trace id (reversed), so each trace has its own. */
    private static String replayOf(String trace) {
        return new StringBuilder(trace).reverse().toString();
    }
}
