package io.replaylink.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mapping of the YAML config, read key by key. Every scalar can be overridden by an environment variable named
 * {@code REPLAYLINK_} + its dotted path in upper case with dots as underscores ({@code server.port} ->
 * {@code REPLAYLINK_SERVER_PORT}). Keys nobody read are reported by {@link #rejectUnknownKeys()}, so a typo stops
 * start-up instead of being ignored.
 */
final class ConfigSection {

    private final String path;
    private final Map<String, Object> values;
    private final Map<String, String> env;
    private final Set<String> read = new HashSet<>();
    /** Every environment variable any section of this config looked up (shared by the sections of one config). */
    private final Set<String> consulted;

    ConfigSection(String path, Map<String, Object> values, Map<String, String> env) {
        this(path, values, env, new HashSet<>());
    }

    private ConfigSection(String path, Map<String, Object> values, Map<String, String> env, Set<String> consulted) {
        this.path = path;
        this.values = values == null ? Map.of() : values;
        this.env = env;
        this.consulted = consulted;
    }

    /** The environment variables looked up so far, by this section and every section made from it. */
    Set<String> consulted() {
        return consulted;
    }

    /**
     * The environment variable of a key: {@code REPLAYLINK_} and the key in upper case, every run of other characters
     * one {@code _}: {@code sinks[0].config.url} is {@code REPLAYLINK_SINKS_0_CONFIG_URL} (as plugin configs read it).
     */
    public static String envName(String key) {
        String name = key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]+", "_");
        return "REPLAYLINK_" + (name.endsWith("_") ? name.substring(0, name.length() - 1) : name);
    }

    String key(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private Object raw(String name) {
        read.add(name);
        String envName = envName(key(name));
        consulted.add(envName);
        String fromEnv = env.get(envName);
        return fromEnv != null ? fromEnv : values.get(name);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name, String defaultValue) {
        Object v = raw(name);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        throw new ConfigException(key(name), "must be a string, got " + v);
    }

    long number(String name, long defaultValue, long min, long max) {
        Object v = raw(name);
        long n;
        if (v == null) {
            n = defaultValue;
        } else if (v instanceof Number num && num.doubleValue() == num.longValue()) {
            n = num.longValue();
        } else if (v instanceof String s && s.trim().matches("-?\\d+")) {
            n = Long.parseLong(s.trim());
        } else {
            throw new ConfigException(key(name), "must be a whole number, got " + v);
        }
        if (n < min || n > max) {
            throw new ConfigException(key(name), "must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    int integer(String name, int defaultValue, int min, int max) {
        return (int) number(name, defaultValue, min, max);
    }

    /** A number from 0 to 1 (a share). */
    double fraction(String name, double defaultValue) {
        Object v = raw(name);
        double d;
        if (v == null) {
            d = defaultValue;
        } else if (v instanceof Number num) {
            d = num.doubleValue();
        } else if (v instanceof String s && s.trim().matches("\\d+(\\.\\d+)?")) {
            d = Double.parseDouble(s.trim());
        } else {
            throw new ConfigException(key(name), "must be a number from 0 to 1, got " + v);
        }
        if (!(d >= 0 && d <= 1)) {
            throw new ConfigException(key(name), "must be a number from 0 to 1, got " + v);
        }
        return d;
    }

    boolean bool(String name, boolean defaultValue) {
        Object v = raw(name);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw new ConfigException(key(name), "must be true or false, got " + v);
    }

    /** A size in bytes: a number, or a string like {@code 1MiB}, {@code 20 MiB}, {@code 100KB}. */
    long size(String name, long defaultValue) {
        Object v = raw(name);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Number num && num.longValue() >= 0 && num.doubleValue() == num.longValue()) {
            return num.longValue();
        }
        long size = io.replaylink.spi.PluginConfig.parseSize(String.valueOf(v));
        if (size < 0) {
            throw new ConfigException(key(name), "must be a size such as 1048576, 1MiB or 100KB, got " + v);
        }
        return size;
    }

    @SuppressWarnings("unchecked")
    ConfigSection section(String name) {
        read.add(name);
        Object v = values.get(name);
        if (v != null && !(v instanceof Map)) {
            throw new ConfigException(key(name), "must be a mapping of keys to values");
        }
        return new ConfigSection(key(name), (Map<String, Object>) v, env, consulted);
    }

    /** A list of mappings, e.g. the {@code sinks:} entries; each returned section is named {@code key[i]}. */
    @SuppressWarnings("unchecked")
    List<ConfigSection> sections(String name) {
        read.add(name);
        Object v = values.get(name);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            throw new ConfigException(key(name), "must be a list");
        }
        List<ConfigSection> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Object entry = list.get(i);
            String entryPath = key(name) + "[" + i + "]";
            if (entry instanceof String s) {
                out.add(new ConfigSection(entryPath, Map.of("name", s), env, consulted));
            } else if (entry instanceof Map<?, ?> map) {
                out.add(new ConfigSection(entryPath, (Map<String, Object>) map, env, consulted));
            } else {
                throw new ConfigException(entryPath, "must be a name or a mapping with `name:`");
            }
        }
        return out;
    }

    List<String> strings(String name) {
        Object v = raw(name);
        if (v == null) {
            return List.of();
        }
        if (v instanceof String s) {
            return s.isBlank() ? List.of() : List.of(s.split("\\s*,\\s*"));
        }
        if (v instanceof List<?> list) {
            List<String> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof String || o instanceof Number)) {
                    throw new ConfigException(key(name), "must be a list of strings, got " + o);
                }
                out.add(o.toString());
            }
            return out;
        }
        throw new ConfigException(key(name), "must be a list of strings");
    }

    /** The mapping as it is, for plugin {@code config:} blocks (not checked for unknown keys here). */
    @SuppressWarnings("unchecked")
    Map<String, Object> rawMap(String name) {
        read.add(name);
        Object v = values.get(name);
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map)) {
            throw new ConfigException(key(name), "must be a mapping of keys to values");
        }
        return new LinkedHashMap<>((Map<String, Object>) v);
    }

    Set<String> keys() {
        return values.keySet();
    }

    String path() {
        return path;
    }

    void rejectUnknownKeys() {
        for (Object k : values.keySet()) { // YAML keys need not be strings (`7: x` has a number)
            if (!read.contains(String.valueOf(k)) || !(k instanceof String)) {
                throw new ConfigException(key(String.valueOf(k)), "unknown key");
            }
        }
    }
}
