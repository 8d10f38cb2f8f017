package io.replaylink.metrics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataPointsTest {
    @Test
    void oneDataPointPerCombinationWhateverTheOrderOfAsking() {
        AtomicInteger resolved = new AtomicInteger();
        DataPoints<String> points = new DataPoints<>(labels -> String.join("/", labels) + "#" + resolved.incrementAndGet());
        List<String[]> combinations = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            for (String outcome : new String[] {"received", "forwarded", "rejected"}) {
                combinations.add(new String[] {"type" + i, outcome});
            }
        }
        List<String> first = new ArrayList<>();
        for (String[] c : combinations) {
            first.add(points.get(c));
        }
        assertEquals(combinations.size(), resolved.get());
        for (int round = 0; round < 3; round++) {
            for (int i = combinations.size() - 1; i >= 0; i--) {
                // equal labels that are other String objects find the same point
                String[] c = combinations.get(i);
                assertSame(first.get(i), points.get(new String(c[0]), new String(c[1])));
            }
        }
        assertEquals(combinations.size(), resolved.get(), "a data point was resolved twice");
        assertTrue(first.get(7).startsWith("type2/forwarded#"));
    }

    @Test
    void theCombinationsAskedForOftenAreAnsweredByTheTableAfterManyAtStartUp() {
        DataPoints<String> points = new DataPoints<>(labels -> String.join("/", labels));
        // start-up: a hundred series at 0 (as Metrics.seriesFromStart creates them)
        for (int i = 0; i < 100; i++) {
            points.get("startup" + i, "ok");
        }
        String[][] hot = {{"event", "received"}, {"event", "forwarded"}, {"lookup", "hit"}, {"lookup", "miss"},
            {"record", "recorded"}, {"note", "written"}, {"dsc", "linked"}, {"index", "linked"}};
        for (String[] h : hot) {
            points.get(h);
        }
        long before = points.misses();
        for (int round = 0; round < 1000; round++) {
            for (String[] h : hot) {
                assertEquals(h[0] + "/" + h[1], points.get(h));
            }
        }
        // two places a combination: only a third one sharing them could go on missing
        assertTrue(points.misses() - before <= 2, "table misses " + (points.misses() - before));
    }
}
