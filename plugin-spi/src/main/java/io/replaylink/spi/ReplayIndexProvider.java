package io.replaylink.spi;

/**
 * Creates a {@link ReplayIndex}; found with {@link java.util.ServiceLoader} and chosen by {@link #name()} from the
 * {@code index.name} key of the config (its {@code index.config} map is the context's config).
 *
 * @since 1
 */
public interface ReplayIndexProvider {
    String name();

    ReplayIndex create(PluginContext context);
}
