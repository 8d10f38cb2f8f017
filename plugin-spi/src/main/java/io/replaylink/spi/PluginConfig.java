package io.replaylink.spi;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code config} map of one plugin entry in the YAML file, with typed readers that name the key on error.
 *
 * @since 1
 */
public interface PluginConfig {

    /** Every key of the entry, as the YAML parser read them (strings, numbers, booleans, lists, maps). */
    Map<String, Object> asMap();

    /** The dotted path of this entry in the config file, used in error messages, e.g. {@code sinks[1].config}. */
    String path();

    default Optional<String> string(String key) {
        Object value = asMap().get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String s) {
            return Optional.of(s);
        }
        if (value instanceof Number || value instanceof Boolean) {
            return Optional.of(value.toString());
        }
        throw new PluginConfigException(path() + "." + key, "must be a string, got " + value);
    }

    default String string(String key, String defaultValue) {
        return string(key).orElse(defaultValue);
    }

    default long number(String key, long defaultValue) {
        Object value = asMap().get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Number n && n.doubleValue() == n.longValue()) {
            return n.longValue();
        }
        if (value instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new PluginConfigException(path() + "." + key, "must be a whole number, got " + value);
    }

    default boolean bool(String key, boolean defaultValue) {
        Object value = asMap().get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw new PluginConfigException(path() + "." + key, "must be true or false, got " + value);
    }

    default List<String> strings(String key) {
        Object value = asMap().get(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        if (value instanceof String s) {
            return List.of(s);
        }
        throw new PluginConfigException(path() + "." + key, "must be a list of strings, got " + value);
    }
}
