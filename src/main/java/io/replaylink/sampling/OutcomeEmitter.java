package io.replaylink.sampling;

import io.replaylink.spi.OutcomeMessage;

/** Where stages hand Relay outcomes: every sink that takes them (host service). */
@FunctionalInterface
public interface OutcomeEmitter {
    void emit(OutcomeMessage outcome);
}
