package io.replaylink.config;

import io.replaylink.envelope.EnvelopeLimits;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** Reads and validates the YAML config with environment overrides; every error names its key. */
public final class ConfigLoader {
    private static final long MIB = EnvelopeLimits.MIB;

    private ConfigLoader() {
    }

    public static ReplayLinkConfig load(Path file, Map<String, String> env) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("--config", "no such file: " + file);
        } catch (IOException e) {
            throw new ConfigException("--config", "cannot read " + file + ": " + e.getMessage());
        }
        return parse(text, env);
    }

    @SuppressWarnings("unchecked")
    public static ReplayLinkConfig parse(String yamlText, Map<String, String> env) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        options.setCodePointLimit(1024 * 1024);
        Object root;
        try {
            root = new Yaml(new SafeConstructor(options)).load(yamlText);
        } catch (YAMLException e) {
            String where = "";
            if (e instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblemMark() != null) {
                where = " at line " + (m.getProblemMark().getLine() + 1) + ", column "
                        + (m.getProblemMark().getColumn() + 1);
                String problem = m.getProblem() == null ? "" : ": " + m.getProblem();
                throw new ConfigException("(file)", "not valid YAML" + where + problem);
            }
            throw new ConfigException("(file)", "not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root != null && !(root instanceof Map)) {
            throw new ConfigException("(file)", "the top level must be a mapping of keys to values");
        }
        ConfigSection top = new ConfigSection("", (Map<String, Object>) root, env);
        ReplayLinkConfig config = new ReplayLinkConfig(
                server(top.section("server")),
                limits(top.section("limits")),
                projects(top),
                index(top),
                plugins(top, "processors"),
                plugins(top, "sinks"),
                spool(top.section("spool")),
                logging(top.section("logging")),
                admin(top.section("admin")));
        top.rejectUnknownKeys();
        if (config.admin().enabled() && config.admin().port() != 0 && config.admin().port() == config.server().port()) {
            throw new ConfigException("admin.port", "must differ from server.port: the admin listener never shares "
                    + "the ingest port");
        }
        if (config.sinks().isEmpty()) {
            throw new ConfigException("sinks", "at least one sink is needed (e.g. `- name: file`)");
        }
        rejectUnknownVariables(env, top.consulted());
        return config;
    }

    /** Read by scripts/run, not by the config. */
    private static final java.util.Set<String> SCRIPT_VARIABLES = java.util.Set.of("REPLAYLINK_HEAP",
            "REPLAYLINK_JAVA_OPTS");
    /** A plugin's {@code config:} keys: checked by the plugin's own config (an unknown one stops start-up there). */
    private static final java.util.regex.Pattern PLUGIN_VARIABLE = java.util.regex.Pattern.compile(
            "REPLAYLINK_((SINKS|PROCESSORS)_\\d+|INDEX)_CONFIG_.+");

    /**
     * A {@code REPLAYLINK_*} variable that overrides no key is a typo that would otherwise do nothing: start-up stops
     * and names the nearest variable that exists.
     */
    static void rejectUnknownVariables(Map<String, String> env, java.util.Set<String> consulted) {
        for (String name : new java.util.TreeSet<>(env.keySet())) {
            if (!name.startsWith("REPLAYLINK_") || consulted.contains(name) || SCRIPT_VARIABLES.contains(name)
                    || PLUGIN_VARIABLE.matcher(name).matches()) {
                continue;
            }
            String nearest = consulted.stream().min(java.util.Comparator.comparingInt(c -> distance(c, name)))
                    .orElse(null);
            throw new ConfigException("(environment)", name + " overrides no configuration key"
                    + (nearest == null ? "" : "; the nearest is " + nearest));
        }
    }

    /** Edit distance (Levenshtein), for naming the nearest key of a typo. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static ReplayLinkConfig.Server server(ConfigSection s) {
        var server = new ReplayLinkConfig.Server(
                s.string("host", "127.0.0.1"),
                s.integer("port", 3000, 0, 65535),
                s.number("shutdown_timeout_ms", 10_000, 0, 600_000),
                s.size("max_inflight_body_bytes", 512 * MIB),
                s.number("processor_timeout_ms", 5_000, 1, 600_000),
                s.number("sink_timeout_ms", 30_000, 1, 600_000),
                s.integer("max_connections", 4096, 1, 1_000_000),
                s.number("body_timeout_ms", 30_000, 1, 600_000),
                s.bool("h2c", false),
                s.fraction("shed_above_cpu", 0.9));
        s.rejectUnknownKeys();
        return server;
    }

    private static ReplayLinkConfig.Limits limits(ConfigSection s) {
        EnvelopeLimits d = EnvelopeLimits.relayDefaults();
        EnvelopeLimits envelope = new EnvelopeLimits(
                s.size("max_event_size", d.maxEventSize()),
                s.size("max_attachment_size", d.maxAttachmentSize()),
                s.size("max_replay_compressed_size", d.maxReplayCompressedSize()),
                s.size("max_sessions_size", d.maxSessionsSize()),
                s.size("max_client_reports_size", d.maxClientReportsSize()),
                s.size("max_profile_size", d.maxProfileSize()),
                s.size("max_check_in_size", d.maxCheckInSize()),
                s.size("max_statsd_size", d.maxStatsdSize()),
                s.size("max_metric_buckets_size", d.maxMetricBucketsSize()),
                s.size("max_log_size", d.maxLogSize()),
                s.size("max_span_size", d.maxSpanSize()),
                s.size("max_trace_metric_size", d.maxTraceMetricSize()),
                s.integer("max_item_count", d.maxItemCount(), 1, 1_000_000),
                (int) Math.min(Integer.MAX_VALUE, s.size("max_header_size", d.maxHeaderSize())),
                s.integer("max_json_depth", d.maxJsonDepth(), 2, 1000),
                s.integer("max_attachment_count", d.maxAttachmentCount(), 0, 1_000_000),
                s.size("max_attachments_size", d.maxAttachmentsSize()),
                s.integer("max_session_count", d.maxSessionCount(), 0, 1_000_000),
                s.integer("max_client_reports_count", d.maxClientReportsCount(), 0, 1_000_000),
                s.integer("max_standalone_span_count", d.maxStandaloneSpanCount(), 0, 1_000_000),
                s.size("max_container_size", d.maxContainerSize()));
        long maxEnvelope = s.size("max_envelope_size", 200 * MIB);
        if (maxEnvelope > Integer.MAX_VALUE - 1024) {
            throw new ConfigException(s.key("max_envelope_size"), "must be below 2 GiB");
        }
        var limits = new ReplayLinkConfig.Limits(s.size("max_request_size", 20 * MIB), maxEnvelope, envelope);
        s.rejectUnknownKeys();
        return limits;
    }

    private static Map<Long, ReplayLinkConfig.Project> projects(ConfigSection top) {
        Map<Long, ReplayLinkConfig.Project> projects = new LinkedHashMap<>();
        for (ConfigSection p : top.sections("projects")) {
            if (!p.has("id")) {
                throw new ConfigException(p.key("id"), "missing (the project id of the DSN)");
            }
            // `id: any` (development): every project id, with this entry's keys and organisation
            long id = "any".equals(p.string("id", null)) ? ReplayLinkConfig.ANY_PROJECT
                    : p.number("id", 0, 1, Long.MAX_VALUE);
            long organization = p.number("organization_id", 0, 0, Long.MAX_VALUE);
            var keys = new LinkedHashSet<String>();
            for (String key : p.strings("public_keys")) {
                if (!key.matches("[0-9a-fA-F]{32}")) {
                    throw new ConfigException(p.key("public_keys"), "a public key is 32 hex characters, got " + key);
                }
                keys.add(key.toLowerCase());
            }
            p.rejectUnknownKeys();
            if (projects.put(id, new ReplayLinkConfig.Project(id, organization, keys)) != null) {
                throw new ConfigException(p.key("id"), "project " + (id == ReplayLinkConfig.ANY_PROJECT ? "any"
                        : id) + " is listed twice");
            }
        }
        return projects;
    }

    private static ReplayLinkConfig.Spool spool(ConfigSection s) {
        String fsync = s.string("fsync", "interval");
        if (!java.util.Set.of("always", "interval", "never").contains(fsync)) {
            throw new ConfigException(s.key("fsync"), "must be always, interval or never, got " + fsync);
        }
        long maxBytes = s.size("max_bytes", 1024 * MIB);
        long segmentBytes = s.size("segment_bytes", 64 * MIB);
        if (segmentBytes < 1024 || segmentBytes > (1L << 39)) {
            throw new ConfigException(s.key("segment_bytes"), "must be between 1KiB and 512GiB");
        }
        var spool = new ReplayLinkConfig.Spool(s.bool("enabled", false), s.string("dir", "data/spool"), maxBytes,
                segmentBytes, fsync, s.number("fsync_interval_ms", 100, 1, 60_000),
                s.integer("max_in_flight", 256, 1, 100_000));
        s.rejectUnknownKeys();
        return spool;
    }

    private static io.replaylink.logging.LoggingSettings logging(ConfigSection s) {
        var d = io.replaylink.logging.LoggingSettings.defaults();
        String format = s.string("format", d.format());
        if (!format.equals("text") && !format.equals("json")) {
            throw new ConfigException(s.key("format"), "must be text or json, got " + format);
        }
        String level = level(s.key("level"), s.string("level", d.level()));
        Map<String, String> levels = new LinkedHashMap<>();
        s.rawMap("levels").forEach((logger, value) -> levels.put(logger,
                level(s.key("levels") + "." + logger, String.valueOf(value))));
        var logging = new io.replaylink.logging.LoggingSettings(format, level, levels,
                s.number("repeat_window_ms", d.repeatWindowMs(), 0, 3_600_000));
        s.rejectUnknownKeys();
        return logging;
    }

    private static ReplayLinkConfig.Admin admin(ConfigSection s) {
        var admin = new ReplayLinkConfig.Admin(s.bool("enabled", false), s.string("host", "127.0.0.1"),
                s.integer("port", 3001, 0, 65535), s.string("token", ""));
        s.rejectUnknownKeys();
        return admin;
    }

    private static String level(String key, String value) {
        String level = value.toLowerCase(java.util.Locale.ROOT);
        if (!io.replaylink.logging.Logging.LEVELS.contains(level)) {
            throw new ConfigException(key, "must be one of trace, debug, info, warn, error, off; got " + value);
        }
        return level;
    }

    /** {@code index: {name, config}}: the replay-index store; the in-process {@code memory} store by default. */
    private static ReplayLinkConfig.PluginEntry index(ConfigSection top) {
        ConfigSection s = top.section("index");
        String name = s.string("name", "memory");
        Map<String, Object> config = s.rawMap("config");
        s.rejectUnknownKeys();
        return new ReplayLinkConfig.PluginEntry(name, config, s.key("config"));
    }

    private static List<ReplayLinkConfig.PluginEntry> plugins(ConfigSection top, String listName) {
        List<ReplayLinkConfig.PluginEntry> entries = new ArrayList<>();
        for (ConfigSection p : top.sections(listName)) {
            String name = p.string("name", null);
            if (name == null || name.isBlank()) {
                throw new ConfigException(p.key("name"), "missing (the plugin's provider name)");
            }
            Map<String, Object> config = p.rawMap("config");
            p.rejectUnknownKeys();
            entries.add(new ReplayLinkConfig.PluginEntry(name, config, p.key("config")));
        }
        return entries;
    }
}
