package io.replaylink;

import io.replaylink.config.ReplayLinkConfig;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The effective settings of a config as text for {@code --check-config}, with secrets masked. */
final class EffectiveConfig {
    private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|secret|token|jaas|credential).*");
    private static final Pattern URI_PASSWORD = Pattern.compile("(://[^:/@]*:)[^@/]+@");

    private EffectiveConfig() {
    }

    static String describe(ReplayLinkConfig config) {
        StringBuilder out = new StringBuilder();
        out.append("server: ").append(config.server()).append('\n');
        out.append("limits: ").append(config.limits()).append('\n');
        out.append("projects:\n");
        config.projects().values().forEach(p -> out.append("  - id ").append(p.id() == ReplayLinkConfig.ANY_PROJECT ? "any (development only)" : p.id()).append(", organization ")
                .append(p.organizationId()).append(", keys ")
                .append(p.acceptsAnyKey() ? "any (development only)" : p.publicKeys()).append('\n'));
        out.append("index: ").append(config.index().name()).append(' ').append(mask(config.index().config()))
                .append('\n');
        out.append("processors:\n");
        config.processors().forEach(e -> out.append("  - ").append(e.name()).append(' ').append(mask(e.config()))
                .append('\n'));
        out.append("sinks:\n");
        config.sinks().forEach(e -> out.append("  - ").append(e.name()).append(' ').append(mask(e.config()))
                .append('\n'));
        out.append("spool: ").append(config.spool()).append('\n');
        out.append("logging: ").append(config.logging()).append('\n');
        var admin = config.admin();
        out.append("admin: ").append(new io.replaylink.config.ReplayLinkConfig.Admin(admin.enabled(), admin.host(),
                admin.port(), admin.token().isEmpty() ? "" : "***")).append('\n');
        return out.toString();
    }

    /** A plugin's config with the values of secret-looking keys, and passwords in URIs, replaced by {@code ***}. */
    static Object mask(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k),
                    SECRET_KEY.matcher(String.valueOf(k)).matches() ? "***" : mask(v)));
            return out;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(EffectiveConfig::mask).toList();
        }
        if (value instanceof String s) {
            return URI_PASSWORD.matcher(s).replaceAll("$1***@");
        }
        return value;
    }
}
