package io.replaylink.replay;

import io.replaylink.envelope.Uuids;
import io.replaylink.loop.LoopDeadlines;
import io.replaylink.metrics.Metrics;
import io.replaylink.spi.EnvelopeProcessor;
import io.replaylink.spi.ProcessResult;
import io.replaylink.spi.ProcessedEnvelope;
import io.replaylink.spi.ProcessedItem;
import io.replaylink.spi.ReplayIndex;
import io.replaylink.spi.ReplayIndex.PendingEvent;
import io.replaylink.spi.ReplayLinkMessage;
import io.replaylink.spi.SideOutputs;
import io.replaylink.why.EventNotes;
import io.replaylink.why.UnlinkedReason;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The replay-linking stage ({@code processors: [replay-linker]}), built on the processor SPI.
 *
 * <ol>
 *   <li>Lifts the replay context of each {@code event} and {@code transaction} item, first found of: the DSC's
 *       {@code replay_id}, {@code contexts.replay.replay_id}, the {@code replayId} tag, {@code sentry-replay_id} in
 *       the event's {@code request.headers} baggage; and its trace id: the DSC's, {@code contexts.trace.trace_id},
 *       the event's {@code sentry-trace} header.</li>
 *   <li>Records every trace -> replay pair the envelope carries (events with both ids, {@code replay_event}
 *       {@code trace_ids}, spans with {@code sentry.replay_id}); events remembered for those traces are drained
 *       and linked late (path {@code backfill}): an {@code event_link} message to the sinks that carry it, and,
 *       when a sink cannot (an HTTP upstream), the event's id in {@code error_ids} of a {@code replay_event} of
 *       the replay: this envelope's, or one that comes later (held in the index until then). The client is
 *       answered once these hand-offs are done; the drained events are acknowledged once it is accepted.</li>
 *   <li>Looks up the replay of events that have a trace id but no replay id; an {@code event} the index cannot
 *       link yet is remembered for its trace, so the replay's arrival links it later, exactly once.</li>
 *   <li>Enriches linked items: {@code contexts.replay.replay_id} spliced into the payload (unless it was already
 *       there), and the DSC's {@code replay_id} set when a DSC exists without one.</li>
 * </ol>
 * Every index call is bounded by {@code lookup_timeout_ms}; on error or timeout a lookup lets the envelope go on
 * unlinked (fail open) and the failure is counted; a late link that cannot be handed off has the client retry.
 */
public final class ReplayLinker implements EnvelopeProcessor {
    private static final System.Logger LOG = System.getLogger(ReplayLinker.class.getName());
    private static final List<String> REPLAY_CONTEXT = List.of("contexts", "replay");
    /**
     * The most {@code error_ids} a replay_event carries once late links are added: Relay keeps at most 100 and trims
     * the array to its byte budget (about 50 ids); what does not fit waits for the replay's next segment.
     */
    static final int MAX_ERROR_IDS = 50;

    /** The index; every envelope works in its organisation's ({@link ReplayIndex#forOrganization}). */
    private final ReplayIndex organizations;
    private final SideOutputs outputs;
    private final Metrics metrics;
    private final long timeoutMs;
    private final boolean emitInlineLinks;
    private final LongSupplier clockSeconds;
    private final Holds holds;
    private final int maxTraceIds;
    private final EventNotes notes;
    /** The browser SDK sends at most 100 trace ids a segment, and Relay keeps at most 100. */
    public static final int DEFAULT_MAX_TRACE_IDS = 100;

    public ReplayLinker(ReplayIndex index, SideOutputs outputs, Metrics metrics, long timeoutMs,
                        boolean emitInlineLinks, LongSupplier clockSeconds) {
        this(index, outputs, metrics, timeoutMs, emitInlineLinks, clockSeconds, Holds.none(),
                DEFAULT_MAX_TRACE_IDS);
    }

    /** {@code maxTraceIds}: the trace ids one replay_event records at most (more are counted and left out). */
    public ReplayLinker(ReplayIndex index, SideOutputs outputs, Metrics metrics, long timeoutMs,
                        boolean emitInlineLinks, LongSupplier clockSeconds, Holds holds, int maxTraceIds) {
        this(index, outputs, metrics, timeoutMs, emitInlineLinks, clockSeconds, holds, maxTraceIds,
                EventNotes.off(metrics));
    }

    /** {@code notes}: where the why-notes of error events go (see {@link EventNotes}). */
    public ReplayLinker(ReplayIndex index, SideOutputs outputs, Metrics metrics, long timeoutMs,
                        boolean emitInlineLinks, LongSupplier clockSeconds, Holds holds, int maxTraceIds,
                        EventNotes notes) {
        this.notes = notes;
        this.maxTraceIds = maxTraceIds;
        this.holds = holds;
        this.organizations = index;
        this.outputs = outputs;
        this.metrics = metrics;
        this.timeoutMs = timeoutMs;
        this.emitInlineLinks = emitInlineLinks;
        this.clockSeconds = clockSeconds;
    }

    /** An event or transaction item and what is known of its replay. */
    private static final class Linkable {
        final ProcessedItem item;
        final boolean isEvent;
        final EventFacts facts;
        final String traceId;
        String replayId;
        String path;
        /** It carried a trace id that is not one. */
        boolean invalidTrace;
        /** Its lookup failed or timed out. */
        boolean lookupFailed;
        /** Its trace's bound of waiting events refused it. */
        boolean full;

        Linkable(ProcessedItem item, EventFacts facts, String traceId) {
            this.item = item;
            this.isEvent = "event".equals(item.type());
            this.facts = facts;
            this.traceId = traceId;
        }

        boolean backendError() {
            return isEvent && !"javascript".equals(facts.platform());
        }
    }

    /**
     * A {@code replay_event} item that can carry late links of its replay in its {@code error_ids}, up to {@link
     * #MAX_ERROR_IDS} in all: those held in the index and those this envelope drained.
     */
    private static final class Carrier {
        final ProcessedItem item;
        final String replayId;
        final int room;
        /** Events whose links it may carry, in order: held before, then drained by this envelope. */
        final List<PendingEvent> candidates = new ArrayList<>();

        Carrier(ProcessedItem item, String replayId, int errorIds) {
            this.item = item;
            this.replayId = replayId;
            this.room = Math.max(0, MAX_ERROR_IDS - errorIds);
        }

        /** The ids it carries: the first distinct candidates there is room for. */
        List<String> carry() {
            java.util.LinkedHashSet<String> ids = new java.util.LinkedHashSet<>();
            for (PendingEvent e : candidates) {
                if (ids.size() == room) {
                    break;
                }
                ids.add(e.eventId());
            }
            return List.copyOf(ids);
        }
    }

    /** Events drained for one trace: their links are now this linker's to hand off. */
    private record Drained(String traceId, String replayId, List<PendingEvent> events) {
    }

    @Override
    public CompletionStage<ProcessResult> process(ProcessedEnvelope envelope) {
        Context context = Vertx.currentContext();
        Map<String, Object> trace = envelope.header().get("trace") instanceof Map<?, ?> m ? cast(m) : null;
        String dscTrace = trace == null ? null : id(trace.get("trace_id"), "dsc.trace_id");
        String dscReplay = trace == null ? null : id(trace.get("replay_id"), "dsc.replay_id");

        List<Linkable> linkables = new ArrayList<>();
        List<Carrier> carriers = new ArrayList<>();
        Map<String, String> records = new LinkedHashMap<>();
        // how each recorded pair was learned, for the why-notes
        Map<String, String> sources = notes.enabled() ? new java.util.HashMap<>() : null;
        for (ProcessedItem item : envelope.items()) {
            switch (item.type()) {
                case "event", "transaction" -> {
                    EventFacts facts = EventFactsReader.read(item.payload());
                    String traceId = dscTrace != null ? dscTrace : id(facts.contextTraceId(), "contexts.trace.trace_id");
                    boolean invalidTrace = traceId == null && (facts.contextTraceId() != null
                            || trace != null && trace.get("trace_id") != null);
                    if (traceId == null && facts.sentryTraceHeader() != null) {
                        traceId = SentryTrace.traceId(facts.sentryTraceHeader());
                        if (traceId == null) {
                            metrics.invalidId("sentry-trace");
                            invalidTrace = true;
                        }
                    }
                    Linkable l = new Linkable(item, facts, traceId);
                    l.invalidTrace = invalidTrace && traceId == null;
                    lift(l, dscReplay);
                    if (l.backendError()) {
                        metrics.backendErrorSeen();
                        metrics.linkRates().seen(envelope.projectId(), clockSeconds.getAsLong());
                    }
                    if (l.replayId != null && traceId != null && records.putIfAbsent(traceId, l.replayId) == null
                            && sources != null) {
                        sources.put(traceId, "tag".equals(l.path) ? "browser_error_tag" : l.path);
                    }
                    linkables.add(l);
                }
                case "replay_event" -> {
                    TraceReplayPairs.ReplayEventIds ids = TraceReplayPairs.readReplayEvent(item.payload());
                    List<TraceReplayPairs.Pair> pairs = ids.pairs();
                    if (pairs.size() > maxTraceIds) {
                        // one replay_event cannot fill the index with made-up traces
                        metrics.traceIdsDropped(pairs.size() - maxTraceIds);
                        pairs = pairs.subList(0, maxTraceIds);
                    }
                    addPairs(records, pairs, sources, "replay_event");
                    String replayId = id(ids.replayId(), "replay_event.replay_id");
                    if (replayId != null && outputs.linksRideReplayEvents()) {
                        carriers.add(new Carrier(item, replayId, ids.errorIds()));
                    }
                }
                case "span" -> addPairs(records, TraceReplayPairs.fromSpans(item.payload()), sources, "span");
                default -> {
                }
            }
        }
        if (linkables.isEmpty() && records.isEmpty() && carriers.isEmpty()
                && (dscTrace == null || dscReplay != null)) {
            return CompletableFuture.completedFuture(ProcessResult.CONTINUE);
        }
        long projectId = envelope.projectId();
        ReplayIndex index = organizations.forOrganization(envelope.organizationId());
        CompletableFuture<Void> held = heldLinks(index, carriers);
        return recordAll(index, records, sources)
                .thenCompose(drained -> lookupAll(index, linkables, dscTrace, dscReplay, projectId, records)
                        .thenCombine(held, (dscLookup, v) -> dscLookup)
                        .thenCompose(dscLookup -> onContext(context, () -> {
                            enrich(envelope, linkables, trace, dscTrace, dscReplay, records, dscLookup);
                            noteOutcomes(index, projectId, linkables);
                            linkLate(index, envelope, drained, carriers);
                            return ProcessResult.CONTINUE;
                        })));
    }

    /** First found of DSC, contexts.replay, the replayId tag, baggage. */
    private void lift(Linkable l, String dscReplay) {
        if (dscReplay != null) {
            l.replayId = dscReplay;
            l.path = "dsc";
            return;
        }
        String context = id(l.facts.contextReplayId(), "contexts.replay.replay_id");
        if (context != null) {
            l.replayId = context;
            l.path = "context";
            return;
        }
        String tag = id(l.facts.tagReplayId(), "tags.replayId");
        if (tag != null) {
            l.replayId = tag;
            l.path = "tag";
            return;
        }
        String baggage = id(l.facts.baggageReplayId(), "baggage.sentry-replay_id");
        if (baggage != null) {
            l.replayId = baggage;
            l.path = "baggage";
        }
    }

    /** {@code sources}: how each new pair was learned (null: not kept, no notes are written). */
    private void addPairs(Map<String, String> records, List<TraceReplayPairs.Pair> pairs, Map<String, String> sources,
                          String source) {
        for (TraceReplayPairs.Pair p : pairs) {
            String traceId = id(p.traceId(), "trace_id");
            String replayId = id(p.replayId(), "replay_id");
            if (traceId != null && replayId != null && records.putIfAbsent(traceId, replayId) == null
                    && sources != null) {
                sources.put(traceId, source);
            }
        }
    }

    /** Records every pair; answers the events each record drained. */
    private CompletableFuture<List<Drained>> recordAll(ReplayIndex index, Map<String, String> records,
                                                       Map<String, String> sources) {
        if (records.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        List<CompletableFuture<Drained>> all = new ArrayList<>(records.size());
        for (Map.Entry<String, String> r : records.entrySet()) {
            all.add(timed("record", () -> index.recordAndDrain(r.getKey(), r.getValue()),
                    drained -> drained.isEmpty() ? "recorded" : "drained")
                    .thenApply(drained -> {
                        if (drained != null && sources != null) {
                            notes.learned(index, r.getKey(), r.getValue(), sources.getOrDefault(r.getKey(), "event"));
                        }
                        return drained == null || drained.isEmpty() ? null
                                : new Drained(r.getKey(), r.getValue(), drained);
                    }));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<Drained> drained = new ArrayList<>();
            for (CompletableFuture<Drained> f : all) {
                Drained d = f.join();
                if (d != null) {
                    drained.add(d);
                }
            }
            return drained;
        });
    }

    /** Fetches the late links held for each carrier's replay (a failure leaves them for the next carrier). */
    private CompletableFuture<Void> heldLinks(ReplayIndex index, List<Carrier> carriers) {
        if (carriers.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<?>> all = new ArrayList<>(carriers.size());
        for (Carrier c : carriers) {
            all.add(timed("late_links", () -> index.lateLinks(c.replayId), held -> held.isEmpty() ? "none" : "found")
                    .thenAccept(held -> {
                        if (held != null) {
                            c.candidates.addAll(0, held);
                        }
                    }));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /**
     * Hands off the links of the drained events (an event_link message each; with sinks that cannot carry those, the
     * event in error_ids of this envelope's replay_event of that replay, or held in the index for a later one), has
     * the client answered after that, and acknowledges the drained events and the held links once it is accepted.
     */
    private void linkLate(ReplayIndex index, ProcessedEnvelope envelope, List<Drained> drained,
                          List<Carrier> carriers) {
        String form = outputs.linksRideReplayEvents() ? "error_ids" : "event_link";
        for (Drained d : drained) {
            List<CompletableFuture<?>> handOffs = new ArrayList<>();
            for (PendingEvent e : d.events()) {
                handOffs.add(emitLink(d.replayId(), e, "backfill"));
                notes.linked(index, e.eventId(), d.traceId(), e.projectId(), e.level(), e.timestamp(), "backfill", form,
                        d.replayId());
            }
            if (outputs.linksRideReplayEvents()) {
                // held under the replay even when this envelope carries them: should it not reach the upstream
                // (a stop before its delivery), the replay's next segment does
                metrics.lateLinks("held", d.events().size());
                handOffs.add(bounded(index.holdLateLinks(d.replayId(), d.events()).toCompletableFuture()));
                carriers.stream().filter(c -> c.replayId.equals(d.replayId())).findFirst()
                        .ifPresent(c -> c.candidates.addAll(d.events()));
            }
            List<String> eventIds = d.events().stream().map(PendingEvent::eventId).toList();
            envelope.answerAfter(CompletableFuture.allOf(handOffs.toArray(CompletableFuture[]::new)));
            envelope.beforeAnswer(accepted -> accepted ? index.acknowledgeDrained(d.traceId(), eventIds)
                    : index.releaseDrained(d.traceId(), eventIds));
        }
        for (Carrier c : carriers) {
            List<String> ids = c.carry();
            if (ids.isEmpty()) {
                continue;
            }
            ByteBuffer payload = c.item.payload();
            byte[] bytes = new byte[payload.remaining()];
            payload.duplicate().get(bytes);
            byte[] spliced = JsonSplice.appendStrings(bytes, 0, bytes.length, "error_ids", ids);
            if (spliced != null) {
                try {
                    c.item.setPayload(spliced);
                } catch (IllegalArgumentException overLimit) {
                    metrics.enrichmentRefused("over_size_limit");
                    continue; // the held links wait for the next segment
                }
            }
            metrics.lateLinks("error_ids", ids.size());
            envelope.beforeAnswer(accepted -> accepted ? index.acknowledgeLateLinks(c.replayId, ids)
                    : CompletableFuture.completedFuture(null));
        }
    }

    /** Looks up the replay of every unlinked item (remembering events); returns the DSC trace's replay, if looked up. */
    private CompletableFuture<String> lookupAll(ReplayIndex index, List<Linkable> linkables, String dscTrace,
                                                String dscReplay, long projectId, Map<String, String> records) {
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (Linkable l : linkables) {
            if (l.replayId != null || l.traceId == null) {
                continue;
            }
            String known = records.get(l.traceId);
            if (known != null) {
                l.replayId = known;
                l.path = "index";
                continue;
            }
            Optional<PendingEvent> pending = Optional.empty();
            String eventId = Uuids.normalize(l.facts.eventId());
            boolean hold = false;
            if (l.isEvent && eventId != null) {
                double ts = Double.isNaN(l.facts.timestamp()) ? clockSeconds.getAsLong() : l.facts.timestamp();
                hold = holds.tryHold(l.backendError(), l.facts.level());
                long holdUntil = hold ? holds.clockMillis().getAsLong() + holds.holdMs() : 0;
                pending = Optional.of(new PendingEvent(eventId, projectId, ts, l.facts.level(), holdUntil));
            }
            Optional<PendingEvent> remember = pending;
            boolean held = hold;
            // an answer after the timeout: the event has gone on unlinked; a hit (the event was then not
            // remembered) links it by event_link, as a replay that arrives later would
            java.util.function.Consumer<Optional<String>> late = remember.isEmpty() ? null : r -> {
                String replayId = r.map(Uuids::normalize).orElse(null);
                if (replayId != null) {
                    linkAfterTimeout(index, replayId, remember.get());
                }
            };
            java.util.function.Consumer<ReplayIndex.Lookup> lateLookup = late == null ? null
                    : found -> late.accept(found.replayId());
            all.add(timed("lookup", () -> index.lookup(l.traceId, remember),
                    f -> f.replayId().isPresent() ? "hit" : remember.isPresent() && !f.full() ? "remembered" : "miss",
                    lateLookup).thenCompose(found -> {
                        Optional<String> r = found == null ? null : found.replayId();
                        l.lookupFailed = found == null;
                        l.full = found != null && found.full();
                        if (r != null && r.isPresent()) {
                            l.replayId = Uuids.normalize(r.get());
                            l.path = l.replayId == null ? null : "index";
                        }
                        if (!held) {
                            return CompletableFuture.completedFuture(null);
                        }
                        if (r == null || r.isPresent()) {
                            holds.release();
                            return CompletableFuture.completedFuture(null);
                        }
                        return endHold(index, l, remember.get());
                    }));
        }
        boolean dscNeedsLookup = dscTrace != null && dscReplay == null && !records.containsKey(dscTrace)
                && noneOfTrace(linkables, dscTrace);
        CompletableFuture<String> dsc = !dscNeedsLookup ? CompletableFuture.completedFuture(null)
                : timed("lookup", () -> index.lookupOrRemember(dscTrace, Optional.empty()),
                        r -> r.isPresent() ? "hit" : "miss").thenApply(r -> r == null ? null
                        : r.map(Uuids::normalize).orElse(null));
        all.add(dsc);
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenCompose(v -> dsc);
    }

    private static boolean noneOfTrace(List<Linkable> linkables, String traceId) {
        for (Linkable l : linkables) {
            if (traceId.equals(l.traceId)) {
                return false;
            }
        }
        return true;
    }

    private void enrich(ProcessedEnvelope envelope, List<Linkable> linkables, Map<String, Object> trace,
                        String dscTrace, String dscReplay, Map<String, String> records, String dscLookup) {
        String dscLinked = dscLookup != null ? dscLookup : dscTrace == null ? null : records.get(dscTrace);
        for (Linkable l : linkables) {
            if (l.replayId == null) {
                continue;
            }
            if (!"context".equals(l.path)) {
                // the slot found while reading the facts spares a second parse of the event, and a copy of it: the
                // host puts the few bytes in between the event's own
                ReplaySlot slot = l.facts.replaySlot();
                byte[] spliced = slot == null ? splice(l.item.payload(), l.replayId) : null;
                try {
                    if (spliced != null) {
                        l.item.setPayload(spliced);
                    } else if (slot != null && !slot.present()) {
                        l.item.splicePayload(slot.at(), slot.remove(), slot.insert(l.replayId));
                    }
                } catch (IllegalArgumentException overLimit) {
                    // an event just under max_event_size: it goes on as it came (the DSC may still carry it)
                    metrics.enrichmentRefused("over_size_limit");
                }
            }
            String path = linkPath(l);
            metrics.link(path, envelope.projectId());
            if (l.backendError()) {
                metrics.backendErrorLinked(path);
                long now = clockSeconds.getAsLong();
                metrics.linkRates().linked(envelope.projectId(), now, now);
            }
            if (emitInlineLinks && l.isEvent) {
                String eventId = Uuids.normalize(l.facts.eventId());
                if (eventId != null) {
                    double ts = Double.isNaN(l.facts.timestamp()) ? clockSeconds.getAsLong() : l.facts.timestamp();
                    envelope.answerAfter(emitLink(l.replayId,
                            new PendingEvent(eventId, envelope.projectId(), ts, l.facts.level()), null));
                }
            }
            if (dscLinked == null && l.traceId != null && l.traceId.equals(dscTrace)) {
                dscLinked = l.replayId;
            }
        }
        if (trace != null && dscReplay == null && dscLinked != null) {
            Map<String, Object> withReplay = new LinkedHashMap<>(trace);
            withReplay.put("replay_id", dscLinked);
            envelope.setHeader("trace", withReplay);
        }
    }

    /**
     * The why-notes of this envelope's events (linked inline, or why not), and the unlinked backend errors counted by
     * reason. A remembered event waits: its note says so, and a late link replaces it.
     */
    private void noteOutcomes(ReplayIndex index, long projectId, List<Linkable> linkables) {
        for (Linkable l : linkables) {
            String eventId = notes.enabled() ? Uuids.normalize(l.facts.eventId()) : null;
            String level = l.isEvent ? l.facts.level() : null;
            double eventAt = l.facts.timestamp();
            if (l.replayId != null) {
                notes.linked(index, eventId, l.traceId, projectId, level, eventAt, linkPath(l), null, l.replayId);
                continue;
            }
            // a transaction never waits for a replay: only errors are remembered
            UnlinkedReason reason = !l.isEvent ? UnlinkedReason.NOT_AN_ERROR : l.traceId == null
                    ? (l.invalidTrace ? UnlinkedReason.INVALID_ID : UnlinkedReason.NO_TRACE_ID)
                    : l.lookupFailed ? UnlinkedReason.INDEX_UNAVAILABLE
                    : l.full ? UnlinkedReason.WAITING_LIMIT : UnlinkedReason.WAITING;
            if (l.backendError()) {
                metrics.backendErrorUnlinked(reason.label);
            }
            notes.unlinked(index, eventId, l.traceId, projectId, level, eventAt, reason);
        }
    }

    /** The path a link counts under: a replayId tag counts as context (both are the event's own). */
    private static String linkPath(Linkable l) {
        return "tag".equals(l.path) ? "context" : l.path;
    }

    static byte[] splice(ByteBuffer payload, String replayId) {
        byte[] bytes;
        int offset;
        int length = payload.remaining();
        if (payload.hasArray()) {
            bytes = payload.array();
            offset = payload.arrayOffset() + payload.position();
        } else {
            bytes = new byte[length];
            payload.duplicate().get(bytes);
            offset = 0;
        }
        return JsonSplice.ensureField(bytes, offset, length, REPLAY_CONTEXT, "replay_id", "\"" + replayId + "\"");
    }

    /**
     * Holds a remembered backend error back until its hold ends, then asks the index whether its trace's replay is
     * known now; if so (and no record drained it meanwhile: records leave held events waiting) it is linked inline.
     */
    private CompletableFuture<Void> endHold(ReplayIndex index, Linkable l, PendingEvent e) {
        return holds.after(Vertx.currentContext())
                .thenCompose(v -> timed("end_hold", () -> index.endHold(l.traceId, e.eventId()),
                        r -> r.isPresent() ? "linked" : "unlinked"))
                .handle((r, error) -> {
                    holds.release();
                    String replayId = r == null ? null : r.map(Uuids::normalize).orElse(null);
                    if (replayId != null) {
                        l.replayId = replayId;
                        l.path = "held";
                    }
                    return null;
                });
    }

    /** Hands an event_link message to the sinks that carry it; counts a late link under {@code path}. */
    private CompletableFuture<Void> emitLink(String replayId, PendingEvent e, String path) {
        byte[] message = EventLinkMessages.message(replayId, e.projectId(), e.eventId(), e.level(),
                (long) e.timestamp(), clockSeconds.getAsLong());
        if (path != null) {
            metrics.link(path, e.projectId());
            metrics.backendErrorLinked(path);
            metrics.linkRates().linked(e.projectId(), (long) e.timestamp(), clockSeconds.getAsLong());
            metrics.lateLinks("event_link", 1);
        }
        try {
            return outputs.link(new ReplayLinkMessage(e.projectId(), replayId, e.eventId(), message))
                    .toCompletableFuture();
        } catch (RuntimeException failure) {
            return CompletableFuture.failedFuture(failure);
        }
    }

    /**
     * A lookup answered with the replay after its envelope went on unlinked: the link goes as for a replay that came
     * later, best effort (no client waits for it any more).
     */
    private void linkAfterTimeout(ReplayIndex index, String replayId, PendingEvent e) {
        List<CompletableFuture<?>> handOffs = new ArrayList<>(2);
        handOffs.add(emitLink(replayId, e, "late"));
        notes.linked(index, e.eventId(), null, e.projectId(), e.level(), e.timestamp(), "late",
                outputs.linksRideReplayEvents() ? "error_ids" : "event_link", replayId);
        if (outputs.linksRideReplayEvents()) {
            metrics.lateLinks("held", 1);
            handOffs.add(index.holdLateLinks(replayId, List.of(e)).toCompletableFuture());
        }
        CompletableFuture.allOf(handOffs.toArray(CompletableFuture[]::new)).whenComplete((v, error) -> {
            if (error != null) {
                LOG.log(System.Logger.Level.WARNING, "a late link of event " + e.eventId() + " to replay " + replayId
                        + " could not be handed off: " + error);
            }
        });
    }

    /** Runs an index call under the lookup timeout; failures and timeouts become null (fail open), counted. */
    private <T> CompletableFuture<T> timed(String op, java.util.function.Supplier<CompletionStage<T>> call,
                                           Function<T, String> outcome) {
        return timed(op, call, outcome, null);
    }

    /** As above; {@code late}, when given, takes an answer that arrives after the timeout (on the index's thread). */
    private <T> CompletableFuture<T> timed(String op, java.util.function.Supplier<CompletionStage<T>> call,
                                           Function<T, String> outcome, java.util.function.Consumer<T> late) {
        long started = System.nanoTime();
        CompletableFuture<T> f;
        try {
            f = call.get().toCompletableFuture();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        if (f.isDone() && !f.isCompletedExceptionally()) {
            // answered at once (the in-memory index, a known replay): no copy, no timer, no callback
            T value = f.join();
            metrics.indexOperation(op, outcome.apply(value), started);
            return CompletableFuture.completedFuture(value);
        }
        CompletableFuture<T> answer = f;
        return bounded(f.copy()).handle((value, error) -> {
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
                boolean timedOut = cause instanceof TimeoutException;
                metrics.indexOperation(op, timedOut ? "timeout" : "error", started);
                if (timedOut && late != null) {
                    answer.thenAccept(late);
                }
                return null;
            }
            metrics.indexOperation(op, outcome.apply(value), started);
            return value;
        });
    }

    /**
     * Fails {@code f} with a {@link TimeoutException} after the lookup timeout. On an event loop the deadline is that
     * loop's ({@link LoopDeadlines}: a list entry, no timer per call; elsewhere a Vert.x timer on
     * the context); {@code orTimeout} would hand every call to the JDK's delay-scheduler thread and back.
     */
    private <T> CompletableFuture<T> bounded(CompletableFuture<T> f) {
        Context context = Vertx.currentContext();
        if (f.isDone()) {
            return f;
        }
        if (context == null) {
            return f.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
        }
        LoopDeadlines.Deadline deadline = LoopDeadlines.after(context, timeoutMs,
                () -> f.completeExceptionally(new TimeoutException()));
        // the answer may arrive on the index's thread: the cancel then goes to the loop
        f.whenComplete((value, error) -> deadline.cancel());
        return f;
    }

    /** Continues on the caller's event loop (index callbacks arrive on the client's I/O threads). */
    private static <T> CompletionStage<T> onContext(Context context, java.util.function.Supplier<T> work) {
        if (context == null || Vertx.currentContext() == context) {
            return CompletableFuture.completedFuture(work.get());
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                result.complete(work.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private String id(Object value, String field) {
        if (!(value instanceof String s)) {
            return null;
        }
        String id = Uuids.normalize(s);
        if (id == null) {
            metrics.invalidId(field);
        }
        return id;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
