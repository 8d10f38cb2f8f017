package io.replaylink.envelope;

/**
 * Size and shape limits enforced while an envelope is read. Defaults are Relay's ({@code relay-config} {@code
 * Limits}); every field is in bytes unless its name says otherwise.
 *
 * @param maxEventSize             event, transaction, security, raw_security, replay_event, feedback, form_data,
 *                                 nel items (Relay's max_event_size)
 * @param maxAttachmentSize        attachment, unreal_report, user_report items
 * @param maxReplayCompressedSize  replay_recording and replay_video items
 * @param maxSessionsSize          session and sessions items
 * @param maxClientReportsSize     client_report items
 * @param maxProfileSize           profile and profile_chunk items
 * @param maxCheckInSize           check_in items
 * @param maxStatsdSize            statsd items
 * @param maxMetricBucketsSize     metric_buckets items
 * @param maxLogSize               one log (log items: the payload divided by item_count)
 * @param maxSpanSize              one span (span, otel_span items: the payload divided by item_count)
 * @param maxTraceMetricSize       one trace metric
 * @param maxItemCount             items in one envelope (Relay has no such bound; this one is a memory bound)
 * @param maxHeaderSize            one header (envelope or item; Relay has no such bound but the body's)
 * @param maxJsonDepth             nesting depth of a header's JSON (serde_json's recursion limit, 128)
 * @param maxAttachmentCount       attachment, unreal_report and user_report items in one envelope
 * @param maxAttachmentsSize       their total size
 * @param maxSessionCount          session and sessions items in one envelope
 * @param maxClientReportsCount    client_report items in one envelope
 * @param maxStandaloneSpanCount   span items that are not containers
 * @param maxContainerSize         one log, span or trace-metric container, and standalone spans in total
 */
public record EnvelopeLimits(
        long maxEventSize,
        long maxAttachmentSize,
        long maxReplayCompressedSize,
        long maxSessionsSize,
        long maxClientReportsSize,
        long maxProfileSize,
        long maxCheckInSize,
        long maxStatsdSize,
        long maxMetricBucketsSize,
        long maxLogSize,
        long maxSpanSize,
        long maxTraceMetricSize,
        int maxItemCount,
        int maxHeaderSize,
        int maxJsonDepth,
        int maxAttachmentCount,
        long maxAttachmentsSize,
        int maxSessionCount,
        int maxClientReportsCount,
        int maxStandaloneSpanCount,
        long maxContainerSize) {

    public static final long KIB = 1024;
    public static final long MIB = 1024 * KIB;

    /** The per-item sizes and the bounds of this reader; the counts and totals are Relay's defaults. */
    public EnvelopeLimits(long maxEventSize, long maxAttachmentSize, long maxReplayCompressedSize,
                          long maxSessionsSize, long maxClientReportsSize, long maxProfileSize, long maxCheckInSize,
                          long maxStatsdSize, long maxMetricBucketsSize, long maxLogSize, long maxSpanSize,
                          long maxTraceMetricSize, int maxItemCount, int maxHeaderSize, int maxJsonDepth) {
        this(maxEventSize, maxAttachmentSize, maxReplayCompressedSize, maxSessionsSize, maxClientReportsSize,
                maxProfileSize, maxCheckInSize, maxStatsdSize, maxMetricBucketsSize, maxLogSize, maxSpanSize,
                maxTraceMetricSize, maxItemCount, maxHeaderSize, maxJsonDepth, 30, 200 * MIB, 100, 100, 25,
                12 * MIB);
    }

    /**
     * Relay's defaults ({@code relay-config} {@code Limits::default}), and for the two bounds Relay does not have
     * (items in an envelope, bytes in one header) what keeps a header's parsed tree within a few MiB.
     */
    public static EnvelopeLimits relayDefaults() {
        return new EnvelopeLimits(MIB, 200 * MIB, 10 * MIB, 10 * MIB, 100 * KIB, 50 * MIB, 100 * KIB, MIB, MIB,
                2 * MIB, 10 * MIB, MIB, 10_000, 2 * (int) MIB, 128);
    }

    /** The largest payload (per contained element for containers) an item of this type may have; -1: no limit. */
    public long maxItemSize(ItemType type) {
        if (!(type instanceof ItemType.Known known)) {
            return -1;
        }
        return switch (known) {
            case EVENT, TRANSACTION, SECURITY, RAW_SECURITY, REPLAY_EVENT, USER_REPORT_V2, FORM_DATA, NEL ->
                    maxEventSize;
            case ATTACHMENT, UNREAL_REPORT, USER_REPORT -> maxAttachmentSize;
            case REPLAY_RECORDING, REPLAY_VIDEO -> maxReplayCompressedSize;
            case SESSION, SESSIONS -> maxSessionsSize;
            case CLIENT_REPORT -> maxClientReportsSize;
            case PROFILE, PROFILE_CHUNK -> maxProfileSize;
            case CHECK_IN -> maxCheckInSize;
            case STATSD -> maxStatsdSize;
            case METRIC_BUCKETS -> maxMetricBucketsSize;
            case LOG, OTEL_LOG -> maxLogSize;
            case SPAN, OTEL_SPAN, OTEL_TRACES_DATA -> maxSpanSize;
            case TRACE_METRIC -> maxTraceMetricSize;
        };
    }
}
