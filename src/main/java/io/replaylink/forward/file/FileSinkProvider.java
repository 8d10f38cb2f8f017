package io.replaylink.forward.file;

import io.replaylink.spi.EnvelopeSink;
import io.replaylink.spi.PluginConfig;
import io.replaylink.spi.PluginConfigException;
import io.replaylink.spi.PluginContext;
import io.replaylink.spi.SinkProvider;

import java.nio.file.Path;

/**
 * {@code name: file}: JSON lines of what was forwarded, for development and the embedded default. Config:
 * {@code dir} (default {@code data}), {@code file_prefix} ({@code envelopes}), {@code max_file_size} (bytes, default
 * 64 MiB: then a new file starts), {@code max_files} (10: older files are deleted), {@code queue_capacity} (envelopes
 * waiting for the writer thread, 1024: beyond it the client gets 503), {@code fsync} (false: flush to the OS only).
 */
public final class FileSinkProvider implements SinkProvider {
    @Override
    public String name() {
        return "file";
    }

    @Override
    public EnvelopeSink create(PluginContext context) {
        PluginConfig c = context.config();
        long maxFileSize = c.bytes("max_file_size", 64L * 1024 * 1024);
        long maxFiles = c.number("max_files", 10);
        long capacity = c.number("queue_capacity", 1024);
        if (maxFileSize < 1024) {
            throw new PluginConfigException(c.path() + ".max_file_size", "must be at least 1024 bytes");
        }
        if (maxFiles < 1 || maxFiles > 100_000) {
            throw new PluginConfigException(c.path() + ".max_files", "must be between 1 and 100000");
        }
        if (capacity < 1 || capacity > 1_000_000) {
            throw new PluginConfigException(c.path() + ".queue_capacity", "must be between 1 and 1000000");
        }
        return new FileSink(context.name(), Path.of(c.string("dir", "data")), c.string("file_prefix", "envelopes"),
                maxFileSize, (int) maxFiles, (int) capacity, c.bool("fsync", false));
    }
}
