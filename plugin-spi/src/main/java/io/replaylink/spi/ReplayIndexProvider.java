package io.replaylink.spi;

/**
 * Creates a {@link ReplayIndex}; found with {@link java.util.ServiceLoader} and chosen by {@link #name()} from the
 * {@code index.store} key of the config.
 *
 * @since 1
 */
public interface ReplayIndexProvider {
    String name();

    ReplayIndex create(PluginContext context);
}
