package io.replaylink.envelope;

import java.util.HashMap;
import java.util.Map;

/**
 * The type of an envelope item: one of the types Sentry defines, or {@link Unknown} which keeps the name as sent
 * so the item is forwarded unchanged.
 */
public sealed interface ItemType {

    /** The name on the wire, e.g. {@code replay_event}. */
    String wireName();

    static ItemType of(String wireName) {
        Known known = Known.BY_NAME.get(wireName);
        return known != null ? known : new Unknown(wireName);
    }

    enum Known implements ItemType {
        EVENT("event"),
        TRANSACTION("transaction"),
        SECURITY("security"),
        ATTACHMENT("attachment"),
        FORM_DATA("form_data"),
        RAW_SECURITY("raw_security"),
        NEL("nel"),
        UNREAL_REPORT("unreal_report"),
        USER_REPORT("user_report"),
        USER_REPORT_V2("feedback"),
        SESSION("session"),
        SESSIONS("sessions"),
        STATSD("statsd"),
        METRIC_BUCKETS("metric_buckets"),
        CLIENT_REPORT("client_report"),
        PROFILE("profile"),
        PROFILE_CHUNK("profile_chunk"),
        REPLAY_EVENT("replay_event"),
        REPLAY_RECORDING("replay_recording"),
        REPLAY_VIDEO("replay_video"),
        CHECK_IN("check_in"),
        SPAN("span"),
        OTEL_SPAN("otel_span"),
        OTEL_TRACES_DATA("otel_traces_data"),
        LOG("log"),
        OTEL_LOG("otel_log"),
        TRACE_METRIC("trace_metric");

        private static final Map<String, Known> BY_NAME = new HashMap<>();

        static {
            for (Known k : values()) {
                BY_NAME.put(k.wireName, k);
            }
        }

        private final String wireName;

        Known(String wireName) {
            this.wireName = wireName;
        }

        @Override
        public String wireName() {
            return wireName;
        }
    }

    /** A type this version does not know; kept and forwarded as it came. */
    record Unknown(String wireName) implements ItemType {
    }
}
