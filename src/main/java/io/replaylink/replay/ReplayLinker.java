package io.replaylink.replay;

import io.replaylink.envelope.Uuids;
import io.replaylink.metrics.Metrics;
import io.replaylink.spi.EnvelopeProcessor;
import io.replaylink.spi.ProcessResult;
import io.replaylink.spi.ProcessedEnvelope;
import io.replaylink.spi.ProcessedItem;
import io.replaylink.spi.ReplayIndex;
import io.replaylink.spi.ReplayIndex.PendingEvent;
import io.replaylink.spi.ReplayLinkMessage;
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
 *       and get an {@code event_link} message (path {@code backfill}).</li>
 *   <li>Looks up the replay of events that have a trace id but no replay id; an {@code event} the index cannot
 *       link yet is remembered for its trace, so the replay's arrival links it later, exactly once.</li>
 *   <li>Enriches linked items: {@code contexts.replay.replay_id} spliced into the payload (unless it was already
 *       there), and the DSC's {@code replay_id} set when a DSC exists without one.</li>
 * </ol>
 * Every index call is bounded by {@code lookup_timeout_ms}; on error or timeout the envelope goes on unlinked
 * (fail open) and the failure is counted.
 */
public final class ReplayLinker implements EnvelopeProcessor {
    private static final List<String> REPLAY_CONTEXT = List.of("contexts", "replay");

    private final ReplayIndex index;
    private final LinkEmitter emitter;
    private final Metrics metrics;
    private final long timeoutMs;
    private final boolean emitInlineLinks;
    private final LongSupplier clockSeconds;

    public ReplayLinker(ReplayIndex index, LinkEmitter emitter, Metrics metrics, long timeoutMs,
                        boolean emitInlineLinks, LongSupplier clockSeconds) {
        this.index = index;
        this.emitter = emitter;
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

    @Override
    public CompletionStage<ProcessResult> process(ProcessedEnvelope envelope) {
        Context context = Vertx.currentContext();
        Map<String, Object> trace = envelope.header().get("trace") instanceof Map<?, ?> m ? cast(m) : null;
        String dscTrace = trace == null ? null : id(trace.get("trace_id"), "dsc.trace_id");
        String dscReplay = trace == null ? null : id(trace.get("replay_id"), "dsc.replay_id");

        List<Linkable> linkables = new ArrayList<>();
        Map<String, String> records = new LinkedHashMap<>();
        for (ProcessedItem item : envelope.items()) {
            switch (item.type()) {
                case "event", "transaction" -> {
                    EventFacts facts = EventFactsReader.read(item.payload());
                    String traceId = dscTrace != null ? dscTrace : id(facts.contextTraceId(), "contexts.trace.trace_id");
                    if (traceId == null && facts.sentryTraceHeader() != null) {
                        traceId = SentryTrace.traceId(facts.sentryTraceHeader());
                        if (traceId == null) {
                            metrics.invalidId("sentry-trace");
                        }
                    }
                    Linkable l = new Linkable(item, facts, traceId);
                    lift(l, dscReplay);
                    if (l.backendError()) {
                        metrics.backendErrorSeen();
                    }
                    if (l.replayId != null && traceId != null) {
                        records.putIfAbsent(traceId, l.replayId);
                    }
                    linkables.add(l);
                }
                case "replay_event" -> addPairs(records, TraceReplayPairs.fromReplayEvent(item.payload()));
                case "span" -> addPairs(records, TraceReplayPairs.fromSpans(item.payload()));
                default -> {
                }
            }
        }
        if (linkables.isEmpty() && records.isEmpty() && (dscTrace == null || dscReplay != null)) {
            return CompletableFuture.completedFuture(ProcessResult.CONTINUE);
        }
        long projectId = envelope.projectId();
        return recordAll(records).thenCompose(v -> lookupAll(linkables, dscTrace, dscReplay, projectId, records))
                .thenCompose(dscLookup -> onContext(context, () -> {
                    enrich(envelope, linkables, trace, dscTrace, dscReplay, records, dscLookup);
                    return ProcessResult.CONTINUE;
                }));
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

    private void addPairs(Map<String, String> records, List<TraceReplayPairs.Pair> pairs) {
        for (TraceReplayPairs.Pair p : pairs) {
            String traceId = id(p.traceId(), "trace_id");
            String replayId = id(p.replayId(), "replay_id");
            if (traceId != null && replayId != null) {
                records.putIfAbsent(traceId, replayId);
            }
        }
    }

    private CompletableFuture<Void> recordAll(Map<String, String> records) {
        if (records.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (Map.Entry<String, String> r : records.entrySet()) {
            all.add(timed("record", () -> index.recordAndDrain(r.getKey(), r.getValue()),
                    drained -> drained.isEmpty() ? "recorded" : "drained").thenAccept(drained -> {
                        if (drained != null) {
                            for (PendingEvent e : drained) {
                                emitLink(r.getValue(), e, "backfill");
                            }
                        }
                    }));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    /** Looks up the replay of every unlinked item (remembering events); returns the DSC trace's replay, if looked up. */
    private CompletableFuture<String> lookupAll(List<Linkable> linkables, String dscTrace, String dscReplay,
                                                long projectId, Map<String, String> records) {
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
            if (l.isEvent && eventId != null) {
                double ts = Double.isNaN(l.facts.timestamp()) ? clockSeconds.getAsLong() : l.facts.timestamp();
                pending = Optional.of(new PendingEvent(eventId, projectId, ts, l.facts.level()));
            }
            Optional<PendingEvent> remember = pending;
            // an answer after the timeout: the event has gone on unlinked; a hit (the event was then not
            // remembered) links it by event_link, as a replay that arrives later would
            java.util.function.Consumer<Optional<String>> late = remember.isEmpty() ? null : r -> {
                String replayId = r.map(Uuids::normalize).orElse(null);
                if (replayId != null) {
                    emitLink(replayId, remember.get(), "late");
                }
            };
            all.add(timed("lookup", () -> index.lookupOrRemember(l.traceId, remember),
                    r -> r.isPresent() ? "hit" : remember.isPresent() ? "remembered" : "miss", late).thenAccept(r -> {
                        if (r != null && r.isPresent()) {
                            l.replayId = Uuids.normalize(r.get());
                            l.path = l.replayId == null ? null : "index";
                        }
                    }));
        }
        boolean dscNeedsLookup = dscTrace != null && dscReplay == null && !records.containsKey(dscTrace)
                && linkables.stream().noneMatch(l -> dscTrace.equals(l.traceId));
        CompletableFuture<String> dsc = !dscNeedsLookup ? CompletableFuture.completedFuture(null)
                : timed("lookup", () -> index.lookupOrRemember(dscTrace, Optional.empty()),
                        r -> r.isPresent() ? "hit" : "miss").thenApply(r -> r == null ? null
                        : r.map(Uuids::normalize).orElse(null));
        all.add(dsc);
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenCompose(v -> dsc);
    }

    private void enrich(ProcessedEnvelope envelope, List<Linkable> linkables, Map<String, Object> trace,
                        String dscTrace, String dscReplay, Map<String, String> records, String dscLookup) {
        String dscLinked = dscLookup != null ? dscLookup : dscTrace == null ? null : records.get(dscTrace);
        for (Linkable l : linkables) {
            if (l.replayId == null) {
                continue;
            }
            if (!"context".equals(l.path)) {
                ByteBuffer payload = l.item.payload();
                byte[] spliced = splice(payload, l.replayId);
                if (spliced != null) {
                    l.item.setPayload(spliced);
                }
            }
            String path = "tag".equals(l.path) ? "context" : l.path;
            metrics.link(path);
            if (l.backendError()) {
                metrics.backendErrorLinked(path);
            }
            if (emitInlineLinks && l.isEvent) {
                String eventId = Uuids.normalize(l.facts.eventId());
                if (eventId != null) {
                    double ts = Double.isNaN(l.facts.timestamp()) ? clockSeconds.getAsLong() : l.facts.timestamp();
                    emitLink(l.replayId, new PendingEvent(eventId, envelope.projectId(), ts, l.facts.level()), null);
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

    private void emitLink(String replayId, PendingEvent e, String backfillPath) {
        byte[] message = EventLinkMessages.message(replayId, e.projectId(), e.eventId(), e.level(),
                (long) e.timestamp(), clockSeconds.getAsLong());
        emitter.emit(new ReplayLinkMessage(e.projectId(), replayId, e.eventId(), message));
        if (backfillPath != null) {
            metrics.link(backfillPath);
            metrics.backendErrorLinked(backfillPath);
        }
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
     * Fails {@code f} with a {@link TimeoutException} after the lookup timeout. On an event loop the timer is that
     * loop's (a queue entry on the same thread); {@code orTimeout} would hand every call to the JDK's delay-scheduler
     * thread and back.
     */
    private <T> CompletableFuture<T> bounded(CompletableFuture<T> f) {
        Context context = Vertx.currentContext();
        if (f.isDone()) {
            return f;
        }
        if (context == null) {
            return f.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
        }
        Vertx vertx = context.owner();
        long timer = vertx.setTimer(timeoutMs, id -> f.completeExceptionally(new TimeoutException()));
        f.whenComplete((value, error) -> vertx.cancelTimer(timer));
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
