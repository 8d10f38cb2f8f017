package io.replaylink.bench;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The A/B suite's pairs: each B window against the A window before it and the one after it. */
class AbBenchTest {

    @Test
    void eachBWindowIsPairedWithItsTwoNeighbours() {
        // A B A B A B A, every window costing its position (1-based): B at 2, 4, 6
        List<OverheadBench.Window> windows = new ArrayList<>();
        for (int position = 1; position <= 7; position++) {
            windows.add(new OverheadBench.Window(1, position, 1, 1, 1, 0, 0, 0));
        }
        assertThat(AbBench.ratios(windows)).containsExactly(1 / 2.0, 3 / 2.0, 3 / 4.0, 5 / 4.0, 5 / 6.0, 7 / 6.0);
    }

    @Test
    void theTableSaysWhichSideIsCheaper() {
        // B costs half of A in every window: A's cost over B's is 2
        List<OverheadBench.Window> windows = new ArrayList<>();
        for (int w = 0; w < 5; w++) {
            windows.add(new OverheadBench.Window(1, w % 2 == 0 ? 40 : 20, 1, w % 2 == 0 ? 3 : 2, 1, 0, 0, 0));
        }
        String table = AbBench.table("", "-Dx=true", "[replay-linker]", false, windows, 10, 60);
        assertThat(table).contains("| A | - | 40.0 (40.0-40.0) | 3.0 |", "| B | -Dx=true | 20.0 (20.0-20.0) | 2.0 |",
                "adjacent pairs): 2.000 (2.000-2.000)");
    }

    @Test
    void eachJvmOfASideIsReportedOnItsOwn() {
        // A1 B1 A2 B2 A1: the second JVM of each side costs 10% more than the first
        int[] jvm = {0, 0, 1, 1, 0};
        double[] cost = {40, 20, 44, 22, 40};
        List<AbBench.Turn> turns = new ArrayList<>();
        for (int w = 0; w < jvm.length; w++) {
            turns.add(new AbBench.Turn(jvm[w], new OverheadBench.Window(1, cost[w], 1, 1, 1, 0, 0, 0)));
        }
        assertThat(AbBench.perJvm(turns, 2)).contains("A 40.0, 44.0 (the dearest 10.0% over the cheapest); "
                + "B 20.0, 22.0 (the dearest 10.0% over the cheapest).");
    }
}
