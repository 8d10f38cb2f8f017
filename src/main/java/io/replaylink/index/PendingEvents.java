package io.replaylink.index;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.replaylink.spi.ReplayIndex.PendingEvent;

import java.io.IOException;
import java.util.Locale;

/**
 * The compact JSON a remembered event is stored as: {@code {"e":event_id,"p":project,"t":unix_s,"l":level}}, and
 * {@code "h":hold_until_ms} last when its host holds it (the Redis scripts read that field).
 */
public final class PendingEvents {
    private static final JsonFactory JSON = new JsonFactory();

    private PendingEvents() {
    }

    public static String encode(PendingEvent e) {
        return "{\"e\":\"" + e.eventId() + "\",\"p\":" + e.projectId() + ",\"t\":"
                + seconds(e.timestamp()) + ",\"l\":\"" + e.level().replace("\"", "") + "\""
                + (e.holdUntilMillis() > 0 ? ",\"h\":" + e.holdUntilMillis() : "") + "}";
    }

    /** Seconds with three decimals, as {@code %.3f} writes them but without a formatter per event. */
    static String seconds(double timestamp) {
        if (!(timestamp >= 0 && timestamp < 1e15)) {
            return String.format(Locale.ROOT, "%.3f", timestamp);
        }
        long millis = Math.round(timestamp * 1000);
        long fraction = millis % 1000;
        return (millis / 1000) + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
    }

    /** The event, or null for an entry that is not one (never fails). */
    public static PendingEvent decode(String json) {
        String eventId = null;
        long project = 0;
        double timestamp = 0;
        String level = "error";
        long holdUntil = 0;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                    case "e" -> eventId = p.getValueAsString();
                    case "p" -> project = p.getValueAsLong();
                    case "t" -> timestamp = p.getValueAsDouble();
                    case "l" -> level = p.getValueAsString();
                    case "h" -> holdUntil = p.getValueAsLong();
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return eventId == null ? null : new PendingEvent(eventId, project, timestamp, level, holdUntil);
    }

    /** Approximate heap bytes of one remembered event, for the in-process index's byte bound. */
    static long weight(PendingEvent e) {
        return 160;
    }
}
