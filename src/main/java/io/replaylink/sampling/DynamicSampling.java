package io.replaylink.sampling;

import io.replaylink.metrics.Metrics;
import io.replaylink.spi.EnvelopeProcessor;
import io.replaylink.spi.OutcomeMessage;
import io.replaylink.spi.ProcessResult;
import io.replaylink.spi.ProcessedEnvelope;
import io.replaylink.spi.ProcessedItem;
import io.replaylink.spi.SideOutputs;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Replay-aware dynamic sampling ({@code processors: [replay-linker, dynamic-sampling]}): evaluates the project's rules
 * (Relay's format) on the DSC as linking left it, so a trace linked to a replay through the index counts as having
 * one, and on the transaction for {@code transaction} rules. The decision is deterministic per trace
 * ({@link TraceRandom}). Dropped: transaction, span and profile items of a trace not sampled, each counted and
 * reported as a Relay outcome ({@code filtered}, reason {@code Sampled:<rule ids>}); errors and everything else are
 * never dropped by sampling. A kept trace sampled at a rate below 1 gets the DSC's {@code sample_rate} multiplied
 * by it, so downstream extrapolation stays right.
 */
public final class DynamicSampling implements EnvelopeProcessor {
    /** Item types sampling may drop, with Relay's data category for outcomes. */
    private static final Map<String, Integer> SAMPLED_TYPES = Map.of("transaction", 2, "span", 12, "otel_span", 12,
            "profile", 6);

    private final Supplier<RulesFile.Rules> rules;
    private final SideOutputs outputs;
    private final Metrics metrics;
    private final Supplier<Instant> clock;
    private final Runnable onClose;

    public DynamicSampling(Supplier<RulesFile.Rules> rules, SideOutputs outputs, Metrics metrics,
                           Supplier<Instant> clock) {
        this(rules, outputs, metrics, clock, () -> { });
    }

    /** {@code onClose}: stops what feeds {@code rules} (the provider's reload timer). */
    public DynamicSampling(Supplier<RulesFile.Rules> rules, SideOutputs outputs, Metrics metrics,
                           Supplier<Instant> clock, Runnable onClose) {
        this(rules, outputs, metrics, clock, onClose, (envelope, eventId, traceId) -> { });
    }

    /** What is told of each transaction dropped: its envelope, event id and trace id (for the why-notes). */
    public interface SampledOut {
        void dropped(ProcessedEnvelope envelope, String eventId, String traceId);
    }

    private final SampledOut sampledOut;

    public DynamicSampling(Supplier<RulesFile.Rules> rules, SideOutputs outputs, Metrics metrics,
                           Supplier<Instant> clock, Runnable onClose, SampledOut sampledOut) {
        this.sampledOut = sampledOut;
        this.rules = rules;
        this.outputs = outputs;
        this.metrics = metrics;
        this.clock = clock;
        this.onClose = onClose;
    }

    @Override
    public void close() {
        onClose.run();
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletionStage<ProcessResult> process(ProcessedEnvelope envelope) {
        SamplingRules projectRules = rules.get().forProject(envelope.projectId());
        if (projectRules.rules().isEmpty() || projectRules.disabledBecause() != null) {
            return CompletableFuture.completedFuture(ProcessResult.CONTINUE);
        }
        List<? extends ProcessedItem> sampled = envelope.items().stream()
                .filter(i -> SAMPLED_TYPES.containsKey(i.type())).toList();
        if (sampled.isEmpty()) {
            return CompletableFuture.completedFuture(ProcessResult.CONTINUE);
        }
        Map<String, Object> dsc = envelope.header().get("trace") instanceof Map<?, ?> m
                ? (Map<String, Object>) m : null;
        Function<String, Object> traceFields = dsc == null ? null : dsc::get;
        ProcessedItem transaction = sampled.stream().filter(i -> i.type().equals("transaction")).findFirst()
                .orElse(null);
        Function<String, Object> eventFields = null;
        if (transaction != null && projectRules.rules().stream()
                .anyMatch(r -> r.type() == SamplingRule.Type.TRANSACTION)) {
            Map<String, Object> fields = EventFields.read(transaction.payload());
            eventFields = fields::get;
        }
        Instant now = clock.get();
        SamplingRules.Decision decision = projectRules.evaluate(traceFields, eventFields, now);
        if (!decision.matched()) {
            metrics.samplingDecision("no_match", "none");
            return CompletableFuture.completedFuture(ProcessResult.CONTINUE);
        }
        String eventId = envelope.header().get("event_id") instanceof String s ? s : null;
        double random = TraceRandom.of(dsc == null ? null : dsc.get("sample_rand"),
                dsc == null || !(dsc.get("trace_id") instanceof String t) ? null : t, eventId);
        String ruleIds = decision.ruleIds().stream().map(String::valueOf).collect(Collectors.joining(","));
        if (Double.isNaN(random) || random < decision.sampleRate()) {
            metrics.samplingDecision("kept", ruleIds);
            if (dsc != null && decision.sampleRate() < 1.0) {
                Map<String, Object> adjusted = new LinkedHashMap<>(dsc);
                BigDecimal clientRate = Condition.number(dsc.get("sample_rate"));
                double rate = (clientRate == null ? 1.0 : clientRate.doubleValue()) * decision.sampleRate();
                adjusted.put("sample_rate", BigDecimal.valueOf(rate).stripTrailingZeros().toPlainString());
                envelope.setHeader("trace", adjusted);
            }
            return CompletableFuture.completedFuture(ProcessResult.CONTINUE);
        }
        metrics.samplingDecision("dropped", ruleIds);
        String remoteAddr = envelope.requestHeader("X-Forwarded-For").orElse(null);
        long nowSeconds = now.getEpochSecond();
        for (ProcessedItem item : sampled) {
            item.drop("sampled");
            if (item.type().equals("transaction") && eventId != null) {
                sampledOut.dropped(envelope, eventId, dsc == null || !(dsc.get("trace_id") instanceof String t) ? null
                        : t);
            }
            envelope.answerAfter(outputs.outcome(new OutcomeMessage(nowSeconds, envelope.projectId(), eventId, 1,
                    "Sampled:" + ruleIds, SAMPLED_TYPES.get(item.type()), 1, remoteAddr)));
        }
        return CompletableFuture.completedFuture(ProcessResult.CONTINUE);
    }

    static Set<String> sampledTypes() {
        return SAMPLED_TYPES.keySet();
    }
}
