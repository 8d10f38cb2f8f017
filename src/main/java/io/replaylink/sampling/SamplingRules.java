package io.replaylink.sampling;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A project's rules, parsed from Relay's JSON format (as maps: JSON or YAML), and their evaluation as Relay does
 * it ({@code relay-sampling/src/evaluation.rs}): rules in order; a matching {@code factor} rule multiplies the
 * accumulated factor and evaluation goes on; the first matching {@code sampleRate} rule ends it with that rate times
 * the factor, clamped to [0, 1]. No matching {@code sampleRate} rule: keep. A rule type this version does not know
 * disables sampling for the project (as Relay), which {@link #disabledBecause()} says.
 */
public record SamplingRules(List<SamplingRule> rules, String disabledBecause, SamplingRule[] array) {

    public SamplingRules(List<SamplingRule> rules, String disabledBecause) {
        this(rules, disabledBecause, rules.toArray(SamplingRule[]::new));
    }

    public static final SamplingRules NONE = new SamplingRules(List.of(), null);

    /** The decision: the rate and the ids of the rules that made it (empty: no rule matched, keep). */
    public record Decision(double sampleRate, List<Long> ruleIds) {
        public boolean matched() {
            return !ruleIds.isEmpty();
        }
    }

    /**
     * @param traceFields the DSC's fields by their key ({@code release}, {@code replay_id}, ...), or null without a DSC
     * @param eventFields the event's {@code event.*} fields, or null
     */
    public Decision evaluate(Function<String, Object> traceFields, Function<String, Object> eventFields,
                             Instant now) {
        if (disabledBecause != null || rules.isEmpty()) {
            return new Decision(1.0, List.of());
        }
        double factor = 1.0;
        List<Long> ids = null;
        traceFields = traceFields == null ? null : new Condition.Fields(traceFields);
        eventFields = eventFields == null ? null : new Condition.Fields(eventFields);
        SamplingRule[] all = array;
        for (int i = 0; i < all.length; i++) {
            SamplingRule rule = all[i];
            if (!rule.active(now)) {
                continue;
            }
            Function<String, Object> fields = rule.type() == SamplingRule.Type.TRACE ? traceFields : eventFields;
            if (fields == null || !rule.condition().matches(fields)) {
                continue;
            }
            if (ids == null) {
                ids = new ArrayList<>(2);
            }
            ids.add(rule.id());
            double v = rule.valueAt(now);
            if (rule.factor()) {
                factor *= v;
            } else {
                return new Decision(Math.max(0, Math.min(1, v * factor)), List.copyOf(ids));
            }
        }
        return new Decision(1.0, List.of());
    }

    /** Parses {@code {"rules": [...]}} or a bare list of rules; throws {@link IllegalArgumentException} naming what. */
    @SuppressWarnings("unchecked")
    public static SamplingRules parse(Object config, String where) {
        Object list = config instanceof Map<?, ?> m ? m.get("rules") : config;
        if (list == null) {
            return NONE;
        }
        if (!(list instanceof List<?> raw)) {
            throw new IllegalArgumentException(where + ".rules: must be a list of rules");
        }
        List<SamplingRule> rules = new ArrayList<>();
        String disabled = null;
        for (int i = 0; i < raw.size(); i++) {
            String at = where + ".rules[" + i + "]";
            if (!(raw.get(i) instanceof Map<?, ?> r)) {
                throw new IllegalArgumentException(at + ": must be a rule object");
            }
            Map<String, Object> rule = (Map<String, Object>) r;
            String type = String.valueOf(rule.get("type"));
            SamplingRule.Type t = switch (type) {
                case "trace" -> SamplingRule.Type.TRACE;
                case "transaction" -> SamplingRule.Type.TRANSACTION;
                default -> null;
            };
            Map<String, Object> value = map(rule.get("samplingValue"), at + ".samplingValue");
            String valueType = String.valueOf(value.get("type"));
            if (t == null || !valueType.equals("sampleRate") && !valueType.equals("factor")) {
                disabled = at + ": unsupported rule (type " + type + ", samplingValue " + valueType
                        + "): sampling is off for these rules, as Relay does";
                continue;
            }
            BigDecimal v = Condition.number(value.get("value"));
            if (v == null || v.signum() < 0) {
                throw new IllegalArgumentException(at + ".samplingValue.value: must be a number >= 0");
            }
            if (!(rule.get("id") instanceof Number id)) {
                throw new IllegalArgumentException(at + ".id: must be a number");
            }
            Instant start = null;
            Instant end = null;
            if (rule.get("timeRange") instanceof Map<?, ?> tr) {
                start = instant(tr.get("start"), at + ".timeRange.start");
                end = instant(tr.get("end"), at + ".timeRange.end");
            }
            Double decayed = null;
            if (rule.get("decayingFn") instanceof Map<?, ?> fn) {
                String fnType = String.valueOf(fn.get("type"));
                if (fnType.equals("linear")) {
                    BigDecimal d = Condition.number(fn.get("decayedValue"));
                    if (d == null) {
                        throw new IllegalArgumentException(at + ".decayingFn.decayedValue: must be a number");
                    }
                    if (start == null || end == null) {
                        throw new IllegalArgumentException(at + ".decayingFn: linear decay needs a timeRange");
                    }
                    decayed = d.doubleValue();
                } else if (!fnType.equals("constant")) {
                    disabled = at + ": unsupported decayingFn " + fnType + ": sampling is off for these rules";
                    continue;
                }
            }
            rules.add(new SamplingRule(id.longValue(), t, condition(rule.get("condition"), at + ".condition"),
                    valueType.equals("factor"), v.doubleValue(), start, end, decayed));
        }
        return new SamplingRules(List.copyOf(rules), disabled);
    }

    @SuppressWarnings("unchecked")
    static Condition condition(Object raw, String at) {
        Map<String, Object> c = map(raw, at);
        String op = String.valueOf(c.get("op"));
        switch (op) {
            case "and", "or" -> {
                Object inner = c.get("inner");
                if (!(inner instanceof List<?> list)) {
                    throw new IllegalArgumentException(at + ".inner: must be a list of conditions");
                }
                List<Condition> conditions = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    conditions.add(condition(list.get(i), at + ".inner[" + i + "]"));
                }
                return op.equals("and") ? new Condition.And(conditions) : new Condition.Or(conditions);
            }
            case "not" -> {
                return new Condition.Not(condition(c.get("inner"), at + ".inner"));
            }
            case "eq" -> {
                Object value = c.get("value");
                List<Object> values = value instanceof List<?> l ? new ArrayList<>(l) : new ArrayList<>();
                if (!(value instanceof List<?>)) {
                    values.add(value);
                }
                boolean ignoreCase = c.get("options") instanceof Map<?, ?> o && Boolean.TRUE.equals(o.get("ignoreCase"));
                return new Condition.Eq(name(c, at), values, ignoreCase);
            }
            case "glob" -> {
                Object value = c.get("value");
                List<String> globs = new ArrayList<>();
                if (value instanceof List<?> l) {
                    l.forEach(g -> globs.add(String.valueOf(g)));
                } else if (value instanceof String s) {
                    globs.add(s);
                } else {
                    throw new IllegalArgumentException(at + ".value: glob patterns are strings");
                }
                return Condition.Glob.of(name(c, at), globs);
            }
            case "gt", "gte", "lt", "lte" -> {
                BigDecimal v = Condition.number(c.get("value"));
                if (v == null) {
                    throw new IllegalArgumentException(at + ".value: must be a number");
                }
                return new Condition.Compare(op, name(c, at), v.doubleValue());
            }
            default -> throw new IllegalArgumentException(at + ".op: unknown operator " + op);
        }
    }

    /** The field a condition reads: the DSC key for {@code trace.*} names, the full name for {@code event.*}. */
    private static String name(Map<String, Object> c, String at) {
        if (!(c.get("name") instanceof String n)) {
            throw new IllegalArgumentException(at + ".name: must be a field name such as trace.replay_id");
        }
        if (!n.startsWith("trace.")) {
            return n;
        }
        String key = n.substring(6);
        return switch (key) {
            case "user.id" -> "user_id";
            case "user.segment" -> "user_segment";
            default -> key;
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object raw, String at) {
        if (!(raw instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(at + ": must be an object");
        }
        return (Map<String, Object>) m;
    }

    private static Instant instant(Object raw, String at) {
        if (raw == null) {
            return null;
        }
        try {
            return Instant.parse(String.valueOf(raw));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(at + ": must be an RFC 3339 time, got " + raw);
        }
    }
}
