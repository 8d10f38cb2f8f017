package io.replaylink.sampling;

import java.util.ArrayList;
import java.util.List;

/**
 * One glob of Relay's syntax (relay-pattern), matched case-insensitively without a regex and without backtracking:
 * the glob becomes a small automaton whose states are all followed at once, so a match costs at most (length of the
 * value) x (states of the glob), whatever the value. (A regex of {@code .*a.*a.*a.*b} takes time polynomial in the
 * value's length, with the number of stars as the power; a value comes from an event.)
 * <p>
 * Syntax: {@code *} any run of characters, {@code ?} one character, {@code [abc]}, {@code [a-z]} and {@code [!abc]}
 * (or {@code [^abc]}) classes, {@code {a,b}} alternatives (not nested: a brace inside one is itself), {@code \}
 * escaping the next character; anything else matches itself. Characters are Unicode code points.
 */
final class GlobPattern {
    private static final int ONE = 0;
    private static final int STAR = 1;
    private static final int SPLIT = 2;
    private static final int MATCH = 3;

    /** Per state: its kind, the state after it, what it accepts (ONE) or where it forks to (SPLIT). */
    private final int[] kind;
    private final int[] next;
    private final CodePoints[] accepts;
    private final int[][] forks;
    private final int start;

    /** What one {@code ?}, class or literal accepts. */
    private interface CodePoints {
        boolean accepts(int folded);
    }

    private GlobPattern(Builder b, int start) {
        int n = b.kind.size();
        kind = new int[n];
        next = new int[n];
        accepts = b.accepts.toArray(CodePoints[]::new);
        forks = b.forks.toArray(int[][]::new);
        for (int i = 0; i < n; i++) {
            kind[i] = b.kind.get(i);
            next[i] = b.next.get(i);
        }
        this.start = start;
    }

    static GlobPattern compile(String glob) {
        Builder b = new Builder();
        int match = b.add(MATCH, -1, null, null);
        return new GlobPattern(b, b.sequence(glob, false, match));
    }

    boolean matches(String value) {
        int n = kind.length;
        boolean[] current = new boolean[n];
        boolean[] following = new boolean[n];
        int[] active = new int[n];
        int[] upcoming = new int[n];
        int count = enter(start, current, active, 0);
        for (int i = 0; i < value.length() && count > 0; ) {
            int cp = value.codePointAt(i);
            i += Character.charCount(cp);
            int folded = fold(cp);
            int upcomingCount = 0;
            for (int a = 0; a < count; a++) {
                int s = active[a];
                if (kind[s] == STAR) {
                    upcomingCount = enter(s, following, upcoming, upcomingCount);
                } else if (kind[s] == ONE && accepts[s].accepts(folded)) {
                    upcomingCount = enter(next[s], following, upcoming, upcomingCount);
                }
            }
            for (int a = 0; a < count; a++) {
                current[active[a]] = false;
            }
            boolean[] flag = current;
            current = following;
            following = flag;
            int[] list = active;
            active = upcoming;
            upcoming = list;
            count = upcomingCount;
        }
        for (int a = 0; a < count; a++) {
            if (kind[active[a]] == MATCH) {
                return true;
            }
        }
        return false;
    }

    /** Adds a state and every state reachable from it without reading a character. */
    private int enter(int s, boolean[] in, int[] list, int count) {
        if (in[s]) {
            return count;
        }
        in[s] = true;
        list[count++] = s;
        if (kind[s] == STAR) {
            count = enter(next[s], in, list, count);
        } else if (kind[s] == SPLIT) {
            for (int target : forks[s]) {
                count = enter(target, in, list, count);
            }
        }
        return count;
    }

    private static int fold(int cp) {
        return Character.toLowerCase(Character.toUpperCase(cp));
    }

    /** Builds the automaton from the end of the glob backwards: each state knows the one after it. */
    private static final class Builder {
        final List<Integer> kind = new ArrayList<>();
        final List<Integer> next = new ArrayList<>();
        final List<CodePoints> accepts = new ArrayList<>();
        final List<int[]> forks = new ArrayList<>();

        int add(int k, int after, CodePoints what, int[] fork) {
            kind.add(k);
            next.add(after);
            accepts.add(what);
            forks.add(fork);
            return kind.size() - 1;
        }

        /** The state that starts {@code glob}, continuing into {@code then} after it. */
        int sequence(String glob, boolean inAlternative, int then) {
            List<Object> parts = parts(glob, inAlternative);
            int state = then;
            for (int i = parts.size() - 1; i >= 0; i--) {
                Object part = parts.get(i);
                if (part == null) {
                    if (kind.get(state) != STAR) { // ** is *
                        state = add(STAR, state, null, null);
                    }
                } else if (part instanceof CodePoints one) {
                    state = add(ONE, state, one, null);
                } else {
                    @SuppressWarnings("unchecked")
                    List<String> alternatives = (List<String>) part;
                    int[] fork = new int[alternatives.size()];
                    for (int a = 0; a < fork.length; a++) {
                        fork[a] = sequence(alternatives.get(a), true, state);
                    }
                    state = add(SPLIT, -1, null, fork);
                }
            }
            return state;
        }

        /** The glob's parts in order: null for {@code *}, a {@link CodePoints}, or a list of alternatives. */
        private static List<Object> parts(String glob, boolean inAlternative) {
            List<Object> parts = new ArrayList<>();
            for (int i = 0; i < glob.length(); ) {
                int c = glob.codePointAt(i);
                int after = i + Character.charCount(c);
                switch (c) {
                    case '*' -> parts.add(null);
                    case '?' -> parts.add((CodePoints) folded -> true);
                    case '\\' -> {
                        if (after < glob.length()) {
                            int escaped = glob.codePointAt(after);
                            parts.add(literal(escaped));
                            after += Character.charCount(escaped);
                        } else {
                            parts.add(literal('\\'));
                        }
                    }
                    case '[' -> {
                        int close = glob.indexOf(']', i + 2);
                        if (close < 0) {
                            parts.add(literal('['));
                        } else {
                            parts.add(characterClass(glob.substring(i + 1, close)));
                            after = close + 1;
                        }
                    }
                    case '{' -> {
                        int close = glob.indexOf('}', i + 1);
                        if (inAlternative || close < 0) {
                            parts.add(literal('{'));
                        } else {
                            parts.add(List.of(glob.substring(i + 1, close).split(",", -1)));
                            after = close + 1;
                        }
                    }
                    default -> parts.add(literal(c));
                }
                i = after;
            }
            return parts;
        }

        private static CodePoints literal(int c) {
            int folded = fold(c);
            return f -> f == folded;
        }

        /** {@code abc}, {@code a-z}, {@code !abc} or {@code ^abc} (negated); compared case-insensitively. */
        private static CodePoints characterClass(String members) {
            boolean negated = members.startsWith("!") || members.startsWith("^");
            int[] cps = members.codePoints().skip(negated ? 1 : 0).toArray();
            List<int[]> ranges = new ArrayList<>();
            for (int i = 0; i < cps.length; i++) {
                if (i + 2 < cps.length && cps[i + 1] == '-') {
                    ranges.add(new int[] {cps[i], cps[i + 2]});
                    i += 2;
                } else {
                    ranges.add(new int[] {cps[i], cps[i]});
                }
            }
            int[][] r = ranges.toArray(int[][]::new);
            return folded -> {
                int upper = Character.toUpperCase(folded);
                boolean in = false;
                for (int[] range : r) {
                    if (within(folded, range) || within(upper, range)) {
                        in = true;
                        break;
                    }
                }
                return in != negated;
            };
        }

        private static boolean within(int cp, int[] range) {
            return cp >= range[0] && cp <= range[1]
                    || fold(cp) >= fold(range[0]) && fold(cp) <= fold(range[1]) && range[0] == range[1];
        }
    }
}
