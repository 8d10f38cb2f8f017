package io.replaylink.why;

/**
 * Why a backend error is not linked to a replay: a closed set, the label of
 * {@code replaylink_backend_error_events_unlinked_total{reason}} (the reasons of errors) and of the why-API's
 * {@code reason}. Not in it: "dropped by a limit", as an envelope over a limit is refused whole (4xx) before linking,
 * and the client is told. Errors are never sampled out (as in Relay): a trace whose browser side was not sampled for
 * replay shows as {@link #EXPIRED}.
 */
public enum UnlinkedReason {
    /** Neither the DSC, {@code contexts.trace} nor a {@code sentry-trace} header gave a trace id. */
    NO_TRACE_ID("no_trace_id", "it carries no trace id, so nothing can tie it to a browser session"),
    /** A trace or replay id it carries is not a UUID. */
    INVALID_ID("invalid_id", "its trace id is not a valid id"),
    /** Its trace has no replay yet: it waits (remembered) until one comes or its wait expires. */
    WAITING("waiting", "its trace has shown no replay yet; it waits for one"),
    /** It waited its whole time and its trace never showed a replay. */
    EXPIRED("expired", "its trace never showed a replay while it waited (the trace's browser side was not "
            + "recorded, or not sampled for replay)"),
    /** Its trace already had the most waiting events it may have; it was not remembered. */
    WAITING_LIMIT("waiting_limit", "its trace already had the most events waiting for a replay that one trace may "
            + "have (index max_pending_per_trace)"),
    /** The index failed or timed out when the event came; it went on unlinked. */
    INDEX_UNAVAILABLE("index_unavailable", "the replay index could not be reached when it came (error or timeout)"),
    /** Its trace's replay is known, but in another organisation: links stay within one. */
    OTHER_ORGANIZATION("replay_in_other_organization", "its trace's replay belongs to another organisation"),
    /** A transaction: it links when its trace's replay is known as it comes, but never waits for one. */
    NOT_AN_ERROR("not_an_error", "it is a transaction, not an error: only errors wait for their trace's replay, and "
            + "this trace's replay was not known when it came"),
    /** Dynamic sampling dropped it (transactions, spans, profiles of a trace not sampled; never errors). */
    SAMPLED_OUT("sampled_out", "dynamic sampling dropped it (its trace was not sampled)");

    public final String label;
    public final String sentence;

    UnlinkedReason(String label, String sentence) {
        this.label = label;
        this.sentence = sentence;
    }

    public static UnlinkedReason of(String label) {
        for (UnlinkedReason r : values()) {
            if (r.label.equals(label)) {
                return r;
            }
        }
        return null;
    }
}
