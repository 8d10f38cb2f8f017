package io.replaylink.replay;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the (trace id, replay id) pairs that items other than events carry: a {@code replay_event}'s {@code
 * replay_id} with each of its {@code trace_ids}, and each span of a {@code span} item (span v2 container
 * {@code {"items":[...]}} or a single span) with its {@code trace_id} and attribute {@code sentry.replay_id}
 * ({@code {"value":...}} in v2, a plain string in the older {@code data} map). Ids are returned as sent.
 */
public final class TraceReplayPairs {
    private TraceReplayPairs() {
    }

    public record Pair(String traceId, String replayId) {
    }

    /**
     * A {@code replay_event}'s {@code replay_id} (null when missing) and {@code trace_ids}, as sent, and how many
     * {@code error_ids} it has.
     */
    public record ReplayEventIds(String replayId, List<String> traceIds, int errorIds) {
        public List<Pair> pairs() {
            if (replayId == null) {
                return List.of();
            }
            List<Pair> pairs = new ArrayList<>(traceIds.size());
            for (String t : traceIds) {
                pairs.add(new Pair(t, replayId));
            }
            return pairs;
        }
    }

    public static List<Pair> fromReplayEvent(ByteBuffer payload) {
        return readReplayEvent(payload).pairs();
    }

    public static ReplayEventIds readReplayEvent(ByteBuffer payload) {
        String replayId = null;
        List<String> traceIds = new ArrayList<>();
        int errorIds = 0;
        try (JsonParser p = EventFactsReader.parser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new ReplayEventIds(null, List.of(), 0);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if ("replay_id".equals(field) && v == JsonToken.VALUE_STRING) {
                    replayId = p.getText();
                } else if ("trace_ids".equals(field) && v == JsonToken.START_ARRAY) {
                    JsonToken t;
                    while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
                        if (t == JsonToken.VALUE_STRING) {
                            traceIds.add(p.getText());
                        } else {
                            p.skipChildren();
                        }
                    }
                } else if ("error_ids".equals(field) && v == JsonToken.START_ARRAY) {
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        p.skipChildren();
                        errorIds++;
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            // best effort
        }
        return new ReplayEventIds(replayId, traceIds, errorIds);
    }

    public static List<Pair> fromSpans(ByteBuffer payload) {
        List<Pair> pairs = new ArrayList<>();
        try (JsonParser p = EventFactsReader.parser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return pairs;
            }
            SpanReader single = new SpanReader();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if ("items".equals(field) && v == JsonToken.START_ARRAY) {
                    JsonToken t;
                    while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
                        if (t == JsonToken.START_OBJECT) {
                            SpanReader span = new SpanReader();
                            span.readObject(p);
                            span.addTo(pairs);
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    single.field(p, field, v);
                }
            }
            single.addTo(pairs);
        } catch (IOException e) {
            // best effort
        }
        return pairs;
    }

    private static final class SpanReader {
        String traceId;
        String replayId;

        void readObject(JsonParser p) throws IOException {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                field(p, field, p.nextToken());
            }
        }

        void field(JsonParser p, String field, JsonToken v) throws IOException {
            if ("trace_id".equals(field) && v == JsonToken.VALUE_STRING) {
                traceId = p.getText();
            } else if (("attributes".equals(field) || "data".equals(field)) && v == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonToken t = p.nextToken();
                    if ("sentry.replay_id".equals(key)) {
                        if (t == JsonToken.VALUE_STRING) {
                            replayId = p.getText();
                        } else if (t == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String k = p.currentName();
                                JsonToken tv = p.nextToken();
                                if ("value".equals(k) && tv == JsonToken.VALUE_STRING) {
                                    replayId = p.getText();
                                } else {
                                    p.skipChildren();
                                }
                            }
                        } else {
                            p.skipChildren();
                        }
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }

        void addTo(List<Pair> pairs) {
            if (traceId != null && replayId != null) {
                pairs.add(new Pair(traceId, replayId));
            }
        }
    }
}
