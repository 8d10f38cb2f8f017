package io.replaylink.plugin;

import io.replaylink.spi.PluginConfig;
import io.replaylink.spi.PluginContext;
import io.replaylink.spi.SideOutputs;

import java.util.Map;
import java.util.Optional;

/** The {@link PluginContext} the host hands to providers; offers its services (the Vert.x runtime, metrics). */
final class HostPluginContext implements PluginContext {
    private final String name;
    private final PluginConfig config;
    private final Map<Class<?>, Object> services;

    HostPluginContext(String name, PluginConfig config, Map<Class<?>, Object> services) {
        this.name = name;
        this.config = config;
        this.services = services;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PluginConfig config() {
        return config;
    }

    @Override
    public SideOutputs outputs() {
        Object outputs = services.get(SideOutputs.class);
        if (outputs == null) {
            throw new IllegalStateException("side outputs are offered to processors only");
        }
        return (SideOutputs) outputs;
    }

    @Override
    public <T> Optional<T> hostService(Class<T> type) {
        for (Map.Entry<Class<?>, Object> e : services.entrySet()) {
            if (type.isAssignableFrom(e.getKey())) {
                return Optional.of(type.cast(e.getValue()));
            }
        }
        return Optional.empty();
    }
}
