package io.replaylink.testing;

import io.replaylink.spi.EnvelopeSink;
import io.replaylink.spi.OutgoingEnvelope;
import io.replaylink.spi.PluginContext;
import io.replaylink.spi.ReplayLinkMessage;
import io.replaylink.spi.SinkProvider;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * {@code name: test-collect, config: {id: X}}: a sink plugin (through the real SPI) that keeps every envelope and
 * event_link message it is given, for the tests to read under {@code X}.
 */
public final class CollectingSinkProvider implements SinkProvider {
    public record Collected(LinkedBlockingQueue<byte[]> envelopes, LinkedBlockingQueue<ReplayLinkMessage> links) {
    }

    private static final Map<String, Collected> BY_ID = new ConcurrentHashMap<>();

    public static Collected get(String id) {
        return BY_ID.computeIfAbsent(id, k -> new Collected(new LinkedBlockingQueue<>(), new LinkedBlockingQueue<>()));
    }

    @Override
    public String name() {
        return "test-collect";
    }

    @Override
    public EnvelopeSink create(PluginContext context) {
        Collected c = get(context.config().string("id", "default"));
        return new EnvelopeSink() {
            @Override
            public CompletionStage<Void> send(OutgoingEnvelope envelope) {
                ByteBuffer b = envelope.body();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                c.envelopes().add(bytes);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletionStage<Void> sendLink(ReplayLinkMessage link) {
                c.links().add(link);
                return CompletableFuture.completedFuture(null);
            }
        };
    }
}
