package io.replaylink.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.netty.buffer.Unpooled;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeLimits;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.envelope.Item;
import io.replaylink.envelope.JsonValues;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What an upstream took (answered 2xx): the payloads of the event and replay_event items of the envelopes it
 * received, parsed with the sidecar's own envelope parser.
 */
public record UpstreamItems(List<Map<String, Object>> events, List<Map<String, Object>> replayEvents) {
    private static final EnvelopeParser PARSER = new EnvelopeParser(EnvelopeLimits.relayDefaults());
    private static final JsonFactory JSON = new JsonFactory();

    public static UpstreamItems of(List<CapturingUpstream.Captured> requests) throws Exception {
        List<Map<String, Object>> events = new ArrayList<>();
        List<Map<String, Object>> replayEvents = new ArrayList<>();
        for (CapturingUpstream.Captured c : requests) {
            if (c.status() / 100 != 2) {
                continue;
            }
            Envelope envelope = PARSER.parse(Unpooled.wrappedBuffer(c.body()));
            try {
                for (Item item : envelope.items()) {
                    String type = item.type().wireName();
                    if (type.equals("event") || type.equals("replay_event")) {
                        try (JsonParser p = JSON.createParser(item.payload().toString(StandardCharsets.UTF_8))) {
                            p.nextToken();
                            @SuppressWarnings("unchecked")
                            Map<String, Object> payload = (Map<String, Object>) JsonValues.read(p);
                            (type.equals("event") ? events : replayEvents).add(payload);
                        }
                    }
                }
            } finally {
                envelope.release();
            }
        }
        return new UpstreamItems(events, replayEvents);
    }

    /** The error_ids of every replay_event of {@code replayId} received, one list per replay_event. */
    public List<List<Object>> errorIds(String replayId) {
        List<List<Object>> out = new ArrayList<>();
        for (Map<String, Object> r : replayEvents) {
            if (replayId.equals(r.get("replay_id"))) {
                out.add(r.get("error_ids") instanceof List<?> l ? new ArrayList<>(l) : List.of());
            }
        }
        return out;
    }

    /**
     * How often each event id of {@code replayOf} appears in error_ids of a replay_event of the replay it names for it
     * (as {@code "wrong replay: <id>"} in another replay's); ids it does not name (a browser SDK lists its own errors)
     * are left out.
     */
    public Map<String, Integer> carried(Map<String, String> replayOf) {
        Map<String, Integer> carried = new HashMap<>();
        for (Map<String, Object> re : replayEvents) {
            if (re.get("error_ids") instanceof List<?> ids) {
                for (Object id : ids) {
                    if (!replayOf.containsKey(id)) {
                        continue;
                    }
                    if (re.get("replay_id").equals(replayOf.get(id))) {
                        carried.merge((String) id, 1, Integer::sum);
                    } else {
                        carried.merge("wrong replay: " + id, 1, Integer::sum);
                    }
                }
            }
        }
        return carried;
    }
}
