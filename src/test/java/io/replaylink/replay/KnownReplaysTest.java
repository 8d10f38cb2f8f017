package io.replaylink.replay;

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

import static io.replaylink.replay.RedisReplayIndexTest.get;
import static io.replaylink.replay.RedisReplayIndexTest.trace;
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
            get(a.recordAndDrain(recorded, "r1"));
            long before = lookups();
            assertThat(get(a.lookupOrRemember(recorded, Optional.empty()))).contains("r1");
            assertThat(get(a.lookupOrRemember(recorded, Optional.of(new PendingEvent(trace(), 1, 1.0, "error")))))
                    .contains("r1");
            assertThat(lookups() - before).as("the recording index knows the replay").isZero();

            // another sidecar asks Redis once, then knows it too
            assertThat(get(b.lookupOrRemember(recorded, Optional.empty()))).contains("r1");
            assertThat(get(b.lookupOrRemember(recorded, Optional.empty()))).contains("r1");
            assertThat(lookups() - before).isEqualTo(1);

            // a miss is asked again: the replay may have arrived meanwhile (at another sidecar)
            String later = trace();
            assertThat(get(b.lookupOrRemember(later, Optional.empty()))).isEmpty();
            get(a.recordAndDrain(later, "r2"));
            assertThat(get(b.lookupOrRemember(later, Optional.empty()))).contains("r2");

            // Redis keeps a trace's first replay; a second one recorded elsewhere is not believed locally
            get(b.recordAndDrain(recorded, "r-other"));
            assertThat(get(b.lookupOrRemember(recorded, Optional.empty()))).contains("r1");
            assertThat(RedisServers.command(redis.port(), "GET", "replaylink:" + ns + ":{" + recorded + "}:r"))
                    .contains("r1");
        }
    }

    @Test
    void knownReplaysExpireAndCanBeTurnedOff() throws Exception {
        String ns = namespace();
        try (ReplayIndex shortLived = index(ns, 200); ReplayIndex off = index(ns, 0)) {
            String t = trace();
            get(shortLived.recordAndDrain(t, "r1"));
            long before = lookups();
            get(shortLived.lookupOrRemember(t, Optional.empty()));
            assertThat(lookups() - before).isZero();
            Thread.sleep(300);
            assertThat(get(shortLived.lookupOrRemember(t, Optional.empty()))).contains("r1");
            assertThat(lookups() - before).as("expired: asked Redis again").isEqualTo(1);

            get(off.recordAndDrain(t, "r1"));
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
            assertThat(get(a.recordAndDrain(t, "r1"))).extracting(PendingEvent::eventId).containsExactly(early);
            long scripts = RedisServers.calls(redis.port(), "evalsha");
            assertThat(get(a.recordAndDrain(t, "r1"))).isEmpty();
            assertThat(RedisServers.calls(redis.port(), "evalsha"))
                    .as("the second record of r1 stays local").isEqualTo(scripts);

            assertThat(get(b.lookupOrRemember(t, Optional.empty()))).contains("r1");
            scripts = RedisServers.calls(redis.port(), "evalsha");
            assertThat(get(b.recordAndDrain(t, "r1"))).isEmpty();
            assertThat(get(a.recordAndDrain(t, "r2"))).isEmpty();
            assertThat(RedisServers.calls(redis.port(), "evalsha"))
                    .as("a looked-up mapping and another replay go to Redis").isEqualTo(scripts + 2);
        }
    }

    @Test
    void theOldestLeaveAtTheBound() {
        KnownReplays known = new KnownReplays(60_000, 3);
        for (String t : List.of("t1", "t2", "t3", "t4")) {
            known.lookedUp(t, "r-" + t);
        }
        assertThat(known.size()).isEqualTo(3);
        assertThat(known.get("t1")).isEmpty();
        assertThat(known.get("t4")).contains("r-t4");
        known.recorded("t2", "r-changed", "r-changed", System.nanoTime());
        assertThat(known.get("t2")).contains("r-changed");
        assertThat(known.recordedRecently("t2", "r-changed")).isTrue();
        assertThat(known.recordedRecently("t3", "r-t3")).as("only looked up").isFalse();
        known.recorded("t4", "r-mine", "r-t4", System.nanoTime());
        assertThat(known.get("t4")).contains("r-t4");
        assertThat(known.recordedRecently("t4", "r-mine")).isFalse();
        assertThat(new KnownReplays(0, 3).enabled()).isFalse();
    }
}
