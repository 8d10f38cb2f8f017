package io.replaylink.spi;

/**
 * Creates an {@link EnvelopeProcessor}; found with {@link java.util.ServiceLoader} and chosen by {@link #name()}
 * from the {@code processors:} list of the config. Processors run in the order of that list.
 *
 * @since 1
 */
public interface ProcessorProvider {
    String name();

    EnvelopeProcessor create(PluginContext context);
}
