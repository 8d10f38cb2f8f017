package io.replaylink.ingest;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The shedder's control steps, on a fake clock and CPU counter (the overload run in scripts/bench shows it live). */
class LoadShedderTest {
    long cpu;
    long wall;

    LoadShedder shedder(double target) {
        return new LoadShedder(target, () -> cpu, () -> wall);
    }

    void window(double busyShare) {
        wall += 100_000_000L;
        cpu += (long) (100_000_000L * busyShare);
    }

    @Test
    void refusesAGrowingShareWhileTheLoopStaysBusyAndGivesItBackWhenItIsNot() {
        LoadShedder s = shedder(0.9);
        window(0.5);
        s.sample();
        assertThat(s.share()).isZero();
        assertThat(s.shed()).isFalse();
        for (int i = 0; i < 3; i++) {
            window(0.99);
            s.sample();
        }
        assertThat(s.busy()).isCloseTo(0.99, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(s.share()).isCloseTo(0.3, org.assertj.core.data.Offset.offset(1e-9));
        window(0.85); // between target - 0.1 and target: the share holds
        s.sample();
        assertThat(s.share()).isCloseTo(0.3, org.assertj.core.data.Offset.offset(1e-9));
        for (int i = 0; i < 20; i++) {
            window(0.99);
            s.sample();
        }
        assertThat(s.share()).isEqualTo(LoadShedder.MAX_SHARE);
        int refused = 0;
        for (int i = 0; i < 10_000; i++) {
            refused += s.shed() ? 1 : 0;
        }
        assertThat(refused).isBetween(9_300, 9_700);
        for (int i = 0; i < 19; i++) {
            window(0.3);
            s.sample();
        }
        assertThat(s.share()).isZero();
    }

    @Test
    void aTargetOfOneNeverSheds() {
        LoadShedder s = shedder(1.0);
        for (int i = 0; i < 10; i++) {
            window(1.0);
            s.sample();
        }
        assertThat(s.share()).isZero();
        assertThat(s.shed()).isFalse();
    }
}
