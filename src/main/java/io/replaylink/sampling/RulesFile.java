package io.replaylink.sampling;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The sampling rules file: {@code default: {rules: [...]}} and {@code projects: {<id>: {rules: [...]}}}, each rule in
 * Relay's JSON format (YAML is a superset of JSON, so Relay's or Sentry's rules paste as they are). Reloaded when the
 * file changes; a file that does not parse is rejected with a message and the rules in force stay.
 */
public final class RulesFile {
    private static final System.Logger LOG = System.getLogger(RulesFile.class.getName());

    /** The rules in force: per project, and the default for projects without their own. */
    public record Rules(SamplingRules defaults, Map<Long, SamplingRules> projects) {
        public SamplingRules forProject(long projectId) {
            return projects.getOrDefault(projectId, defaults);
        }
    }

    private final Path path;
    private volatile Rules rules;
    private long loadedMtime = -1;
    private long loadedSize = -1;

    public RulesFile(Path path) {
        this.path = path;
        this.rules = load(read());
        remember();
    }

    public Rules rules() {
        return rules;
    }

    /** Reloads when the file changed; returns false (rules unchanged) when the new file is invalid. */
    public synchronized boolean reloadIfChanged() {
        try {
            long mtime = Files.getLastModifiedTime(path).toMillis();
            long size = Files.size(path);
            if (mtime == loadedMtime && size == loadedSize) {
                return true;
            }
            Rules fresh = load(read());
            rules = fresh;
            loadedMtime = mtime;
            loadedSize = size;
            LOG.log(Level.INFO, "sampling rules reloaded from " + path);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(Level.WARNING, "sampling rules in " + path + " rejected, the previous rules stay: " + e.getMessage());
            try {
                loadedMtime = Files.getLastModifiedTime(path).toMillis();
                loadedSize = Files.size(path);
            } catch (IOException ignored) {
                // retried at the next check
            }
            return false;
        }
    }

    private void remember() {
        try {
            loadedMtime = Files.getLastModifiedTime(path).toMillis();
            loadedSize = Files.size(path);
        } catch (IOException ignored) {
            // first reload will read it
        }
    }

    private String read() {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + path + ": " + e.getMessage());
        }
    }

    /** Parses the file's text; {@link IllegalArgumentException} names what is wrong. */
    @SuppressWarnings("unchecked")
    public static Rules load(String text) {
        Object root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not valid YAML/JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null) {
            return new Rules(SamplingRules.NONE, Map.of());
        }
        if (!(root instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("the top level must have `default:` and/or `projects:`");
        }
        Map<String, Object> top = (Map<String, Object>) m;
        for (Object key : top.keySet()) { // YAML keys need not be strings (`7:` is a number)
            if (!"default".equals(key) && !"projects".equals(key)) {
                throw new IllegalArgumentException(key + ": unknown key (default, projects)");
            }
        }
        SamplingRules defaults = SamplingRules.parse(top.get("default"), "default");
        Map<Long, SamplingRules> projects = new HashMap<>();
        if (top.get("projects") instanceof Map<?, ?> p) {
            for (Map.Entry<?, ?> e : p.entrySet()) {
                long id;
                try {
                    id = Long.parseLong(String.valueOf(e.getKey()));
                } catch (NumberFormatException ex) {
                    throw new IllegalArgumentException("projects." + e.getKey() + ": a project id is a number");
                }
                projects.put(id, SamplingRules.parse(e.getValue(), "projects." + id));
            }
        } else if (top.get("projects") != null) {
            throw new IllegalArgumentException("projects: must map project ids to {rules: [...]}");
        }
        for (SamplingRules r : projects.values()) {
            if (r.disabledBecause() != null) {
                LOG.log(Level.WARNING, r.disabledBecause());
            }
        }
        if (defaults.disabledBecause() != null) {
            LOG.log(Level.WARNING, defaults.disabledBecause());
        }
        return new Rules(defaults, Map.copyOf(projects));
    }
}
