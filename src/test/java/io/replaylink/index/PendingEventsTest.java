package io.replaylink.index;

import io.replaylink.spi.ReplayIndex.PendingEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PendingEventsTest {
    @Test
    void pendingEventTimestampsAreWrittenAsPercentThreeF() {
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 20_000; i++) {
            double t = i % 2 == 0 ? 1.7e9 + random.nextInt(100_000_000) + random.nextInt(1_000_000) / 1e6
                    : random.nextDouble() * 1000;
            assertThat(PendingEvents.seconds(t)).as("%s", t).isEqualTo(String.format(java.util.Locale.ROOT, "%.3f", t));
        }
        assertThat(PendingEvents.seconds(0)).isEqualTo("0.000");
        assertThat(PendingEvents.seconds(1732600000.0005)).isEqualTo("1732600000.001");
        assertThat(PendingEvents.seconds(Double.NaN)).isEqualTo("NaN");
        assertThat(PendingEvents.seconds(-1.5)).isEqualTo("-1.500");
    }

    @Test
    void aRememberedEventRoundTripsWithItsHold() {
        PendingEvent held = new PendingEvent("0123456789abcdef0123456789abcdef", 42, 1732600000.25, "fatal", 1733000000123L);
        assertThat(PendingEvents.decode(PendingEvents.encode(held))).isEqualTo(held);
        PendingEvent plain = new PendingEvent("0123456789abcdef0123456789abcdef", 42, 1.5, "error");
        assertThat(PendingEvents.encode(plain)).doesNotContain("\"h\"");
        assertThat(PendingEvents.decode(PendingEvents.encode(plain))).isEqualTo(plain);
        assertThat(PendingEvents.decode("not json")).isNull();
    }
}
