package io.replaylink.spi;

import java.util.concurrent.CompletionStage;

/**
 * A pipeline stage that sees every accepted envelope before it is forwarded. It may read and change the envelope
 * header, read and change item headers and payloads, and drop items. It must not block: return a stage that
 * completes later if it needs I/O. The host bounds each call with a timeout.
 *
 * @since 1
 */
public interface EnvelopeProcessor extends AutoCloseable {

    CompletionStage<ProcessResult> process(ProcessedEnvelope envelope);

    /** Releases resources; called once at shutdown. */
    @Override
    default void close() {
    }
}
