package io.replaylink.index;

import io.replaylink.envelope.Uuids;
import io.replaylink.spi.ReplayIndex.PendingEvent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The compact trace table against a LinkedHashMap in access order (the structure it replaces), op by op. */
class TraceTableTest {

    /** Hex ids (the common case) and others (upper case, short, 32 characters that are not hex) mixed. */
    static String id(Random random, int n) {
        return switch (n % 4) {
            case 0, 1 -> String.format("%016x%016x", random.nextLong(), random.nextLong());
            case 2 -> "t" + random.nextInt(1000);
            default -> String.format("%016X%016x", random.nextLong() | 1L << 60, random.nextLong());
        };
    }

    @Test
    void behavesAsAnAccessOrderedMapOverRandomOperations() {
        Random random = new Random(42);
        for (int round = 0; round < 20; round++) {
            int max = 1 + random.nextInt(round < 10 ? 8 : 3000);
            TraceTable table = new TraceTable(max);
            LinkedHashMap<String, String> model = new LinkedHashMap<>(16, 0.75f, true);
            Map<String, Integer> entries = new java.util.HashMap<>();
            List<String> known = new ArrayList<>();
            for (int op = 0; op < 20_000; op++) {
                int kind = random.nextInt(10);
                String key = !known.isEmpty() && random.nextInt(3) > 0 ? known.get(random.nextInt(known.size()))
                        : id(random, random.nextInt(4));
                if (kind < 4) {
                    int e = table.get(key);
                    String expected = model.get(key);
                    assertThat(e >= 0).as("present: %s", key).isEqualTo(expected != null);
                    if (e >= 0) {
                        assertThat(table.replayId(e)).isEqualTo(expected);
                        assertThat(table.replayIs(e, expected)).isTrue();
                        assertThat(e).isEqualTo(entries.get(key));
                    }
                } else if (kind < 8) {
                    if (model.containsKey(key)) {
                        continue;
                    }
                    if (model.size() == max) {
                        String eldest = model.keySet().iterator().next();
                        assertThat(table.eldest()).isEqualTo(entries.get(eldest));
                        table.remove(table.eldest());
                        model.remove(eldest);
                        entries.remove(eldest);
                    }
                    String replay = id(random, random.nextInt(4));
                    int e = table.add(key);
                    table.setReplay(e, replay);
                    model.put(key, replay);
                    entries.put(key, e);
                    known.add(key);
                } else if (!model.isEmpty()) {
                    String victim = kind == 8 ? model.keySet().iterator().next() : key;
                    if (model.containsKey(victim)) {
                        table.remove(table.find(victim));
                        model.remove(victim);
                        entries.remove(victim);
                        assertThat(table.find(victim)).isEqualTo(-1);
                    }
                }
                assertThat(table.size()).isEqualTo(model.size());
            }
            // the whole order, eldest first, and every key still found
            List<String> order = new ArrayList<>(model.keySet());
            for (String key : order) {
                assertThat(table.eldest()).isEqualTo(entries.get(key));
                assertThat(table.find(key)).isEqualTo(entries.get(key));
                table.remove(table.eldest());
            }
            assertThat(table.size()).isZero();
            assertThat(table.eldest()).isEqualTo(-1);
        }
    }

    @Test
    void idsRoundTripAndOnlyLowerCaseHexIsPacked() {
        String hex = "0123456789abcdef0123456789abcdef";
        assertThat(Uuids.isLowerHex(hex)).isTrue();
        assertThat(Uuids.hexId(Uuids.hexHalf(hex, 0), Uuids.hexHalf(hex, 16))).isEqualTo(hex);
        assertThat(Uuids.isLowerHex(hex.toUpperCase())).isFalse();
        assertThat(Uuids.isLowerHex(hex.substring(1))).isFalse();
        assertThat(Uuids.isLowerHex("g" + hex.substring(1))).isFalse();
        TraceTable table = new TraceTable(4);
        int e = table.add(hex);
        table.setReplay(e, hex.toUpperCase());
        assertThat(table.replayId(e)).as("kept as it came").isEqualTo(hex.toUpperCase());
        assertThat(table.replayIs(e, hex)).isFalse();
        table.setReplay(e, "ffffffffffffffff8000000000000000");
        assertThat(table.replayId(e)).isEqualTo("ffffffffffffffff8000000000000000");
        assertThat(table.find(hex.toUpperCase())).as("another key").isEqualTo(-1);
    }

    @Test
    void rememberedEventsKeepTheirOrderAndAnEventIdOnce() {
        TraceTable table = new TraceTable(2);
        int e = table.add("t");
        for (int i = 0; i < 5; i++) {
            table.putPending(e, new PendingEvent("e" + i, 1, i, "error"));
        }
        table.putPending(e, new PendingEvent("e2", 1, 99, "fatal"));
        assertThat(table.pendingCount(e)).isEqualTo(5);
        assertThat(table.pending(e, 2).level()).isEqualTo("fatal");
        table.retainPending(e, p -> !p.eventId().equals("e1") && !p.eventId().equals("e3"));
        assertThat(List.of(table.pending(e, 0).eventId(), table.pending(e, 1).eventId(), table.pending(e, 2)
                .eventId())).containsExactly("e0", "e2", "e4");
        assertThat(table.pendingIndex(e, "e3")).isEqualTo(-1);
        table.retainPending(e, p -> false);
        assertThat(table.pendingCount(e)).isZero();
        table.remove(e);
        int again = table.add("u");
        assertThat(table.pendingCount(again)).as("a reused entry starts empty").isZero();
        assertThat(table.hasReplay(again)).isFalse();
    }

    @Test
    void rememberedEventsBehaveAsAnInsertionOrderedMapWhetherTheFirstIsInlineOrNot() {
        Random random = new Random(11);
        String[] levels = {"error", "fatal", "warning", "info", "debug", "custom", "error"};
        TraceTable table = new TraceTable(4);
        int e = table.add("t");
        LinkedHashMap<String, PendingEvent> model = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>();
        for (int n = 0; n < 12; n++) {
            ids.add(id(random, n % 4 == 2 ? 2 : 0));
        }
        for (int op = 0; op < 50_000; op++) {
            int kind = random.nextInt(10);
            String eventId = ids.get(random.nextInt(ids.size()));
            if (kind < 6) {
                PendingEvent event = new PendingEvent(eventId, random.nextInt(3), random.nextInt(1000) / 8.0,
                        levels[random.nextInt(levels.length)], random.nextBoolean() ? 0 : random.nextInt(100));
                table.putPending(e, event);
                model.put(eventId, event);
            } else if (kind < 9) {
                String drop = eventId;
                table.retainPending(e, p -> !p.eventId().equals(drop));
                model.remove(drop);
            } else if (random.nextInt(20) == 0) {
                table.clearPending(e);
                model.clear();
            }
            assertThat(table.pendingCount(e)).isEqualTo(model.size());
            List<PendingEvent> kept = new ArrayList<>();
            for (int i = 0; i < table.pendingCount(e); i++) {
                kept.add(table.pending(e, i));
            }
            assertThat(kept).isEqualTo(new ArrayList<>(model.values()));
            String probe = ids.get(random.nextInt(ids.size()));
            assertThat(table.pendingIndex(e, probe)).isEqualTo(new ArrayList<>(model.keySet()).indexOf(probe));
        }
        table.remove(e);
        int again = table.add("u");
        assertThat(table.pendingCount(again)).isZero();
    }
}
