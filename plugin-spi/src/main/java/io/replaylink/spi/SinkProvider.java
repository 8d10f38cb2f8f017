package io.replaylink.spi;

/**
 * Creates an {@link EnvelopeSink}; found with {@link java.util.ServiceLoader} and chosen by {@link #name()} from
 * the {@code sinks:} list of the config. Every accepted envelope goes to every configured sink.
 *
 * @since 1
 */
public interface SinkProvider {
    String name();

    EnvelopeSink create(PluginContext context);
}
