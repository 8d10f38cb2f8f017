package io.replaylink.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.replaylink.envelope.ItemType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every metric ReplayLink exports, in one place (Prometheus text at {@code GET /metrics}, prefix {@code
 * replaylink_}). Labels are bounded: item types outside Sentry's list count as {@code unknown}; reasons are
 * fixed labels chosen by the code, never client input.
 *
 * <ul>
 *   <li>{@code replaylink_requests_total{endpoint,outcome,reason}}: ingest requests answered; outcome
 *       {@code accepted} or {@code rejected}, reason the rejection's label ({@code ok} when accepted).</li>
 *   <li>{@code replaylink_items_total{type,outcome,reason}}: items received, forwarded, dropped (by a processor)
 *       and rejected (with their envelope).</li>
 *   <li>{@code replaylink_request_body_bytes_total{encoding,stage}}: body bytes as sent ({@code compressed}) and
 *       after decoding ({@code decompressed}).</li>
 *   <li>{@code replaylink_request_duration_seconds{endpoint}}: from the request's arrival to its answer.</li>
 *   <li>{@code replaylink_inflight_body_bytes}: request bodies held in memory now (bounded by
 *       {@code server.max_inflight_body_bytes}).</li>
 *   <li>{@code replaylink_enrichments_refused_total{reason}}: payload changes the host refused ({@code
 *       over_size_limit}: the item would have left its type's size limit); the item went on as it came.</li>
 *   <li>{@code replaylink_trace_ids_dropped_total}: trace ids of replay events beyond {@code
 *       max_trace_ids_per_replay_event}, not recorded.</li>
 *   <li>{@code replaylink_connections_rejected_total}: connections closed at once because {@code
 *       server.max_connections} were open.</li>
 *   <li>{@code replaylink_processor_failures_total{processor}}: processor calls that failed or timed out.</li>
 *   <li>{@code replaylink_sink_sends_total{sink,outcome}}, {@code replaylink_sink_duration_seconds{sink}},
 *       {@code replaylink_sink_retries_total{sink}}, {@code replaylink_sink_inflight{sink}}: per sink.</li>
 *   <li>{@code replaylink_links_total{path}}: events and transactions linked, by where the replay id came from:
 *       {@code dsc}, {@code context} (contexts.replay or the replayId tag), {@code baggage}, {@code index},
 *       {@code held} (linked inline at the end of a hold), and {@code backfill} (linked late: the replay came after
 *       the event), {@code late} (linked late: the index answered a hit after the lookup timeout, the event having
 *       gone on unlinked).</li>
 *   <li>{@code replaylink_project_links_total{project}}: the same links by project.</li>
 *   <li>{@code replaylink_build_info{version,java}}: 1.</li>
 *   <li>{@code replaylink_index_operations_total{op,outcome}}, {@code replaylink_index_duration_seconds{op}}:
 *       lookups ({@code lookup}) and records ({@code record}): hit, miss, remembered, recorded, error, timeout.</li>
 *   <li>{@code replaylink_backend_error_events_total} and {@code replaylink_backend_error_events_linked_total{path}}:
 *       error events from non-browser platforms seen, and linked to a replay (the share that has a replay).</li>
 *   <li>{@code replaylink_invalid_ids_total{field}}: ids that are not UUIDs, ignored.</li>
 *   <li>{@code replaylink_link_messages_total{sink,outcome}}: event_link messages handed to sinks.</li>
 *   <li>{@code replaylink_late_links_total{form}}: links of events to a replay that came after them, by the form
 *       they take: {@code event_link} (a message to the sinks that carry it), {@code held} (kept in the index for a
 *       later {@code replay_event} of the replay), {@code error_ids} (added to a {@code replay_event}'s
 *       {@code error_ids} passing through). A drained event whose hand-off did not finish is drained, and counted, again.</li>
 *   <li>{@code replaylink_sampling_decisions_total{decision,rules}}: dynamic sampling decisions; dropped items also
 *       count in {@code replaylink_items_total{outcome="dropped",reason="sampled"}}.</li>
 *   <li>{@code replaylink_spool_bytes}, {@code replaylink_spool_records}, {@code replaylink_spool_oldest_age_seconds}
 *       (exported when the spool is on), {@code replaylink_spool_deliveries_total{outcome}}: the spool and its
 *       delivery.</li>
 *   <li>{@code replaylink_index_up}: 1 when the index can be reached and answered its most recent operation;
 *       {@code replaylink_sink_up{sink}}: 1 while a sink's most recent delivery was answered (for the http sink,
 *       that is the upstream's health).</li>
 *   <li>The Prometheus client's standard {@code jvm_*} and {@code process_*} metrics.</li>
 *   <li>{@code replaylink_jvm_allocated_bytes_total} and {@code replaylink_jvm_gc_pause_seconds}: heap allocation and
 *       garbage collection pauses of the whole JVM.</li>
 * </ul>
 */
public final class Metrics {
    // exemplars (trace ids beside samples) are off: nothing here traces, and sampling them cost ~1% of an envelope
    private final PrometheusRegistry registry = new PrometheusRegistry();

    {
        JvmMetrics.registerInto(registry);
        // the client's standard set (jvm_memory_*, jvm_gc_collection_seconds, jvm_threads_*, process_cpu_seconds_total,
        // process_resident_memory_bytes, ...) that existing JVM dashboards read
        io.prometheus.metrics.instrumentation.jvm.JvmMetrics.builder().register(registry);
    }

    public Metrics() {
        seriesFromStart();
    }

    private final Counter requests = Counter.builder().name("replaylink_requests_total")
            .help("Ingest requests answered, by endpoint, outcome and reason")
            .labelNames("endpoint", "outcome", "reason").withoutExemplars().register(registry);
    private final Counter items = Counter.builder().name("replaylink_items_total")
            .help("Envelope items by type, outcome (received, forwarded, dropped, rejected) and reason")
            .labelNames("type", "outcome", "reason").withoutExemplars().register(registry);
    private final Counter bodyBytes = Counter.builder().name("replaylink_request_body_bytes_total")
            .help("Request body bytes, as sent (compressed) and decoded (decompressed)")
            .labelNames("encoding", "stage").withoutExemplars().register(registry);
    private final Histogram requestDuration = Histogram.builder().name("replaylink_request_duration_seconds")
            .help("Time from a request's arrival to its answer").unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
            .classicOnly()
            .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .labelNames("endpoint").withoutExemplars().register(registry);
    /** What {@code replaylink_inflight_body_bytes} reports, read at scrape time (not set on every request). */
    private volatile java.util.function.LongSupplier inflightBodyBytes = () -> 0;

    {
        GaugeWithCallback.builder().name("replaylink_inflight_body_bytes")
                .help("Request body bytes held in memory now")
                .callback(cb -> cb.call(inflightBodyBytes.getAsLong())).register(registry);
    }
    private final Gauge ingestLoopBusy = Gauge.builder().name("replaylink_ingest_loop_busy_ratio")
            .help("The ingest event loop's CPU time over wall time in the last 100 ms").register(registry);
    private final Gauge shedShare = Gauge.builder().name("replaylink_shed_share")
            .help("The share of new requests refused now because the ingest loop is overloaded").register(registry);
    private final Counter processorFailures = Counter.builder().name("replaylink_processor_failures_total")
            .help("Processor calls that failed or timed out (the envelope went on unchanged by them)")
            .labelNames("processor").withoutExemplars().register(registry);
    private final Counter sinkSends = Counter.builder().name("replaylink_sink_sends_total")
            .help("Envelopes handed to a sink, by outcome").labelNames("sink", "outcome").withoutExemplars().register(registry);
    private final Histogram sinkDuration = Histogram.builder().name("replaylink_sink_duration_seconds")
            .help("Time a sink took to take an envelope").unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
            .classicOnly()
            .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .labelNames("sink").withoutExemplars().register(registry);
    private final Counter sinkRetries = Counter.builder().name("replaylink_sink_retries_total")
            .help("Delivery attempts repeated after a network error, timeout or 5xx").labelNames("sink")
            .withoutExemplars().register(registry);
    /** Each sink's count of envelopes it holds, read at scrape time. */
    private final Map<String, java.util.function.IntSupplier> sinkInflight = new ConcurrentHashMap<>();

    {
        GaugeWithCallback.builder().name("replaylink_sink_inflight")
                .help("Envelopes a sink holds now (bounded per sink)").labelNames("sink")
                .callback(cb -> sinkInflight.forEach((sink, count) -> cb.call(count.getAsInt(), sink)))
                .register(registry);
    }

    // the series every envelope touches, resolved once per label combination (see DataPoints)
    private final DataPoints<CounterDataPoint> requestSeries = new DataPoints<>(requests::labelValues);
    private final DataPoints<DistributionDataPoint> requestDurations = new DataPoints<>(requestDuration::labelValues);
    private final DataPoints<CounterDataPoint> itemSeries = new DataPoints<>(items::labelValues);
    private final DataPoints<CounterDataPoint> bodyBytesSeries = new DataPoints<>(bodyBytes::labelValues);
    private final DataPoints<CounterDataPoint> sinkSendSeries = new DataPoints<>(sinkSends::labelValues);
    private final DataPoints<DistributionDataPoint> sinkDurations = new DataPoints<>(sinkDuration::labelValues);

    private final Counter links = Counter.builder().name("replaylink_links_total")
            .help("Events and transactions linked to a replay, by where the replay id came from "
                    + "(dsc, context, baggage, index, held, backfill, late)").labelNames("path").withoutExemplars().register(registry);
    private final Counter indexOperations = Counter.builder().name("replaylink_index_operations_total")
            .help("Replay index operations by outcome (hit, miss, remembered, recorded, error, timeout)")
            .labelNames("op", "outcome").withoutExemplars().register(registry);
    private final Histogram indexDuration = Histogram.builder().name("replaylink_index_duration_seconds")
            .help("Replay index operation latency").unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
            .classicOnly()
            .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
            .labelNames("op").withoutExemplars().register(registry);
    private final Counter backendErrors = Counter.builder().name("replaylink_backend_error_events_total")
            .help("Error events from non-browser platforms seen").withoutExemplars().register(registry);
    private final Counter backendErrorsLinked = Counter.builder().name("replaylink_backend_error_events_linked_total")
            .help("Error events from non-browser platforms linked to a replay, by path").labelNames("path")
            .withoutExemplars().register(registry);
    private final DataPoints<CounterDataPoint> backendErrorsLinkedSeries =
            new DataPoints<>(backendErrorsLinked::labelValues);
    private final Counter invalidIds = Counter.builder().name("replaylink_invalid_ids_total")
            .help("Ids that are not UUIDs (ignored), by field").labelNames("field").withoutExemplars().register(registry);
    private final DataPoints<CounterDataPoint> invalidIdSeries = new DataPoints<>(invalidIds::labelValues);
    private final Counter linkMessages = Counter.builder().name("replaylink_link_messages_total")
            .help("event_link messages handed to sinks, by sink and outcome").labelNames("sink", "outcome")
            .withoutExemplars().register(registry);

    private final Counter lateLinks = Counter.builder().name("replaylink_late_links_total")
            .help("Late links (the replay came after the event) by form: event_link, held, error_ids")
            .labelNames("form").withoutExemplars().register(registry);

    private final Counter connectionsRejected = Counter.builder().name("replaylink_connections_rejected_total")
            .help("Connections closed at once because server.max_connections were open").withoutExemplars().register(registry);

    private final Counter enrichmentsRefused = Counter.builder().name("replaylink_enrichments_refused_total")
            .help("Payload changes refused (over_size_limit: the item would leave its type's size limit)")
            .labelNames("reason").withoutExemplars().register(registry);

    public void enrichmentRefused(String reason) {
        enrichmentsRefused.labelValues(reason).inc();
    }

    private final Counter traceIdsDropped = Counter.builder().name("replaylink_trace_ids_dropped_total")
            .help("Trace ids of replay events beyond max_trace_ids_per_replay_event, not recorded").withoutExemplars().register(registry);

    public void traceIdsDropped(int count) {
        traceIdsDropped.inc(count);
    }

    public void connectionRejected() {
        connectionsRejected.inc();
    }

    public void lateLinks(String form, int count) {
        lateLinks.labelValues(form).inc(count);
    }

    private final DataPoints<CounterDataPoint> linkSeries = new DataPoints<>(links::labelValues);
    private final DataPoints<CounterDataPoint> indexSeries = new DataPoints<>(indexOperations::labelValues);
    private final DataPoints<DistributionDataPoint> indexDurations = new DataPoints<>(indexDuration::labelValues);

    /**
     * The series a dashboard or an alert divides by exist from start-up, at 0: a series that appears only with its
     * first event leaves {@code rate()} empty, and an alert on it silent, until then. Called once the fields above
     * are set (the constructor runs after every field initialiser).
     */
    private void seriesFromStart() {
        for (String endpoint : new String[] {"envelope", "store"}) {
            requestSeries.get(endpoint, "accepted", "ok");
            requestDurations.get(endpoint);
            // the 503 reasons the kit's alert adds up
            for (String reason : new String[] {"overload", "memory", "sink_unavailable", "sink_timeout", "spool_full",
                    "spool_error", "handoff", "internal", "shutdown"}) {
                requestSeries.get(endpoint, "rejected", reason);
            }
        }
        for (ItemType.Known type : ItemType.Known.values()) {
            itemSeries.get(typeLabel(type), "received", "ok");
            itemSeries.get(typeLabel(type), "forwarded", "ok");
        }
        for (String path : new String[] {"dsc", "context", "baggage", "index", "held", "backfill", "late"}) {
            linkSeries.get(path);
            backendErrorsLinked.labelValues(path);
        }
        for (String form : new String[] {"event_link", "held", "error_ids"}) {
            lateLinks.labelValues(form);
        }
        // the reasons an error goes on unlinked with (expired and other-organisation are decided when asked)
        for (String reason : new String[] {"no_trace_id", "invalid_id", "waiting", "waiting_limit",
                "index_unavailable"}) {
            unlinkedSeries.get(reason);
        }
        Map<String, String[]> outcomes = Map.of(
                "lookup", new String[] {"hit", "miss", "remembered", "timeout", "error"},
                "record", new String[] {"recorded", "drained", "timeout", "error"});
        outcomes.forEach((op, all) -> {
            for (String outcome : all) {
                indexSeries.get(op, outcome);
            }
            indexDurations.get(op);
        });
    }

    public void link(String path, long projectId) {
        linkSeries.get(path).inc();
        CounterDataPoint perProject = projectLinkSeries.get(projectId);
        if (perProject == null) {
            // projects are configured, but `id: any` (development) takes any id a client sends: the label is bounded
            perProject = projectLinkSeries.size() >= MAX_PROJECT_SERIES ? projectLinks.labelValues("other")
                    : projectLinkSeries.computeIfAbsent(projectId, p -> projectLinks.labelValues(Long.toString(p)));
        }
        perProject.inc();
    }

    /** Projects with a series of their own in {@code replaylink_project_links_total}; the rest count as "other". */
    static final int MAX_PROJECT_SERIES = 1000;

    private final Counter projectLinks = Counter.builder().name("replaylink_project_links_total")
            .help("Events and transactions linked to a replay, by project (the configured projects only)")
            .labelNames("project").withoutExemplars().register(registry);
    private final Map<Long, CounterDataPoint> projectLinkSeries = new ConcurrentHashMap<>();

    {
        String version = Metrics.class.getPackage() == null ? null
                : Metrics.class.getPackage().getImplementationVersion();
        // exported as replaylink_build_info (the client adds the suffix of an info metric)
        io.prometheus.metrics.core.metrics.Info.builder().name("replaylink_build")
                .help("1, labelled with the sidecar's version (the jar's) and the Java runtime's")
                .labelNames("version", "java").register(registry)
                .setLabelValues(version == null ? "development build" : version, System.getProperty("java.version"));
    }

    /** Whether the index's store is reachable (its plugin's answer), read at scrape time. */
    private volatile java.util.function.BooleanSupplier indexAvailable = () -> true;
    /** Whether the most recent index operation got an answer (not an error, not a timeout). */
    private volatile boolean indexAnswered = true;

    {
        GaugeWithCallback.builder().name("replaylink_index_up")
                .help("1 when the replay index can be reached and its most recent operation was answered, else 0")
                .callback(cb -> cb.call(indexAvailable.getAsBoolean() && indexAnswered ? 1 : 0)).register(registry);
    }

    /** Where {@code replaylink_index_up} asks whether the store can be reached. */
    public void indexAvailable(java.util.function.BooleanSupplier available) {
        indexAvailable = available;
    }

    public void indexOperation(String op, String outcome, long startedNanos) {
        indexOperationCount(op, outcome);
        indexDurations.get(op).observe((System.nanoTime() - startedNanos) / 1e9);
    }

    /** An index operation counted without its duration (the why-notes, which nothing waits for). */
    public void indexOperationCount(String op, String outcome) {
        boolean answered = !("error".equals(outcome) || "timeout".equals(outcome));
        if (answered != indexAnswered) {
            indexAnswered = answered;
        }
        indexSeries.get(op, outcome).inc();
    }

    private final io.replaylink.why.LinkRates linkRates = new io.replaylink.why.LinkRates();

    /** The share of backend errors linked over the last 5 minutes and hour, late links in their error's window. */
    public io.replaylink.why.LinkRates linkRates() {
        return linkRates;
    }

    public void backendErrorSeen() {
        backendErrors.inc();
    }

    private final Counter backendErrorsUnlinked = Counter.builder()
            .name("replaylink_backend_error_events_unlinked_total")
            .help("Error events from non-browser platforms that went on unlinked, by reason (no_trace_id, invalid_id, "
                    + "waiting, waiting_limit, index_unavailable); a waiting one may be linked late after")
            .labelNames("reason").withoutExemplars().register(registry);
    private final DataPoints<CounterDataPoint> unlinkedSeries = new DataPoints<>(backendErrorsUnlinked::labelValues);

    public void backendErrorUnlinked(String reason) {
        unlinkedSeries.get(reason).inc();
    }

    public void backendErrorLinked(String path) {
        backendErrorsLinkedSeries.get(path).inc();
    }

    public void invalidId(String field) {
        invalidIdSeries.get(field).inc();
    }

    public void linkMessage(String sink, String outcome) {
        linkMessages.labelValues(sink, outcome).inc();
    }

    /** The spool's gauges: registered when the spool is on (with it off they would only say 0). */
    private volatile Gauge spoolBytes;
    private volatile Gauge spoolRecords;
    private volatile Gauge spoolOldestAge;

    /** The spool is on: its gauges are exported from now on. */
    public synchronized void spoolEnabled() {
        if (spoolBytes != null) {
            return;
        }
        spoolBytes = Gauge.builder().name("replaylink_spool_bytes")
                .help("Bytes of accepted envelopes in the spool not yet delivered to every sink").register(registry);
        spoolRecords = Gauge.builder().name("replaylink_spool_records")
                .help("Envelopes in the spool not yet delivered to every sink").register(registry);
        spoolOldestAge = Gauge.builder().name("replaylink_spool_oldest_age_seconds")
                .help("Age of the oldest envelope in delivery (the sinks' lag)").register(registry);
    }
    private final Counter spoolDeliveries = Counter.builder().name("replaylink_spool_deliveries_total")
            .help("Spooled envelope deliveries by outcome (delivered, retry, rejected, unreadable)")
            .labelNames("outcome").withoutExemplars().register(registry);

    private final Counter samplingDecisions = Counter.builder().name("replaylink_sampling_decisions_total")
            .help("Dynamic sampling decisions by decision (kept, dropped, no_match) and the ids of the rules that made "
                    + "them").labelNames("decision", "rules").withoutExemplars().register(registry);

    public void samplingDecision(String decision, String ruleIds) {
        samplingDecisions.labelValues(decision, ruleIds).inc();
    }

    public void spool(long bytes, long records, long oldestMillis) {
        if (spoolBytes == null) {
            spoolEnabled();
        }
        spoolBytes.set(bytes);
        spoolRecords.set(records);
        spoolOldestAge.set(oldestMillis == 0 ? 0 : (System.currentTimeMillis() - oldestMillis) / 1000.0);
    }

    public void spoolDelivery(String outcome) {
        spoolDeliveries.labelValues(outcome).inc();
    }

    public static String typeLabel(ItemType type) {
        return type instanceof ItemType.Known ? type.wireName() : "unknown";
    }

    public void request(String endpoint, String outcome, String reason, long startedNanos) {
        requestSeries.get(endpoint, outcome, reason).inc();
        requestDurations.get(endpoint).observe((System.nanoTime() - startedNanos) / 1e9);
    }

    public void item(ItemType type, String outcome, String reason) {
        itemSeries.get(typeLabel(type), outcome, reason).inc();
    }

    public void itemsDropped(String reason, int count) {
        items.labelValues("any", "dropped", reason).inc(count);
    }

    public void bodyBytes(String encoding, long compressed, long decompressed) {
        bodyBytesSeries.get(encoding, "compressed").inc(compressed);
        bodyBytesSeries.get(encoding, "decompressed").inc(decompressed);
    }

    public void ingestLoop(double busy, double shed) {
        ingestLoopBusy.set(busy);
        shedShare.set(shed);
    }

    /** Where {@code replaylink_inflight_body_bytes} is read from at scrape time. */
    public void inflightBodyBytes(java.util.function.LongSupplier bytes) {
        inflightBodyBytes = bytes;
    }

    public void processorFailed(String processor) {
        processorFailures.labelValues(processor).inc();
    }

    public void sinkSend(String sink, String outcome, long startedNanos) {
        // up: the sink (its broker or upstream) answered, whether it took the envelope or refused it for good
        java.util.concurrent.atomic.AtomicBoolean up = sinkUp.get(sink);
        if (up != null) { // every configured sink is known from start-up (sinkKnown)
            up.set("ok".equals(outcome) || "rejected".equals(outcome));
        }
        sinkSendSeries.get(sink, outcome).inc();
        sinkDurations.get(sink).observe((System.nanoTime() - startedNanos) / 1e9);
    }

    public void sinkRetry(String sink) {
        sinkRetries.labelValues(sink).inc();
    }

    /** Where {@code replaylink_sink_inflight{sink}} is read from at scrape time; the sink's up gauge starts at 1. */
    public void sinkInflight(String sink, java.util.function.IntSupplier count) {
        sinkInflight.put(sink, count);
        sinkUp.putIfAbsent(sink, new java.util.concurrent.atomic.AtomicBoolean(true));
    }

    /** A configured sink: its up gauge exists from start-up, at 1. */
    public void sinkKnown(String sink) {
        sinkUp.putIfAbsent(sink, new java.util.concurrent.atomic.AtomicBoolean(true));
    }

    /** Per sink: whether its most recent delivery was answered (taken, or refused for good by the upstream). */
    private final Map<String, java.util.concurrent.atomic.AtomicBoolean> sinkUp = new ConcurrentHashMap<>();

    {
        GaugeWithCallback.builder().name("replaylink_sink_up")
                .help("1 while a sink's most recent delivery was answered (taken, or refused for good: 4xx), 0 after "
                        + "a network error, timeout or 5xx; 1 before its first delivery").labelNames("sink")
                .callback(cb -> sinkUp.forEach((sink, up) -> cb.call(up.get() ? 1 : 0, sink))).register(registry);
    }

    /** The Prometheus text exposition of every metric. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
