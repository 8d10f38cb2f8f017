package io.replaylink.forward.http;

import io.replaylink.metrics.Metrics;
import io.replaylink.spi.EnvelopeSink;
import io.replaylink.spi.PluginContext;
import io.replaylink.spi.SinkProvider;
import io.vertx.core.Vertx;

/** {@code name: http}: forwards envelopes to an upstream Relay or Sentry. */
public final class HttpSinkProvider implements SinkProvider {
    @Override
    public String name() {
        return "http";
    }

    @Override
    public EnvelopeSink create(PluginContext context) {
        Vertx vertx = context.hostService(Vertx.class).orElseThrow(() ->
                new IllegalStateException("the http sink needs the host's Vert.x runtime"));
        Metrics metrics = context.hostService(Metrics.class).orElseGet(Metrics::new);
        return new HttpSink(context.name(), vertx, HttpSinkConfig.from(context.config()), metrics);
    }
}
