package io.replaylink.sampling;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets of the sampling rules (see {@code scripts/fuzz}): a rules file parses or is refused with a reason, and
 * evaluating what parsed on any event never throws; the glob automaton answers what a regex translation of the same
 * glob answers (the regex is the oracle here only: it backtracks, so the matcher does not use it).
 */
class SamplingFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void rulesParseOrAreRefusedAndEvaluateOnAnyEvent(FuzzedDataProvider data) {
        String yaml = data.consumeString(2000);
        byte[] event = data.consumeRemainingAsBytes();
        RulesFile.Rules rules;
        try {
            rules = RulesFile.load(yaml);
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        }
        Map<String, Object> fields = EventFields.read(ByteBuffer.wrap(event));
        Map<String, Object> trace = Map.of("release", "shop@1.0", "environment", "prod", "transaction", "/checkout");
        for (long project : new long[] {1, 2}) {
            SamplingRules.Decision decision = rules.forProject(project)
                    .evaluate(trace::get, fields::get, Instant.ofEpochSecond(1_700_000_000));
            assertThat(decision.sampleRate()).isBetween(0.0, 1.0);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void globsMatchAsTheirRegexTranslationDoes(FuzzedDataProvider data) {
        String glob = data.consumeAsciiString(24);
        String value = data.consumeRemainingAsAsciiString();
        // the oracle is a backtracking regex: a glob of many stars takes it time polynomial in the value (a 10-star
        // glob took 57 s on one input), which is the reason the matcher is an automaton; keep its inputs small
        if (value.length() > 32 || glob.replaceAll("\\*+", "*").chars().filter(c -> c == '*').count() > 4) {
            return;
        }
        Pattern oracle;
        try {
            oracle = Pattern.compile(RegexGlob.regex(glob, false), Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
        } catch (RegexGlob.ReversedRange e) {
            return; // [z-a]: the regex would refuse it, the automaton matches nothing there
        }
        boolean expected = oracle.matcher(value).matches();
        assertThat(GlobPattern.compile(glob).matches(value)).as("%s ~ %s", glob, value).isEqualTo(expected);
        assertThat(Condition.Glob.of("release", List.of(glob)).matches(f -> value)).as("%s ~ %s (condition)", glob, value)
                .isEqualTo(expected);
    }

    /** Relay's glob syntax as a Java regex (the translation the matcher used before it became an automaton). */
    static final class RegexGlob {
        static String regex(String glob, boolean inAlternative) {
            StringBuilder re = new StringBuilder();
            for (int i = 0; i < glob.length(); i++) {
                char c = glob.charAt(i);
                switch (c) {
                    case '*' -> re.append(".*");
                    case '?' -> re.append('.');
                    case '\\' -> re.append(Pattern.quote(i + 1 < glob.length() ? String.valueOf(glob.charAt(++i)) : "\\"));
                    case '[' -> {
                        int close = glob.indexOf(']', i + 2);
                        if (close < 0) {
                            re.append(Pattern.quote("["));
                            break;
                        }
                        re.append(characterClass(glob.substring(i + 1, close)));
                        i = close;
                    }
                    case '{' -> {
                        int close = glob.indexOf('}', i + 1);
                        if (inAlternative || close < 0) {
                            re.append(Pattern.quote("{"));
                            break;
                        }
                        re.append("(?:");
                        String[] alternatives = glob.substring(i + 1, close).split(",", -1);
                        for (int a = 0; a < alternatives.length; a++) {
                            re.append(a > 0 ? "|" : "").append(regex(alternatives[a], true));
                        }
                        re.append(')');
                        i = close;
                    }
                    default -> re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return re.toString();
        }

        /** Thrown for a class the regex engine would refuse (a reversed range, an empty negation): not compiled. */
        static final class ReversedRange extends RuntimeException {
        }

        private static String characterClass(String members) {
            StringBuilder re = new StringBuilder("[");
            int start = 0;
            if (members.startsWith("!") || members.startsWith("^")) {
                re.append('^');
                start = 1;
            }
            if (start == members.length()) {
                throw new ReversedRange(); // [!] and [^]: an empty negated class, which the regex engine refuses
            }
            // as the regex engine reads the class: a member, then "-x" makes it a range that must not be reversed
            for (int i = start; i < members.length(); i++) {
                boolean rangeOperator = i + 1 < members.length() && members.charAt(i + 1) == '-' && i + 1 > start
                        && i + 2 < members.length();
                if (rangeOperator) {
                    if (members.charAt(i) > members.charAt(i + 2)) {
                        throw new ReversedRange();
                    }
                    i += 2;
                }
            }
            for (int i = start; i < members.length(); i++) {
                char m = members.charAt(i);
                if (m == '-' && i > start && i + 1 < members.length() || Character.isLetterOrDigit(m)) {
                    re.append(m);
                } else {
                    re.append('\\').append(m);
                }
            }
            return re.append(']').toString();
        }
    }
}
