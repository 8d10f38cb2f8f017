package io.replaylink.testing;

import io.replaylink.spi.PluginConfig;
import io.replaylink.spi.PluginContext;

import java.util.Map;

/** A {@link PluginContext} over a plain map, for building one plugin outside a sidecar. */
public final class PluginContexts {
    private PluginContexts() {
    }

    public static PluginContext of(String name, String path, Map<String, Object> config) {
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
        };
    }
}
