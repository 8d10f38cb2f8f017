package io.replaylink.example;

import io.replaylink.spi.EnvelopeProcessor;
import io.replaylink.spi.PluginContext;
import io.replaylink.spi.ProcessResult;
import io.replaylink.spi.ProcessedEnvelope;
import io.replaylink.spi.ProcessedItem;
import io.replaylink.spi.ProcessorProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Example processor, {@code name: example-tagger}. Config:
 * <ul>
 *   <li>{@code header_field} (string): envelope header field to append {@code value} to, as a list;</li>
 *   <li>{@code value} (string): what to append; defaults to the entry name;</li>
 *   <li>{@code drop_types} (list of strings): item types to drop;</li>
 *   <li>{@code reject_project} (number): a project id whose envelopes are rejected with 403.</li>
 * </ul>
 * Appending to a list makes the order of several instances visible in the forwarded envelope.
 */
public final class TaggingProcessorProvider implements ProcessorProvider {

    @Override
    public String name() {
        return "example-tagger";
    }

    @Override
    public EnvelopeProcessor create(PluginContext context) {
        String field = context.config().string("header_field", "x_example_tags");
        String value = context.config().string("value", context.name());
        Set<String> dropTypes = Set.copyOf(context.config().strings("drop_types"));
        long rejectProject = context.config().number("reject_project", -1);
        return envelope -> process(envelope, field, value, dropTypes, rejectProject);
    }

    private static CompletionStage<ProcessResult> process(
            ProcessedEnvelope envelope, String field, String value, Set<String> dropTypes, long rejectProject) {
        if (envelope.projectId() == rejectProject) {
            return CompletableFuture.completedFuture(
                    new ProcessResult.Reject(403, "project " + rejectProject + " is refused by example-tagger"));
        }
        List<Object> tags = new ArrayList<>();
        if (envelope.header().get(field) instanceof List<?> existing) {
            tags.addAll(existing);
        }
        tags.add(value);
        envelope.setHeader(field, tags);
        for (ProcessedItem item : List.copyOf(envelope.items())) {
            if (dropTypes.contains(item.type())) {
                item.drop("example-tagger");
            }
        }
        envelope.attributes().put("example-tagger." + value, Map.of("items", envelope.items().size()));
        return CompletableFuture.completedFuture(ProcessResult.CONTINUE);
    }
}
