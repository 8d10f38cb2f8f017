package io.replaylink.why;

import java.util.Map;

/**
 * How a trace's replay was learned: from which item ({@code dsc}, {@code context}, {@code browser_error_tag},
 * {@code baggage}, {@code replay_event}, {@code span}), when, by which instance. Kept in the index with the trace's
 * notes (the first one stays).
 */
public record ReplayLearned(String replayId, String source, long atMillis, String by) {

    public String toJson() {
        StringBuilder b = new StringBuilder(160).append("{\"replay_id\":");
        LinkNote.string(b, replayId);
        b.append(",\"source\":");
        LinkNote.string(b, source);
        b.append(",\"at\":").append(atMillis).append(",\"by\":");
        LinkNote.string(b, by);
        return b.append('}').toString();
    }

    public static ReplayLearned parse(String json) {
        Map<String, Object> f = LinkNote.flat(json);
        if (f == null) {
            return null;
        }
        return new ReplayLearned(LinkNote.str(f, "replay_id"), LinkNote.str(f, "source"),
                LinkNote.num(f, "at").longValue(), LinkNote.str(f, "by"));
    }
}
