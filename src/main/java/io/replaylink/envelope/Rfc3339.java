package io.replaylink.envelope;

/**
 * RFC 3339 date-times read by hand (every envelope's {@code sent_at} and every event's {@code timestamp} pass here:
 * a regex match and {@code OffsetDateTime.parse} cost more than the rest of the header's checks together).
 * The grammar is Relay's for {@code sent_at}: {@code YYYY-MM-DD}, {@code T}, {@code t} or a space, {@code
 * HH:MM:SS}, an optional fraction of 1 to 32 digits, and a zone {@code Z}, {@code z}, {@code UTC}, {@code +HH:MM} or
 * {@code +HHMM}; the date must exist (leap years counted), a second of 60 (a leap second) is taken.
 */
public final class Rfc3339 {
    private Rfc3339() {
    }

    /** The longest fraction Relay's parser takes. */
    static final int MAX_FRACTION_DIGITS = 32;

    /** Whether {@code text} is an RFC 3339 date-time as Relay reads {@code sent_at}. */
    public static boolean valid(CharSequence text) {
        return !Double.isNaN(epochSeconds(text, true, MAX_FRACTION_DIGITS));
    }

    /**
     * Seconds since the epoch of {@code text}, or NaN when it is not of the grammar above. With {@code zoneRequired}
     * false, a date-time without a zone is UTC. At most {@code maxFractionDigits} fraction digits are taken.
     */
    public static double epochSeconds(CharSequence s, boolean zoneRequired, int maxFractionDigits) {
        int n = s.length();
        if (n < 19 || n > 64) {
            return Double.NaN;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        char sep = s.charAt(10);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || s.charAt(4) != '-'
                || s.charAt(7) != '-' || sep != 'T' && sep != 't' && sep != ' ' || s.charAt(13) != ':'
                || s.charAt(16) != ':' || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)
                || hour > 23 || minute > 59 || second > 60) {
            return Double.NaN;
        }
        int i = 19;
        double fraction = 0;
        if (i < n && s.charAt(i) == '.') {
            int start = ++i;
            double scale = 0.1;
            while (i < n && isDigit(s.charAt(i))) {
                fraction += (s.charAt(i) - '0') * scale;
                scale /= 10;
                i++;
            }
            if (i == start || i - start > maxFractionDigits) {
                return Double.NaN;
            }
        }
        int offsetSeconds;
        int rest = n - i;
        if (rest == 0) {
            if (zoneRequired) {
                return Double.NaN;
            }
            offsetSeconds = 0;
        } else if (rest == 1 && (s.charAt(i) == 'Z' || s.charAt(i) == 'z')) {
            offsetSeconds = 0;
        } else if (rest == 3 && s.charAt(i) == 'U' && s.charAt(i + 1) == 'T' && s.charAt(i + 2) == 'C') {
            offsetSeconds = 0;
        } else if ((rest == 6 || rest == 5) && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            int hours = digits(s, i + 1, 2);
            if (rest == 6 && s.charAt(i + 3) != ':') {
                return Double.NaN;
            }
            int minutes = digits(s, i + rest - 2, 2);
            if (hours < 0 || minutes < 0 || hours > 23 || minutes > 59) {
                return Double.NaN;
            }
            offsetSeconds = (s.charAt(i) == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
        } else {
            return Double.NaN;
        }
        long days = daysFromCivil(year, month, day);
        return days * 86_400L + hour * 3600L + minute * 60L + Math.min(second, 59) - offsetSeconds + fraction;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** The number of {@code count} ASCII digits at {@code at}, or -1. */
    private static int digits(CharSequence s, int at, int count) {
        int v = 0;
        for (int i = at; i < at + count; i++) {
            char c = s.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    static int daysIn(int year, int month) {
        return switch (month) {
            case 2 -> year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
    static long daysFromCivil(int year, int month, int day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }
}
