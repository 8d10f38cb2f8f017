package io.replaylink.replay;

import io.replaylink.spi.ReplayIndex;
import io.replaylink.spi.ReplayIndex.PendingEvent;
import io.replaylink.testing.PluginContexts;
import io.replaylink.testing.RedisServers;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.replaylink.replay.RedisReplayIndexTest.get;
import static io.replaylink.replay.RedisReplayIndexTest.trace;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replays the Redis index has seen Redis hold are answered from memory, against a real Redis: the commands Redis
 * counts show which lookups reached it.
 */
class KnownReplaysTest {

    static ReplayIndex index(RedisServers.RedisServer redis, String namespace, long knownMs) throws Exception {
        Map<String, Object> config = new HashMap<>(Map.of("uri", redis.uri(), "namespace", namespace,
                "known_replays_ms", knownMs));
        RedisReplayIndex index = (RedisReplayIndex) new RedisReplayIndexProvider()
                .create(PluginContexts.of("redis", "index.config", config));
        long deadline = System.currentTimeMillis() + 10_000;
        while (!index.connected() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(index.connected()).isTrue();
        return index;
    }

    /** Lookups Redis answered: plain ones (GET) and those run by the lookup scripts (whose GETs Redis counts too). */
    static long lookups(RedisServers.RedisServer redis) throws Exception {
        String stats = RedisServers.command(redis.port(), "INFO", "commandstats");
        return count(stats, "cmdstat_get") + count(stats, "cmdstat_mget");
    }

    static long count(String stats, String command) {
        Matcher m = Pattern.compile(command + ":calls=(\\d+)").matcher(stats);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void aRecordedOrLookedUpReplayIsAnsweredWithoutRedisAndAMissIsNot() throws Exception {
        try (RedisServers.RedisServer redis = RedisServers.RedisServer.start()) {
            String ns = "known-" + UUID.randomUUID().toString().substring(0, 8);
            try (ReplayIndex a = index(redis, ns, 60_000); ReplayIndex b = index(redis, ns, 60_000)) {
                String recorded = trace();
                get(a.recordAndDrain(recorded, "r1"));
                long before = lookups(redis);
                assertThat(get(a.lookupOrRemember(recorded, Optional.empty()))).contains("r1");
                assertThat(get(a.lookupOrRemember(recorded, Optional.of(new PendingEvent(trace(), 1, 1.0, "error")))))
                        .contains("r1");
                assertThat(lookups(redis) - before).as("the recording index knows the replay").isZero();

                // another sidecar asks Redis once, then knows it too
                assertThat(get(b.lookupOrRemember(recorded, Optional.empty()))).contains("r1");
                assertThat(get(b.lookupOrRemember(recorded, Optional.empty()))).contains("r1");
                assertThat(lookups(redis) - before).isEqualTo(1);

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
    }

    @Test
    void knownReplaysExpireAndCanBeTurnedOff() throws Exception {
        try (RedisServers.RedisServer redis = RedisServers.RedisServer.start()) {
            String ns = "known-" + UUID.randomUUID().toString().substring(0, 8);
            try (ReplayIndex shortLived = index(redis, ns, 200); ReplayIndex off = index(redis, ns, 0)) {
                String t = trace();
                get(shortLived.recordAndDrain(t, "r1"));
                long before = lookups(redis);
                get(shortLived.lookupOrRemember(t, Optional.empty()));
                assertThat(lookups(redis) - before).isZero();
                Thread.sleep(300);
                assertThat(get(shortLived.lookupOrRemember(t, Optional.empty()))).contains("r1");
                assertThat(lookups(redis) - before).as("expired: asked Redis again").isEqualTo(1);

                get(off.recordAndDrain(t, "r1"));
                long afterRecord = lookups(redis);
                get(off.lookupOrRemember(t, Optional.empty()));
                get(off.lookupOrRemember(t, Optional.empty()));
                assertThat(lookups(redis) - afterRecord).as("known_replays_ms: 0 asks every time").isEqualTo(2);
            }
        }
    }

    /**
     * A mapping this index recorded itself is not recorded again while it is known: the record set the key's expiry
     * beyond that, and no event can have been remembered for the trace meanwhile. One only looked up is recorded
     * (its key may be about to expire), and so is one Redis holds with another replay.
     */
    @Test
    void aRecentOwnRecordIsNotRepeatedAndEventsRememberedBeforeItAreDrainedOnce() throws Exception {
        try (RedisServers.RedisServer redis = RedisServers.RedisServer.start()) {
            String ns = "known-" + UUID.randomUUID().toString().substring(0, 8);
            try (ReplayIndex a = index(redis, ns, 60_000); ReplayIndex b = index(redis, ns, 60_000)) {
                String t = trace();
                String early = trace();
                assertThat(get(a.lookupOrRemember(t, Optional.of(new PendingEvent(early, 1, 1.0, "error")))))
                        .isEmpty();
                assertThat(get(a.recordAndDrain(t, "r1"))).extracting(PendingEvent::eventId).containsExactly(early);
                long scripts = count(RedisServers.command(redis.port(), "INFO", "commandstats"), "cmdstat_evalsha");
                assertThat(get(a.recordAndDrain(t, "r1"))).isEmpty();
                assertThat(count(RedisServers.command(redis.port(), "INFO", "commandstats"), "cmdstat_evalsha"))
                        .as("the second record of r1 stays local").isEqualTo(scripts);

                assertThat(get(b.lookupOrRemember(t, Optional.empty()))).contains("r1");
                scripts = count(RedisServers.command(redis.port(), "INFO", "commandstats"), "cmdstat_evalsha");
                assertThat(get(b.recordAndDrain(t, "r1"))).isEmpty();
                assertThat(get(a.recordAndDrain(t, "r2"))).isEmpty();
                assertThat(count(RedisServers.command(redis.port(), "INFO", "commandstats"), "cmdstat_evalsha"))
                        .as("a looked-up mapping and another replay go to Redis").isEqualTo(scripts + 2);
            }
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
