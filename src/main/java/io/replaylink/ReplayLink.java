package io.replaylink;

import io.replaylink.config.ReplayLinkConfig;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.forward.Delivery;
import io.replaylink.forward.DeliveryOutputs;
import io.replaylink.forward.DirectDelivery;
import io.replaylink.forward.Forwarder;
import io.replaylink.forward.spool.Spool;
import io.replaylink.forward.spool.SpoolDrain;
import io.replaylink.forward.spool.SpooledDelivery;
import io.replaylink.ingest.IngestLoop;
import io.replaylink.ingest.IngestServer;
import io.replaylink.metrics.Metrics;
import io.replaylink.plugin.PluginLoader;
import io.replaylink.plugin.ProcessorChain;
import io.replaylink.spi.ReplayIndex;
import io.replaylink.spi.SideOutputs;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * One running sidecar: the plugins the config names, the processor chain, the sinks and the HTTP server, wired
 * together. {@link Main} runs one per process; tests run them in-process.
 */
public final class ReplayLink {
    private final Vertx vertx;
    private final ReplayLinkConfig config;
    private final Metrics metrics;
    private final ProcessorChain processors;
    private final Forwarder forwarder;
    private final ReplayIndex index;
    private final Spool spool;
    private final SpoolDrain drain;
    private final IngestServer server;
    private final IngestLoop ingestLoop;
    private int port;

    private ReplayLink(Vertx vertx, ReplayLinkConfig config, Map<String, String> env, IngestLoop ingestLoop) {
        this.vertx = vertx;
        this.config = config;
        this.metrics = new Metrics();
        // one event loop serves every ingest connection; network clients that can share it (the Redis index) run
        // their channels on it too, so a request, its index lookups and their answers never change threads
        this.ingestLoop = ingestLoop;
        Map<Class<?>, Object> services = Map.of(Vertx.class, vertx, Metrics.class, metrics, EventLoop.class,
                ingestLoop.eventLoop(), ReplayLinkConfig.class, config);
        PluginLoader base = new PluginLoader(ReplayLink.class.getClassLoader(), env, services);
        this.forwarder = new Forwarder(base.sinks(config.sinks()), config.server().sinkTimeoutMs(), metrics);
        this.index = base.index(config.index());
        metrics.indexAvailable(index::available);
        EnvelopeParser parser = new EnvelopeParser(config.limits().envelope());
        ReplayLinkConfig.Spool s = config.spool();
        Delivery delivery;
        if (s.enabled()) {
            metrics.spoolEnabled();
            this.spool = new Spool(Path.of(s.dir()), s.maxBytes(), s.segmentBytes(),
                    Spool.Fsync.valueOf(s.fsync().toUpperCase(java.util.Locale.ROOT)), s.fsyncIntervalMs());
            this.drain = new SpoolDrain(vertx, spool, forwarder, parser, s.maxInFlight(), metrics);
            delivery = new SpooledDelivery(spool, drain::wake, System::currentTimeMillis);
        } else {
            this.spool = null;
            this.drain = null;
            delivery = new DirectDelivery(forwarder);
        }
        Map<Class<?>, Object> processorServices = new java.util.HashMap<>(services);
        processorServices.put(ReplayIndex.class, index);
        processorServices.put(SideOutputs.class, new DeliveryOutputs(delivery, forwarder, ingestLoop.context()));
        PluginLoader loader = new PluginLoader(ReplayLink.class.getClassLoader(), env, processorServices);
        this.processors = new ProcessorChain(loader.processors(config.processors()),
                config.server().processorTimeoutMs(), metrics, config.limits().envelope());
        this.server = new IngestServer(vertx, ingestLoop.context(), config, parser, processors, delivery, metrics);
    }

    /**
     * Starts the ingest loop, builds the plugins on a worker thread (they may open files and connections; config
     * errors fail the future with {@link io.replaylink.config.ConfigException}) and listens.
     */
    public static Future<ReplayLink> start(Vertx vertx, ReplayLinkConfig config, Map<String, String> env) {
        return IngestLoop.start(vertx)
                .compose(loop -> vertx.executeBlocking(() -> new ReplayLink(vertx, config, env, loop), false))
                .compose(app -> {
                    if (app.drain != null) {
                        app.drain.start();
                    }
                    return app.server.start().compose(port -> {
                        app.port = port;
                        return app.startAdmin();
                    }).map(v -> app);
                });
    }

    /** The admin listener (why-API and status page), when {@code admin.enabled}. */
    private Future<Void> startAdmin() {
        ReplayLinkConfig.Admin admin = config.admin();
        if (!admin.enabled()) {
            return Future.succeededFuture();
        }
        java.util.Set<Long> organizations = new java.util.TreeSet<>();
        config.projects().values().forEach(p -> organizations.add(p.organizationId()));
        long pendingTtlSecs = io.replaylink.index.IndexSettings.pendingTtlSecs(config.index().config());
        io.replaylink.why.WhyService why = new io.replaylink.why.WhyService(index, organizations,
                pendingTtlSecs * 1000, System::currentTimeMillis);
        statusPage = new io.replaylink.admin.StatusPage(metrics);
        statusPage.start(vertx);
        adminServer = new io.replaylink.admin.AdminServer(vertx, admin, why, statusPage);
        return adminServer.start().map(p -> {
            adminPort = p;
            return null;
        });
    }

    private io.replaylink.admin.AdminServer adminServer;
    private io.replaylink.admin.StatusPage statusPage;
    private int adminPort = -1;

    /** The admin listener's port; -1 when it is off. */
    public int adminPort() {
        return adminPort;
    }

    public int port() {
        return port;
    }

    /**
     * The Vert.x a sidecar runs on: Linux's epoll transport where it is there (fewer locks and wake-ups per request
     * than NIO's selector; lettuce then shares the ingest loop with epoll channels too), NIO elsewhere.
     */
    public static Vertx newVertx() {
        return Vertx.builder().withTransport(io.vertx.core.transport.Transport.EPOLL.available()
                ? io.vertx.core.transport.Transport.EPOLL : io.vertx.core.transport.Transport.NIO).build();
    }

    public Metrics metrics() {
        return metrics;
    }

    public ReplayLinkConfig config() {
        return config;
    }

    /**
     * Graceful stop: no new requests, in-flight ones finish, sinks flush; all within {@code
     * server.shutdown_timeout_ms}.
     */
    public Future<Void> stop() {
        Duration timeout = Duration.ofMillis(config.server().shutdownTimeoutMs());
        Context context = vertx.getOrCreateContext();
        if (statusPage != null) {
            statusPage.stop();
        }
        Future<Void> adminStopped = adminServer == null ? Future.succeededFuture()
                : adminServer.stop().recover(e -> Future.succeededFuture());
        return adminStopped.compose(v -> server.shutdown(timeout))
                .recover(e -> Future.succeededFuture())
                .compose(v -> {
                    if (drain != null) {
                        drain.stop();
                    }
                    return forwarder.shutdown(context, timeout.toMillis());
                })
                .compose(v -> vertx.executeBlocking(() -> {
                    // file and network closes block: off the event loop
                    if (spool != null) {
                        spool.close();
                    }
                    processors.close();
                    index.close();
                    return null;
                }, false));
    }
}
