package io.replaylink.envelope;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Relay's per-type limits of one envelope ({@code relay-server/src/utils/sizes.rs}): item types share a budget of an
 * item size, a count and a total size (one event-like item in all, 30 attachments, 100 sessions, 25 standalone spans,
 * one container of each kind, ...). Items are charged in envelope order; the first one over a budget names the type
 * in the answer, as Relay's {@code DiscardItemType} does. Types Relay does not limit (unknown ones) are not charged.
 * One instance per envelope read.
 */
final class ItemBudgets {
    private static final String CONTAINERS = "application/vnd.sentry.items.";

    /** A budget: what one item may have (per element for containers), how many items, how many bytes in all. */
    private enum Budget {
        EVENT(EnvelopeLimits::maxEventSize, l -> 1, EnvelopeLimits::maxEventSize),
        ATTACHMENT(EnvelopeLimits::maxAttachmentSize, EnvelopeLimits::maxAttachmentCount,
                EnvelopeLimits::maxAttachmentsSize),
        REPLAY_RECORDING(EnvelopeLimits::maxReplayCompressedSize, l -> 1, EnvelopeLimits::maxReplayCompressedSize),
        REPLAY_VIDEO(EnvelopeLimits::maxReplayCompressedSize, l -> 1, EnvelopeLimits::maxReplayCompressedSize),
        SESSION(EnvelopeLimits::maxSessionsSize, EnvelopeLimits::maxSessionCount, EnvelopeLimits::maxSessionsSize),
        CLIENT_REPORT(EnvelopeLimits::maxClientReportsSize, EnvelopeLimits::maxClientReportsCount,
                EnvelopeLimits::maxClientReportsSize),
        PROFILE(EnvelopeLimits::maxProfileSize, l -> 1, EnvelopeLimits::maxProfileSize),
        CHECK_IN(EnvelopeLimits::maxCheckInSize, l -> 1, EnvelopeLimits::maxCheckInSize),
        STATSD(EnvelopeLimits::maxStatsdSize, l -> 1, EnvelopeLimits::maxStatsdSize),
        METRIC_BUCKETS(EnvelopeLimits::maxMetricBucketsSize, l -> 1, EnvelopeLimits::maxMetricBucketsSize),
        LOG(EnvelopeLimits::maxLogSize, l -> 1, EnvelopeLimits::maxContainerSize),
        TRACE_METRIC(EnvelopeLimits::maxTraceMetricSize, l -> 1, EnvelopeLimits::maxContainerSize),
        SPAN_CONTAINER(EnvelopeLimits::maxSpanSize, l -> 1, EnvelopeLimits::maxContainerSize),
        SPAN(EnvelopeLimits::maxSpanSize, EnvelopeLimits::maxStandaloneSpanCount, EnvelopeLimits::maxContainerSize);

        final ToLongFunction<EnvelopeLimits> itemSize;
        final ToLongFunction<EnvelopeLimits> count;
        final ToLongFunction<EnvelopeLimits> total;

        Budget(ToLongFunction<EnvelopeLimits> itemSize, ToLongFunction<EnvelopeLimits> count,
               ToLongFunction<EnvelopeLimits> total) {
            this.itemSize = itemSize;
            this.count = count;
            this.total = total;
        }
    }

    private final EnvelopeLimits limits;
    private final Map<Budget, long[]> used = new EnumMap<>(Budget.class);

    ItemBudgets(EnvelopeLimits limits) {
        this.limits = limits;
    }

    /**
     * Charges one item; answers what it breaks (the discard type and the limit), or null when it fits.
     *
     * @param size the payload's length in bytes
     */
    Exceeded charge(ItemHeader header, long size) {
        if (!(header.type() instanceof ItemType.Known type)) {
            return null;
        }
        boolean container = header.contentType().map(c -> c.regionMatches(true, 0, CONTAINERS, 0, CONTAINERS.length()))
                .orElse(false);
        Budget budget = budget(type, container);
        if (budget == null) {
            return null;
        }
        long itemSize = budget.itemSize.applyAsLong(limits);
        long count = budget.count.applyAsLong(limits);
        long total = budget.total.applyAsLong(limits);
        long perElement = size;
        if (container && header.fields().get("item_count") instanceof Long n && n > 1) {
            perElement = size / n;
        }
        long[] spent = used.computeIfAbsent(budget, b -> new long[2]);
        if (perElement > itemSize) {
            return new Exceeded(discardType(type, header), "an item of " + size + " bytes, the limit is " + itemSize);
        }
        if (++spent[0] > count) {
            return new Exceeded(discardType(type, header), "more than " + count + " such items");
        }
        spent[1] += size;
        if (spent[1] > total) {
            return new Exceeded(discardType(type, header), "more than " + total + " bytes of such items");
        }
        return null;
    }

    /** A budget broken: Relay's name of the item's type, and what was over. */
    record Exceeded(String type, String what) {
    }

    private static Budget budget(ItemType.Known type, boolean container) {
        return switch (type) {
            case EVENT, TRANSACTION, SECURITY, RAW_SECURITY, REPLAY_EVENT, USER_REPORT_V2, FORM_DATA -> Budget.EVENT;
            case ATTACHMENT, UNREAL_REPORT, USER_REPORT -> Budget.ATTACHMENT;
            case REPLAY_RECORDING -> Budget.REPLAY_RECORDING;
            case REPLAY_VIDEO -> Budget.REPLAY_VIDEO;
            case SESSION, SESSIONS -> Budget.SESSION;
            case CLIENT_REPORT -> Budget.CLIENT_REPORT;
            case PROFILE, PROFILE_CHUNK -> Budget.PROFILE;
            case CHECK_IN -> Budget.CHECK_IN;
            case STATSD -> Budget.STATSD;
            case METRIC_BUCKETS -> Budget.METRIC_BUCKETS;
            case LOG, OTEL_LOG -> Budget.LOG;
            case TRACE_METRIC -> Budget.TRACE_METRIC;
            case SPAN, OTEL_SPAN, OTEL_TRACES_DATA -> container ? Budget.SPAN_CONTAINER : Budget.SPAN;
            case NEL -> null; // gone from Relay's item types: not limited there
        };
    }

    /** Relay's {@code DiscardItemType} name: attachments by their attachment type, feedback as user_report_v2. */
    static String discardType(ItemType.Known type, ItemHeader header) {
        if (type == ItemType.Known.ATTACHMENT) {
            Object kind = header.fields().get("attachment_type");
            String k = kind instanceof String s ? s : "event.attachment";
            return "attachment:" + switch (k) {
                case "event.minidump" -> "minidump";
                case "event.applecrashreport" -> "apple_crash_report";
                case "event.payload" -> "event_payload";
                case "event.breadcrumbs" -> "breadcrumbs";
                case "event.view_hierarchy" -> "view_hierarchy";
                case "playstation.prosperodump" -> "prosperodump";
                case "nswitch.dying_message" -> "nswitch_dying_message";
                case "unreal.context" -> "unreal_context";
                case "unreal.logs" -> "unreal_logs";
                default -> "attachment";
            };
        }
        return type == ItemType.Known.USER_REPORT_V2 ? "user_report_v2" : type.wireName();
    }
}
