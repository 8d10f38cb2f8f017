package io.replaylink.sampling;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A rule condition in Relay's format ({@code relay-protocol/src/condition.rs}): {@code eq} (one value or a list; with
 * {@code options.ignoreCase}; {@code null} matches a missing field), {@code glob} (patterns with {@code *}),
 * {@code gt}/{@code gte}/{@code lt}/{@code lte} on numbers, and {@code and}/{@code or}/{@code not} over inner
 * conditions. Fields are read through a getter ({@code trace.*} from the DSC, {@code event.*} from the event).
 */
public sealed interface Condition {

    boolean matches(Function<String, Object> fields);

    record Eq(String name, List<Object> values, boolean ignoreCase) implements Condition {
        public boolean matches(Function<String, Object> fields) {
            Object actual = fields.apply(name);
            for (Object expected : values) {
                if (expected == null ? actual == null : equal(expected, actual)) {
                    return true;
                }
            }
            return false;
        }

        private boolean equal(Object expected, Object actual) {
            if (actual == null) {
                return false;
            }
            if (expected instanceof String e && actual instanceof String a) {
                return ignoreCase ? e.equalsIgnoreCase(a) : e.equals(a);
            }
            if (expected instanceof Number e) {
                BigDecimal a = number(actual);
                return a != null && a.compareTo(new BigDecimal(e.toString())) == 0;
            }
            if (expected instanceof Boolean e) {
                return e.equals(actual) || actual instanceof String s && s.equalsIgnoreCase(e.toString());
            }
            return expected.equals(actual);
        }
    }

    record Glob(String name, List<Pattern> patterns) implements Condition {
        static Glob of(String name, List<String> globs) {
            return new Glob(name, globs.stream().map(Glob::compile).toList());
        }

        /** {@code *} matches any run of characters (Relay's glob for trace fields), case-insensitively. */
        static Pattern compile(String glob) {
            StringBuilder re = new StringBuilder();
            for (String part : glob.split("\\*", -1)) {
                if (re.length() > 0) {
                    re.append(".*");
                }
                re.append(Pattern.quote(part));
            }
            return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
        }

        public boolean matches(Function<String, Object> fields) {
            Object actual = fields.apply(name);
            if (!(actual instanceof String s)) {
                return false;
            }
            return patterns.stream().anyMatch(p -> p.matcher(s).matches());
        }
    }

    record Compare(String op, String name, BigDecimal value) implements Condition {
        public boolean matches(Function<String, Object> fields) {
            BigDecimal actual = number(fields.apply(name));
            if (actual == null) {
                return false;
            }
            int c = actual.compareTo(value);
            return switch (op) {
                case "gt" -> c > 0;
                case "gte" -> c >= 0;
                case "lt" -> c < 0;
                default -> c <= 0;
            };
        }
    }

    record And(List<Condition> inner) implements Condition {
        public boolean matches(Function<String, Object> fields) {
            for (Condition c : inner) {
                if (!c.matches(fields)) {
                    return false;
                }
            }
            return true;
        }
    }

    record Or(List<Condition> inner) implements Condition {
        public boolean matches(Function<String, Object> fields) {
            for (Condition c : inner) {
                if (c.matches(fields)) {
                    return true;
                }
            }
            return false;
        }
    }

    record Not(Condition inner) implements Condition {
        public boolean matches(Function<String, Object> fields) {
            return !inner.matches(fields);
        }
    }

    static BigDecimal number(Object value) {
        if (value instanceof BigDecimal d) {
            return d;
        }
        if (value instanceof Number n) {
            return new BigDecimal(n.toString());
        }
        if (value instanceof String s) {
            try {
                return new BigDecimal(s.trim().toLowerCase(Locale.ROOT));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
