package io.replaylink.spi;

/**
 * What a processor decided for an envelope.
 *
 * @since 1
 */
public sealed interface ProcessResult {

    /** Go on with the next stage (changes made through {@link ProcessedEnvelope} are kept). */
    ProcessResult CONTINUE = new Continue();

    record Continue() implements ProcessResult {
    }

    /**
     * Refuse the whole envelope: the client gets {@code status} (a 4xx) and {@code {"detail": reason}}, and nothing
     * is forwarded.
     */
    record Reject(int status, String reason) implements ProcessResult {
        public Reject {
            if (status < 400 || status > 499) {
                throw new IllegalArgumentException("a rejection is a 4xx status, got " + status);
            }
        }
    }
}
