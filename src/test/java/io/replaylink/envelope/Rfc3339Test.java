package io.replaylink.envelope;

import org.junit.jupiter.api.Test;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The hand-written RFC 3339 reader against the regex it replaced (the oracle, kept here) on made-up and mutated
 * date-times, and its epoch seconds against java.time.
 */
class Rfc3339Test {
    private static final Pattern ORACLE = Pattern.compile(
            "(\\d{4})-(\\d{2})-(\\d{2})[Tt ](\\d{2}):(\\d{2}):(\\d{2})(?:\\.\\d{1,32})?(Z|z|UTC|[+-]\\d{2}:?\\d{2})");

    static boolean oracle(String text) {
        if (text.length() > 64) {
            return false;
        }
        Matcher m = ORACLE.matcher(text);
        if (!m.matches()) {
            return false;
        }
        try {
            LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
            int second = Integer.parseInt(m.group(6));
            LocalTime.of(Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), second == 60 ? 59 : second);
        } catch (DateTimeException e) {
            return false;
        }
        String offset = m.group(7);
        if (offset.length() > 3) {
            int hours = Integer.parseInt(offset.substring(1, 3));
            int minutes = Integer.parseInt(offset.substring(offset.length() - 2));
            return hours < 24 && minutes < 60;
        }
        return true;
    }

    @Test
    void agreesWithTheRegexOnValidAndMutatedDateTimes() {
        String[] seeds = {"2026-12-04T10:00:00.000Z", "2024-02-29t23:59:60+05:30", "1999-12-31 00:00:00UTC",
                "2026-12-04T10:00:00-0130", "2026-12-04T10:00:00.123456789012345678901234567890123z",
                "2023-02-29T10:00:00Z", "2026-13-04T10:00:00Z", "2026-12-04T24:00:00Z", "2026-12-04T10:00:00+24:00",
                "2026-12-04T10:00:00", "2026-12-04T10:00Z", "2026-12-04T10:00:00.Z", "1900-02-29T00:00:00Z",
                "2000-02-29T00:00:00Z", "2026-04-31T00:00:00Z"};
        String alphabet = "0123456789-:T t.Z+UCz";
        Random random = new Random(7);
        int checked = 0;
        for (String seed : seeds) {
            assertThat(Rfc3339.valid(seed)).as(seed).isEqualTo(oracle(seed));
            for (int i = 0; i < 20_000; i++) {
                StringBuilder s = new StringBuilder(seed);
                int edits = 1 + random.nextInt(3);
                for (int e = 0; e < edits && s.length() > 0; e++) {
                    int at = random.nextInt(s.length());
                    switch (random.nextInt(3)) {
                        case 0 -> s.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                        case 1 -> s.deleteCharAt(at);
                        default -> s.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    }
                }
                String text = s.toString();
                assertThat(Rfc3339.valid(text)).as(text).isEqualTo(oracle(text));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(seeds.length * 20_000);
    }

    @Test
    void epochSecondsMatchJavaTime() {
        Random random = new Random(11);
        for (int i = 0; i < 10_000; i++) {
            OffsetDateTime t = OffsetDateTime.of(1 + random.nextInt(9998), 1 + random.nextInt(12), 1 + random.nextInt(28),
                    random.nextInt(24), random.nextInt(60), random.nextInt(60), random.nextInt(1000) * 1_000_000,
                    java.time.ZoneOffset.ofTotalSeconds((random.nextInt(35) - 17) * 3600 + random.nextInt(2) * 1800));
            String text = t.toString();
            if (t.getSecond() == 0 && t.getNano() == 0) {
                continue; // java.time leaves ":00" out; RFC 3339 needs the seconds
            }
            double expected = t.toEpochSecond() + t.getNano() / 1e9;
            assertThat(Rfc3339.epochSeconds(text, true, 9)).as(text).isCloseTo(expected, within(1e-6));
        }
        assertThat(Rfc3339.epochSeconds("2026-12-04T10:00:00", false, 9)).isEqualTo(1_796_378_400.0);
        assertThat(Rfc3339.epochSeconds("2026-12-04T10:00:00", true, 9)).isNaN();
        assertThat(Rfc3339.epochSeconds("2026-12-04T10:00:00.1234567891Z", true, 9)).isNaN();
    }
}
