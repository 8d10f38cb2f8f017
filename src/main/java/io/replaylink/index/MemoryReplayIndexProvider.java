package io.replaylink.index;

import io.replaylink.spi.PluginConfig;
import io.replaylink.spi.PluginConfigException;
import io.replaylink.spi.PluginContext;
import io.replaylink.spi.ReplayIndex;
import io.replaylink.spi.ReplayIndexProvider;

/**
 * {@code index: {name: memory}}: the in-process index. Besides {@link IndexSettings}: {@code max_traces} (default
 * 100000) and {@code max_bytes} (default 64 MiB).
 */
public final class MemoryReplayIndexProvider implements ReplayIndexProvider {
    @Override
    public String name() {
        return "memory";
    }

    @Override
    public ReplayIndex create(PluginContext context) {
        PluginConfig c = context.config();
        long maxTraces = c.number("max_traces", 100_000);
        long maxBytes = c.bytes("max_bytes", 64L * 1024 * 1024);
        if (maxTraces < 1 || maxTraces > 100_000_000) {
            throw new PluginConfigException(c.path() + ".max_traces", "must be between 1 and 100000000");
        }
        if (maxBytes < 1024) {
            throw new PluginConfigException(c.path() + ".max_bytes", "must be at least 1024");
        }
        return new MemoryReplayIndex(IndexSettings.from(c), (int) maxTraces, maxBytes, System::currentTimeMillis);
    }
}
