package io.replaylink.envelope;

/**
 * Why an envelope could not be read. Each case says what is wrong and where ({@code offset}: bytes from the start
 * of the decompressed body). Relay's wording is kept where Relay has one.
 */
public sealed interface EnvelopeError {

    long offset();

    /** A sentence for the client: what and where. */
    String detail();

    /** True for limit violations (HTTP 413), false for malformed input (HTTP 400). */
    default boolean tooLarge() {
        return false;
    }

    record EmptyBody() implements EnvelopeError {
        public long offset() {
            return 0;
        }

        public String detail() {
            return "empty request body";
        }
    }

    record MissingHeader(long offset) implements EnvelopeError {
        public String detail() {
            return "missing envelope header";
        }
    }

    record UnexpectedEof(long offset, String expected) implements EnvelopeError {
        public String detail() {
            return "unexpected end of file at byte " + offset + ": expected " + expected;
        }
    }

    record MissingNewline(long offset) implements EnvelopeError {
        public String detail() {
            return "missing newline after header or payload at byte " + offset;
        }
    }

    record InvalidHeader(long offset, String reason) implements EnvelopeError {
        public String detail() {
            return "invalid envelope header at byte " + offset + ": " + reason;
        }
    }

    record InvalidItemHeader(long offset, int itemIndex, String reason) implements EnvelopeError {
        public String detail() {
            return "invalid item header of item " + itemIndex + " at byte " + offset + ": " + reason;
        }
    }

    record LengthOverflow(long offset, int itemIndex, long length, long available) implements EnvelopeError {
        public String detail() {
            return "item " + itemIndex + " declares length " + length + " at byte " + offset + " but only "
                    + available + " bytes follow";
        }
    }

    record HeaderTooLarge(long offset, long limit) implements EnvelopeError {
        public String detail() {
            return "header at byte " + offset + " exceeds the limit of " + limit + " bytes";
        }

        public boolean tooLarge() {
            return true;
        }
    }

    /** An item over one of Relay's per-type budgets; {@code type} is Relay's name of it (DiscardItemType). */
    record ItemTooLarge(long offset, int itemIndex, String type, String what) implements EnvelopeError {
        public String detail() {
            return "envelope exceeded size limits for type '" + type
                    + "' (https://develop.sentry.dev/sdk/envelopes/#size-limits): item " + itemIndex + " at byte "
                    + offset + ": " + what;
        }

        public boolean tooLarge() {
            return true;
        }
    }

    record TooManyItems(long offset, int limit) implements EnvelopeError {
        public String detail() {
            return "envelope has more than " + limit + " items (at byte " + offset + ")";
        }

        public boolean tooLarge() {
            return true;
        }
    }
}
