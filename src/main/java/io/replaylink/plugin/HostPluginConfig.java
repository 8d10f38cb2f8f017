package io.replaylink.plugin;

import io.replaylink.spi.PluginConfig;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A plugin entry's {@code config:} map with environment overrides applied: {@code sinks[1].config.url} can be set
 * with {@code REPLAYLINK_SINKS_1_CONFIG_URL}, like every other key.
 */
final class HostPluginConfig implements PluginConfig {
    private final Map<String, Object> values;
    private final String path;

    HostPluginConfig(String path, Map<String, Object> fromFile, Map<String, String> env) {
        this.path = path;
        Map<String, Object> merged = new LinkedHashMap<>(fromFile);
        String prefix = "REPLAYLINK_" + path.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]+", "_") + "_";
        prefix = prefix.replaceAll("_+", "_");
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                merged.put(e.getKey().substring(prefix.length()).toLowerCase(Locale.ROOT), e.getValue());
            }
        }
        this.values = Collections.unmodifiableMap(merged);
    }

    @Override
    public Map<String, Object> asMap() {
        return values;
    }

    @Override
    public String path() {
        return path;
    }
}
