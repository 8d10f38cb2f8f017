package io.replaylink.spi;

/**
 * A sink's destination refused the envelope for good (an upstream's 4xx other than 429): the client gets {@code
 * status} and {@code detail}, and sending it again will not help.
 *
 * @since 1
 */
public class SinkRejectedException extends RuntimeException {
    private final int status;

    public SinkRejectedException(int status, String detail) {
        super(detail, null, false, false);
        if (status < 400 || status > 499) {
            throw new IllegalArgumentException("a rejection is a 4xx status, got " + status);
        }
        this.status = status;
    }

    public int status() {
        return status;
    }
}
