package io.replaylink.testing;

import io.replaylink.spi.PluginConfig;
import io.replaylink.spi.PluginContext;

import java.util.Map;

/** A {@link PluginContext} over a plain map, for building one plugin outside a sidecar. */
public final class PluginContexts {
    private PluginContexts() {
    }

    public static PluginContext of(String name, String path, Map<String, Object> config) {
        return of(name, path, config, Map.of());
    }

    /** With host services ({@code hostService(type)} answers the entry whose key is {@code type}). */
    public static PluginContext of(String name, String path, Map<String, Object> config,
                                   Map<Class<?>, Object> services) {
        PluginConfig pluginConfig = new PluginConfig() {
            public Map<String, Object> asMap() {
                return config;
            }

            public String path() {
                return path;
            }
        };
        return new PluginContext() {
            public String name() {
                return name;
            }

            public PluginConfig config() {
                return pluginConfig;
            }

            public <T> java.util.Optional<T> hostService(Class<T> type) {
                return java.util.Optional.ofNullable(services.get(type)).map(type::cast);
            }
        };
    }
}
