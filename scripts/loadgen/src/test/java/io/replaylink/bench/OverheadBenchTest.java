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
}
