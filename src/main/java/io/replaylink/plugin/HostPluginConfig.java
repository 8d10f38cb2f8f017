package io.replaylink.plugin;

import io.replaylink.spi.PluginConfig;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A plugin entry's {@code config:} map with environment overrides applied: {@code sinks[1].config.url} can be set
 * with {@code REPLAYLINK_SINKS_1_CONFIG_URL}, like every other key. It records which keys the plugin read, so that
 * the host can refuse a key no plugin reads (a typo) as it refuses its own unknown keys.
 */
final class HostPluginConfig implements PluginConfig {
    private final Map<String, Object> values;
    private final String path;
    private final Set<String> read = ConcurrentHashMap.newKeySet();
    private final Map<String, Object> recording;

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
        this.recording = new AbstractMap<>() {
            @Override
            public Object get(Object key) {
                read.add(String.valueOf(key));
                return values.get(key);
            }

            @Override
            public boolean containsKey(Object key) {
                read.add(String.valueOf(key));
                return values.containsKey(key);
            }

            @Override
            public Set<Entry<String, Object>> entrySet() {
                values.keySet().forEach(k -> read.add(String.valueOf(k)));
                return values.entrySet();
            }
        };
    }

    @Override
    public Map<String, Object> asMap() {
        return recording;
    }

    /** The keys set in the config that the plugin has not read (so far). */
    Set<String> unread() {
        Set<String> unread = new TreeSet<>();
        for (Object k : values.keySet()) { // YAML keys need not be strings (`7: x` has a number)
            if (!(k instanceof String) || !read.contains(k)) {
                unread.add(String.valueOf(k));
            }
        }
        return unread;
    }

    /** The keys the plugin read. */
    Set<String> read() {
        return new TreeSet<>(read);
    }

    @Override
    public String path() {
        return path;
    }
}
