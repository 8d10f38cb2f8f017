package io.replaylink.replay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * Sentry's replay {@code event_link} message, as Sentry's post-processing writes it to {@code ingest-replay-events}
 * ({@code src/sentry/replays/lib/event_linking.py}): an outer {@code replay_event} message whose {@code payload} is
 * the bytes of the inner {@code event_link} JSON, as a list of numbers.
 */
public final class EventLinkMessages {
    private static final Set<String> LEVELS = Set.of("debug", "info", "warning", "error", "fatal");

    private EventLinkMessages() {
    }

    /**
     * @param replayId       32 hex
     * @param projectId      the event's project
     * @param eventId        32 hex
     * @param level          the event's level; one Sentry does not link by ({@code log}, missing) counts as error
     * @param eventTimestamp the event's time, unix seconds
     * @param nowSeconds     the message's {@code start_time}
     */
    public static byte[] message(String replayId, long projectId, String eventId, String level, long eventTimestamp,
                                 long nowSeconds) {
        String levelKey = (level != null && LEVELS.contains(level) ? level : "error") + "_id";
        String inner = "{\"type\":\"event_link\",\"replay_id\":\"" + replayId + "\",\"event_hash\":\""
                + eventHash(eventId) + "\",\"timestamp\":" + eventTimestamp + ",\"" + levelKey + "\":\"" + eventId
                + "\"}";
        byte[] innerBytes = inner.getBytes(StandardCharsets.UTF_8);
        StringBuilder s = new StringBuilder(innerBytes.length * 4 + 200);
        s.append("{\"type\":\"replay_event\",\"start_time\":").append(nowSeconds)
                .append(",\"replay_id\":\"").append(replayId)
                .append("\",\"project_id\":").append(projectId)
                .append(",\"segment_id\":null,\"retention_days\":90,\"payload\":[");
        for (int i = 0; i < innerBytes.length; i++) {
            if (i > 0) {
                s.append(',');
            }
            s.append(innerBytes[i] & 0xff);
        }
        s.append("]}");
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code str(uuid.UUID(md5(event_id).hexdigest()))}: the md5 of the event id as a dashed UUID. */
    public static String eventHash(String eventId) {
        try {
            byte[] md5 = MessageDigest.getInstance("MD5").digest(eventId.getBytes(StandardCharsets.UTF_8));
            String hex = HexFormat.of().formatHex(md5);
            return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                    + hex.substring(16, 20) + "-" + hex.substring(20);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has MD5", e);
        }
    }
}
