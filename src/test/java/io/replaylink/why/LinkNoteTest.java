package io.replaylink.why;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LinkNoteTest {
    @Test
    void aNoteSurvivesItsJsonWhateverItsStringsHold() {
        LinkNote note = new LinkNote("0123456789abcdef0123456789abcdef", null, 42, "err\"or\\\n\u00e9\u0001", false,
                null, null, "waiting", null, 1_796_000_000_000L, 1_796_000_000.25, 1_796_000_600_000L, "host/1#2");
        assertThat(LinkNote.parse(note.toJson())).isEqualTo(note);
        LinkNote linked = new LinkNote("0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210", 1,
                "error", true, "backfill", "event_link", null, "00112233445566778899aabbccddeeff", 5, 0, 0, "h");
        assertThat(LinkNote.parse(linked.toJson())).isEqualTo(linked);
        assertThat(LinkNote.parse("not json")).isNull();
        assertThat(LinkNote.parse("{\"no\":\"event id\"}")).isNull();
    }

    @Test
    void eventTimesArePlainDecimalsToTheMillisecond() {
        for (double[] c : new double[][] {{1_796_378_400.125, 1_796_378_400.125}, {1_796_378_400.1, 1_796_378_400.1},
                {1_796_378_400.0004, 1_796_378_400}, {1_796_378_400.9996, 1_796_378_401}, {0, 0}, {Double.NaN, 0},
                {5e12, 5e12}}) {
            StringBuilder b = new StringBuilder();
            LinkNote.seconds(b, c[0]);
            assertThat(Double.parseDouble(b.toString())).as(b.toString()).isEqualTo(c[1]);
            assertThat(b.toString()).doesNotContain("E9");
        }
        StringBuilder b = new StringBuilder();
        LinkNote.seconds(b, 1_796_378_400.05);
        assertThat(b).hasToString("1796378400.05");
    }
}
