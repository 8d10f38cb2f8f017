package io.replaylink.spi;

import java.util.Optional;

/**
 * What a provider gets to build its plugin.
 *
 * @since 1
 */
public interface PluginContext {

    /** The entry's name in the config ({@code name:}), which selected this provider. */
    String name();

    /** The entry's {@code config:} map. */
    PluginConfig config();

    /**
     * Where a processor hands what it emits besides the envelope (links, outcomes): delivered like envelopes, through
     * the host's spool when it has one.
     *
     * @since 2
     */
    default SideOutputs outputs() {
        throw new UnsupportedOperationException("this host offers no side outputs");
    }

    /**
     * A host service by type, if the host offers it: an escape hatch for plugins that ship with a given host and
     * may use its internals (the built-in sinks ask for the host's event-loop runtime this way). Portable plugins
     * do not need it.
     */
    default <T> Optional<T> hostService(Class<T> type) {
        return Optional.empty();
    }
}
