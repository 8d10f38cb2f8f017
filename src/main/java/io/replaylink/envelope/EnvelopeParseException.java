package io.replaylink.envelope;

/** Carries an {@link EnvelopeError} out of the parser. No stack trace: bad input is not a bug. */
public final class EnvelopeParseException extends Exception {
    private final EnvelopeError error;

    public EnvelopeParseException(EnvelopeError error) {
        super(error.detail(), null, false, false);
        this.error = error;
    }

    public EnvelopeError error() {
        return error;
    }
}
