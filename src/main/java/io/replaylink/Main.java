package io.replaylink;

import io.replaylink.config.ConfigException;
import io.replaylink.config.ConfigLoader;
import io.replaylink.config.ReplayLinkConfig;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code java -jar replaylink.jar [--config PATH]}: runs the sidecar until SIGTERM or SIGINT, then stops gracefully. */
public final class Main {
    private Main() {
    }

    static final String USAGE = """
            usage: replaylink [--config PATH] [--check-config] [--version] [--help]
                   replaylink why EVENT_ID | --trace TRACE_ID [--org N] [--config PATH] [--admin URL]
              --config PATH     the YAML config (default config/replaylink.yaml)
              --check-config    validate the config and the environment overrides, print the effective settings
                                (secrets masked) and exit: 0 valid, 2 not
              --version         print the version and exit
              why ...           ask the running sidecar's why-API what became of an event or a trace
                                (replaylink why --help)
            Every key can be overridden from the environment: REPLAYLINK_ + the key's path in upper case, each run of
            other characters one _ (server.port: REPLAYLINK_SERVER_PORT, sinks[0].config.url:
            REPLAYLINK_SINKS_0_CONFIG_URL); a REPLAYLINK_ variable that overrides no key is an error.""";

    /** The build's version (the jar's manifest), or "development build" when run from classes. */
    static String version() {
        String v = Main.class.getPackage() == null ? null : Main.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals("why")) {
            System.exit(io.replaylink.why.WhyCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length),
                    System.getenv(), System.out, System.err));
        }
        Path configPath = Path.of("config/replaylink.yaml");
        boolean check = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        fail("--config needs a path");
                    }
                    configPath = Path.of(args[++i]);
                }
                case "--check-config" -> check = true;
                case "--version" -> {
                    System.out.println("ReplayLink " + version());
                    return;
                }
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return;
                }
                default -> fail("unknown argument " + args[i] + "\n" + USAGE);
            }
        }
        Map<String, String> env = System.getenv();
        ReplayLinkConfig config;
        try {
            config = ConfigLoader.load(configPath, env);
        } catch (ConfigException e) {
            fail("invalid config " + configPath + ": " + e.getMessage());
            return;
        }
        if (check) {
            System.out.println("config " + configPath + " is valid (plugins check their own config: keys when they "
                    + "start). Effective settings, secrets masked:");
            System.out.println(EffectiveConfig.describe(config));
            return;
        }
        io.replaylink.logging.Logging.configure(config.logging());
        Vertx vertx = ReplayLink.newVertx();
        ReplayLink app;
        try {
            app = ReplayLink.start(vertx, config, env).await(30, TimeUnit.SECONDS);
        } catch (ConfigException e) {
            vertx.close();
            fail("invalid config " + configPath + ": " + e.getMessage());
            return;
        } catch (Exception e) {
            vertx.close();
            boolean bind = e instanceof java.net.BindException || e.getCause() instanceof java.net.BindException
                    || String.valueOf(e.getMessage()).contains("Address already in use");
            fail("cannot start: " + (bind ? "cannot listen on " + config.server().host() + ":"
                    + config.server().port() + " (server.host, server.port): " : "") + e.getMessage());
            return;
        }
        String host = config.server().host().equals("0.0.0.0") ? "127.0.0.1" : config.server().host();
        System.out.println("ReplayLink listening on http://" + host + ":" + app.port()
                + " (config " + configPath + ")");
        for (ReplayLinkConfig.Project p : config.projects().values()) {
            // pasteable as it is; a project that accepts any key takes any 32-hex key in its place
            String key = p.acceptsAnyKey() ? "0123456789abcdef0123456789abcdef" : p.publicKeys().iterator().next();
            boolean any = p.id() == ReplayLinkConfig.ANY_PROJECT;
            System.out.println("  DSN for " + (any ? "any project (put its id last)" : "project " + p.id()) + ": http://"
                    + key + "@" + host + ":" + app.port() + "/" + (any ? 1 : p.id()));
            if (any) {
                System.out.println("  WARNING: every project id is accepted (id: any, development only)");
            }
            if (p.acceptsAnyKey()) {
                System.out.println("  WARNING: project " + (any ? "any" : p.id()) + " accepts any public key (development only)");
            }
        }
        if (app.adminPort() > 0) {
            String adminHost = config.admin().host().equals("0.0.0.0") ? "127.0.0.1" : config.admin().host();
            System.out.println("  status page: http://" + adminHost + ":" + app.adminPort() + "/status (why-API: "
                    + "/api/v1/events/{event_id}, scripts/run why EVENT_ID)");
        }
        for (var sink : config.sinks()) {
            System.out.println("  sink: " + sink.name() + (sink.name().equals("file")
                    ? " (what would be forwarded is written as JSON lines under "
                    + sink.config().getOrDefault("dir", "data") + "/)" : ""));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Runnable stop = () -> {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            System.out.println("ReplayLink stopping: finishing in-flight requests and flushing sinks");
            app.stop().onComplete(ar -> stopped.countDown());
        };
        installSignalHandler("TERM", stop);
        installSignalHandler("INT", stop);
        stopped.await();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("replaylink: closing the runtime: " + e);
        }
        System.out.println("ReplayLink stopped");
        System.exit(0);
    }

    private static void installSignalHandler(String name, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
        } catch (IllegalArgumentException e) {
            Runtime.getRuntime().addShutdownHook(new Thread(action));
        }
    }

    private static void fail(String message) {
        System.err.println("replaylink: " + message);
        System.exit(2);
    }
}
