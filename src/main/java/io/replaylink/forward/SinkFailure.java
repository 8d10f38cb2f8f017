package io.replaylink.forward;

import io.replaylink.spi.SinkRejectedException;
import io.replaylink.spi.SinkUnavailableException;

import java.util.concurrent.CompletionException;

/**
 * Why a sink did not take what it was handed, typed once where the sink's answer arrives: {@link Kind#UNAVAILABLE}
 * (full, down or rate limited: {@link SinkUnavailableException}), {@link Kind#REJECTED} (refused for good:
 * {@link SinkRejectedException}), {@link Kind#TIMEOUT} (no answer within the forwarder's timeout) or {@link
 * Kind#ERROR} (anything else).
 */
public final class SinkFailure extends RuntimeException {
    public enum Kind {
        UNAVAILABLE("unavailable"), REJECTED("rejected"), TIMEOUT("timeout"), ERROR("error");

        /** The metric label. */
        public final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private final String sink;
    private final Kind kind;

    private SinkFailure(String sink, Kind kind, String message, Throwable cause) {
        super(message, cause, false, false);
        this.sink = sink;
        this.kind = kind;
    }

    /** A sink's failure; its stage may wrap the exception (e.g. SinkUnavailableException) in CompletionException. */
    static SinkFailure of(String sink, Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof SinkFailure f) {
            return f;
        }
        Kind kind = t instanceof SinkUnavailableException ? Kind.UNAVAILABLE
                : t instanceof SinkRejectedException ? Kind.REJECTED : Kind.ERROR;
        return new SinkFailure(sink, kind, "sink " + sink + ": " + t.getMessage(), t);
    }

    static SinkFailure timedOut(String sink, long timeoutMs) {
        return new SinkFailure(sink, Kind.TIMEOUT, "sink " + sink + " did not take it within " + timeoutMs + " ms",
                null);
    }

    public String sink() {
        return sink;
    }

    public Kind kind() {
        return kind;
    }
}
