package io.replaylink.replay;

/**
 * What linking needs from an {@code event} or {@code transaction} payload, read by {@link EventFactsReader}
 * without building a tree. Id fields hold the text as sent (normalised by the caller).
 *
 * @param eventId          {@code event_id}
 * @param level            {@code level} ({@code error} when absent, as Sentry defaults it)
 * @param timestamp        {@code timestamp} in unix seconds, NaN when absent or unreadable
 * @param platform         {@code platform}, e.g. {@code javascript} for browser events
 * @param contextReplayId  {@code contexts.replay.replay_id}
 * @param tagReplayId      the {@code replayId} tag (object or list-of-pairs form)
 * @param baggageReplayId  {@code sentry-replay_id} of a {@code baggage} entry in {@code request.headers}
 * @param contextTraceId   {@code contexts.trace.trace_id}
 * @param sentryTraceHeader the {@code sentry-trace} entry of {@code request.headers}
 * @param replaySlot       where {@code contexts.replay.replay_id} goes in the payload; null when the payload is not
 *                         one complete UTF-8 JSON object (enriching then leaves it to {@link JsonSplice})
 */
public record EventFacts(String eventId, String level, double timestamp, String platform, String contextReplayId,
                         String tagReplayId, String baggageReplayId, String contextTraceId,
                         String sentryTraceHeader, ReplaySlot replaySlot) {
    /** Facts without a slot (tests, callers that never enrich). */
    public EventFacts(String eventId, String level, double timestamp, String platform, String contextReplayId,
                      String tagReplayId, String baggageReplayId, String contextTraceId, String sentryTraceHeader) {
        this(eventId, level, timestamp, platform, contextReplayId, tagReplayId, baggageReplayId, contextTraceId,
                sentryTraceHeader, null);
    }
}
