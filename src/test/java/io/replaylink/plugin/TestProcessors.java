package io.replaylink.plugin;

import io.replaylink.spi.EnvelopeProcessor;
import io.replaylink.spi.PluginContext;
import io.replaylink.spi.ProcessResult;
import io.replaylink.spi.ProcessorProvider;

import java.util.concurrent.CompletableFuture;

/** Misbehaving processors for the tests: one throws, one never completes. */
public final class TestProcessors {
    private TestProcessors() {
    }

    public static final class Failing implements ProcessorProvider {
        @Override
        public String name() {
            return "test-failing";
        }

        @Override
        public EnvelopeProcessor create(PluginContext context) {
            return envelope -> {
                envelope.setHeader("x_partial", "must not matter");
                throw new IllegalStateException("broken on purpose");
            };
        }
    }

    public static final class Slow implements ProcessorProvider {
        @Override
        public String name() {
            return "test-slow";
        }

        @Override
        public EnvelopeProcessor create(PluginContext context) {
            return envelope -> new CompletableFuture<ProcessResult>();
        }
    }
}
