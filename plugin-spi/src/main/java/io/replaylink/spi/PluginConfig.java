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

    /**
     * A size in bytes: a whole number, or a string like {@code 1MiB}, {@code 20 MiB}, {@code 100KB} (KB, MB, GB are
     * powers of 1000; KiB, MiB, GiB of 1024).
     *
     * @since 2
     */
    default long bytes(String key, long defaultValue) {
        Object value = asMap().get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Number n && n.longValue() >= 0 && n.doubleValue() == n.longValue()) {
            return n.longValue();
        }
        long size = parseSize(String.valueOf(value));
        if (size < 0) {
            throw new PluginConfigException(path() + "." + key, "must be a size such as 1048576, 1MiB or 100KB, got "
                    + value);
        }
        return size;
    }

    /**
     * The bytes a size string names ({@code 1048576}, {@code 1MiB}, {@code 20 MiB}, {@code 100KB}), or -1 when it is
     * not one.
     *
     * @since 2
     */
    static long parseSize(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("\\s*(\\d{1,18})\\s*([KMG]i?B|B)?\\s*", java.util.regex.Pattern.CASE_INSENSITIVE).matcher(text);
        if (!m.matches()) {
            return -1;
        }
        long factor = switch (m.group(2) == null ? "b" : m.group(2).toLowerCase(java.util.Locale.ROOT)) {
            case "kb" -> 1000L;
            case "kib" -> 1024L;
            case "mb" -> 1000_000L;
            case "mib" -> 1024L * 1024;
            case "gb" -> 1000_000_000L;
            case "gib" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), factor);
        } catch (ArithmeticException e) {
            return -1;
        }
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
