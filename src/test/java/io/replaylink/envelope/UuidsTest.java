package io.replaylink.envelope;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The eight-at-a-time hex reading against a character-by-character oracle (kept here): every character from 0 to
 * U+017F and some far beyond in every position of an id, and random ids; and normalize's forms.
 */
class UuidsTest {
    private static boolean oracleIsLowerHex(String id) {
        return id.length() == 32 && id.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f');
    }

    private static long oracleHalf(String id, int from) {
        return Long.parseUnsignedLong(id.substring(from, from + 16), 16);
    }

    private static String randomId(Random random) {
        return String.format("%016x%016x", random.nextLong(), random.nextLong());
    }

    @Test
    void everyCharacterInEveryPositionIsJudgedAsTheOracleDoes() {
        Random random = new Random(7);
        char[] wide = {0x100, 0x130, 0x161, 0x166, 0x230, 0x3030, 0x6161, 0xff10, 0xffff};
        for (int position = 0; position < 32; position++) {
            char[] id = randomId(random).toCharArray();
            for (int c = 0; c < 0x180 + wide.length; c++) {
                id[position] = c < 0x180 ? (char) c : wide[c - 0x180];
                String text = new String(id);
                boolean hex = oracleIsLowerHex(text);
                assertThat(Uuids.isLowerHex(text)).as("%04x at %d", (int) id[position], position).isEqualTo(hex);
                if (hex) {
                    assertThat(Uuids.hexHalf(text, 0)).isEqualTo(oracleHalf(text, 0));
                    assertThat(Uuids.hexHalf(text, 16)).isEqualTo(oracleHalf(text, 16));
                }
            }
        }
    }

    @Test
    void randomIdsReadAsTheirValue() {
        Random random = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            long hi = random.nextLong();
            long lo = random.nextLong();
            String id = String.format("%016x%016x", hi, lo);
            assertThat(Uuids.isLowerHex(id)).isTrue();
            assertThat(Uuids.hexHalf(id, 0)).isEqualTo(hi);
            assertThat(Uuids.hexHalf(id, 16)).isEqualTo(lo);
            assertThat(Uuids.hexId(hi, lo)).isEqualTo(id);
        }
        assertThat(Uuids.hexId(0, 0)).isEqualTo("0".repeat(32));
        assertThat(Uuids.hexId(-1, -1)).isEqualTo("f".repeat(32));
        assertThat(Uuids.hexId(0x0123456789abcdefL, 0xfedcba9876543210L))
                .isEqualTo("0123456789abcdeffedcba9876543210");
        assertThat(Uuids.isLowerHex("0".repeat(31))).isFalse();
        assertThat(Uuids.isLowerHex("0".repeat(33))).isFalse();
        assertThat(Uuids.isLowerHex("")).isFalse();
    }

    @Test
    void normalizeKeepsTheFormSdksSendAndLowersTheOthers() {
        String id = "0123456789abcdef0123456789abcdef";
        assertThat(Uuids.normalize(id)).isSameAs(id);
        assertThat(Uuids.normalize("0123456789ABCDEF0123456789abcdef")).isEqualTo(id);
        assertThat(Uuids.normalize("01234567-89ab-cdef-0123-456789abcdef")).isEqualTo(id);
        assertThat(Uuids.normalize("0".repeat(32))).isNull();
        assertThat(Uuids.normalize("00000000-0000-0000-0000-000000000000")).isNull();
        assertThat(Uuids.normalize("0123456789abcdef0123456789abcdeg")).isNull();
        assertThat(Uuids.normalize("0123456789abcdef0123456789abcdef0")).isNull();
        assertThat(Uuids.normalize(null)).isNull();
    }
}
