package io.replaylink.bench;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The closed loop's order of windows and the adjacent pairs its ratios come from. */
class OverheadBenchTest {

    @Test
    void processingOffComesBeforeAndAfterEveryOtherWindow() {
        assertThat(OverheadBench.schedule(2, 5))
                .containsExactly(1, 0, 1, 2, 1, 3, 1, 4, 1, 0, 1, 2, 1, 3, 1, 4, 1);
    }

    @Test
    void eachRatioPairsAWindowWithItsTwoNeighbours() {
        // every window costs its position in the run: a pair's ratio says which windows were paired
        int rounds = 3;
        List<Integer> order = OverheadBench.schedule(rounds, 5);
        List<List<OverheadBench.Window>> windows = new ArrayList<>();
        for (int t = 0; t < 5; t++) {
            windows.add(new ArrayList<>());
        }
        for (int position = 0; position < order.size(); position++) {
            windows.get(order.get(position)).add(new OverheadBench.Window(1, position + 1, 1, 1, 1, 0, 0, 0));
        }
        for (int t : List.of(0, 2, 3, 4)) {
            List<Double> expected = new ArrayList<>();
            for (int position = 0; position < order.size(); position++) {
                if (order.get(position) == t) {
                    double cost = position + 1;
                    // nginx: its cost over processing off's; the others: processing off's over theirs
                    expected.add(t == 0 ? cost / position : position / cost);
                    expected.add(t == 0 ? cost / (position + 2) : (position + 2) / cost);
                }
            }
            assertThat(OverheadBench.adjacentRatios(windows, t)).hasSize(2 * rounds).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void eachSidecarSystemsJvmsAreReportedButNotNginx() {
        List<OverheadBench.Target> targets = List.of(new OverheadBench.Target("nginx", 1, 1, false),
                new OverheadBench.Target("off", 2, 2, true));
        List<List<OverheadBench.Window>> windows = List.of(
                List.of(new OverheadBench.Window(1, 20, 1, 1, 1, 0, 0, 0)),
                List.of(new OverheadBench.Window(1, 30, 1, 1, 1, 0, 0, 0), new OverheadBench.Window(1, 33, 1, 1, 1, 0,
                        0, 0), new OverheadBench.Window(1, 31, 1, 1, 1, 0, 0, 0)));
        // off's windows went to JVM 1, 2, 1: JVM 1's median of 30 and 31 is 30.5
        String report = OverheadBench.perJvm(targets, windows, List.of(List.of(0), List.of(0, 1, 0)), 2);
        assertThat(report).contains("- off: 30.5, 33.0 (the dearest 8.2% over the cheapest)").doesNotContain("nginx");
        assertThat(OverheadBench.perJvm(targets, windows, List.of(List.of(0), List.of(0, 0, 0)), 1)).isEmpty();
    }
}
