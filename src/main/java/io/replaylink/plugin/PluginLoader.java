package io.replaylink.plugin;

import io.replaylink.config.ConfigException;
import io.replaylink.config.ReplayLinkConfig.PluginEntry;
import io.replaylink.spi.EnvelopeProcessor;
import io.replaylink.spi.EnvelopeSink;
import io.replaylink.spi.PluginConfigException;
import io.replaylink.spi.ProcessorProvider;
import io.replaylink.spi.ReplayIndex;
import io.replaylink.spi.ReplayIndexProvider;
import io.replaylink.spi.SinkProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The one seam around {@link ServiceLoader}: finds providers on the class path and builds the plugins the config
 * names, in config order. A name no provider has, or two providers with one name, stop start-up.
 */
public final class PluginLoader {
    private final ClassLoader classLoader;
    private final Map<String, String> env;
    private final Map<Class<?>, Object> hostServices;

    public PluginLoader(ClassLoader classLoader, Map<String, String> env, Map<Class<?>, Object> hostServices) {
        this.classLoader = classLoader;
        this.env = env;
        this.hostServices = hostServices;
    }

    public List<NamedPlugin<EnvelopeProcessor>> processors(List<PluginEntry> entries) {
        return build(ProcessorProvider.class, ProcessorProvider::name, entries,
                (p, ctx) -> p.create(ctx));
    }

    public List<NamedPlugin<EnvelopeSink>> sinks(List<PluginEntry> entries) {
        return build(SinkProvider.class, SinkProvider::name, entries, (p, ctx) -> p.create(ctx));
    }

    public ReplayIndex index(PluginEntry entry) {
        return build(ReplayIndexProvider.class, ReplayIndexProvider::name, List.of(entry), (p, ctx) -> p.create(ctx))
                .get(0).plugin();
    }

    /** A plugin with the name of its config entry, for metrics and logs. */
    public record NamedPlugin<T>(String name, T plugin) {
    }

    private <P, T> List<NamedPlugin<T>> build(Class<P> type, Function<P, String> nameOf, List<PluginEntry> entries,
                                              BiFunction<P, HostPluginContext, T> create) {
        Map<String, P> providers = providers(type, nameOf);
        List<NamedPlugin<T>> out = new ArrayList<>();
        for (PluginEntry entry : entries) {
            P provider = providers.get(entry.name());
            String namePath = entry.path().substring(0, entry.path().length() - ".config".length()) + ".name";
            if (provider == null) {
                throw new ConfigException(namePath, "no " + type.getSimpleName() + " named '" + entry.name()
                        + "' on the class path; available: " + String.join(", ", providers.keySet()));
            }
            HostPluginConfig config = new HostPluginConfig(entry.path(), entry.config(), env);
            var context = new HostPluginContext(entry.name(), config, hostServices);
            T plugin;
            try {
                plugin = create.apply(provider, context);
            } catch (PluginConfigException e) {
                throw new ConfigException(e.key(), e.getMessage().substring(e.key().length() + 2));
            }
            Set<String> unread = config.unread();
            if (!unread.isEmpty()) {
                closeQuietly(plugin);
                String key = unread.iterator().next();
                throw new ConfigException(entry.path() + "." + key, "unknown key for " + type.getSimpleName() + " '"
                        + entry.name() + "' (it reads: " + String.join(", ", config.read()) + ")");
            }
            out.add(new NamedPlugin<>(entry.name(), plugin));
        }
        return out;
    }

    private static void closeQuietly(Object plugin) {
        if (plugin instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // the config error is what matters
            }
        }
    }

    private <P> Map<String, P> providers(Class<P> type, Function<P, String> nameOf) {
        Map<String, P> byName = new TreeMap<>();
        for (P provider : ServiceLoader.load(type, classLoader)) {
            P previous = byName.put(nameOf.apply(provider), provider);
            if (previous != null) {
                throw new ConfigException(type.getSimpleName(), "two providers named '" + nameOf.apply(provider)
                        + "': " + previous.getClass().getName() + " and " + provider.getClass().getName());
            }
        }
        return byName;
    }
}
