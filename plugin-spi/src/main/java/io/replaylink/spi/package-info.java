/**
 * The ReplayLink plugin API, version {@link io.replaylink.spi.SpiVersion#CURRENT}.
 *
 * <p>Three kinds of plugin, each found with {@link java.util.ServiceLoader} through its provider interface and
 * configured by name in the sidecar's YAML: {@link io.replaylink.spi.ProcessorProvider} (stages that see every
 * envelope), {@link io.replaylink.spi.ReplayIndexProvider} (where trace id to replay id mappings live) and
 * {@link io.replaylink.spi.SinkProvider} (where accepted envelopes go). The sidecar's own stages are built on these
 * interfaces.
 *
 * <p>Rules for implementations: never block the calling thread (return an incomplete {@link
 * java.util.concurrent.CompletionStage} and complete it from your own I/O); complete every stage, with an exception
 * on failure; keep callbacks short. Methods added later are {@code default} methods marked {@code @since}, so a
 * plugin compiled against an older version keeps working.
 */
package io.replaylink.spi;
