package io.replaylink.sampling;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * A rule condition in Relay's format ({@code relay-protocol/src/condition.rs}): {@code eq} (one value or a list; with
 * {@code options.ignoreCase}; {@code null} matches a missing field), {@code glob} (Relay's glob syntax),
 * {@code gt}/{@code gte}/{@code lt}/{@code lte} on numbers, and {@code and}/{@code or}/{@code not} over inner
 * conditions. Fields are read through a getter: trace-rule conditions name the DSC key ({@code trace.release} is
 * read as {@code release}, {@code trace.user.id} as {@code user_id}: resolved once when the rule is parsed),
 * transaction-rule conditions the {@code event.*} field.
 */
public sealed interface Condition {

    boolean matches(Function<String, Object> fields);

    record Eq(String name, Object[] values, boolean ignoreCase) implements Condition {
        Eq(String name, List<Object> values, boolean ignoreCase) {
            this(name, values.toArray(), ignoreCase);
        }

        public boolean matches(Function<String, Object> fields) {
            Object actual = fields.apply(name);
            for (int i = 0; i < values.length; i++) {
                Object expected = values[i];
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

    record Glob(String name, List<GlobPattern> patterns, List<String[]> simple) implements Condition {
        static Glob of(String name, List<String> globs) {
            boolean allSimple = globs.stream().allMatch(g -> g.chars().noneMatch(c -> "?[]{}\\".indexOf(c) >= 0)
                    && (g.indexOf('*') < 0 || g.indexOf('*') == g.lastIndexOf('*')
                    || g.chars().filter(c -> c == '*').count() == 2 && g.startsWith("*") && g.endsWith("*")));
            List<String[]> simple = allSimple ? globs.stream().map(g -> new String[] {g}).toList() : null;
            return new Glob(name, globs.stream().map(GlobPattern::compile).toList(), simple);
        }

        /** Globs with at most one {@code *}, or {@code *x*}: matched case-insensitively without a regex. */
        private static boolean simpleMatch(String glob, String s) {
            int star = glob.indexOf('*');
            if (star < 0) {
                return glob.equalsIgnoreCase(s);
            }
            if (glob.length() > 1 && star == 0 && glob.endsWith("*") && glob.indexOf('*', 1) == glob.length() - 1) {
                int n = glob.length() - 2;
                for (int i = 0; i + n <= s.length(); i++) {
                    if (s.regionMatches(true, i, glob, 1, n)) {
                        return true;
                    }
                }
                return false;
            }
            int suffix = glob.length() - star - 1;
            return s.length() >= star + suffix && s.regionMatches(true, 0, glob, 0, star)
                    && s.regionMatches(true, s.length() - suffix, glob, star + 1, suffix);
        }

        public boolean matches(Function<String, Object> fields) {
            Object actual = fields.apply(name);
            if (!(actual instanceof String s)) {
                return false;
            }
            if (simple != null) {
                for (String[] g : simple) {
                    if (simpleMatch(g[0], s)) {
                        return true;
                    }
                }
                return false;
            }
            for (GlobPattern p : patterns) {
                if (p.matches(s)) {
                    return true;
                }
            }
            return false;
        }
    }

    record Compare(String op, String name, double value) implements Condition {
        public boolean matches(Function<String, Object> fields) {
            double actual = fields instanceof Fields f ? f.number(name) : fastNumber(fields.apply(name));
            if (Double.isNaN(actual)) {
                return false;
            }
            int c = Double.compare(actual, value);
            return switch (op) {
                case "gt" -> c > 0;
                case "gte" -> c >= 0;
                case "lt" -> c < 0;
                default -> c <= 0;
            };
        }
    }

    record And(Condition[] inner) implements Condition {
        And(List<Condition> inner) {
            this(inner.toArray(Condition[]::new));
        }

        public boolean matches(Function<String, Object> fields) {
            for (int i = 0; i < inner.length; i++) {
                if (!inner[i].matches(fields)) {
                    return false;
                }
            }
            return true;
        }
    }

    record Or(Condition[] inner) implements Condition {
        Or(List<Condition> inner) {
            this(inner.toArray(Condition[]::new));
        }

        public boolean matches(Function<String, Object> fields) {
            for (int i = 0; i < inner.length; i++) {
                if (inner[i].matches(fields)) {
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

    /** A record's fields for one evaluation, with numbers parsed once however many conditions compare them. */
    final class Fields implements Function<String, Object> {
        private final Function<String, Object> source;
        private String[] names;
        private double[] numbers;
        private int size;

        Fields(Function<String, Object> source) {
            this.source = source;
        }

        @Override
        public Object apply(String name) {
            return source.apply(name);
        }

        double number(String name) {
            for (int i = 0; i < size; i++) {
                if (names[i].equals(name)) {
                    return numbers[i];
                }
            }
            double v = fastNumber(source.apply(name));
            if (names == null) {
                names = new String[4];
                numbers = new double[4];
            } else if (size == names.length) {
                names = java.util.Arrays.copyOf(names, size * 2);
                numbers = java.util.Arrays.copyOf(numbers, size * 2);
            }
            names[size] = name;
            numbers[size++] = v;
            return v;
        }
    }

    static double fastNumber(Object value) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
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
