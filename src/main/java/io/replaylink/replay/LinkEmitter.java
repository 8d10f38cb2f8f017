package io.replaylink.replay;

import io.replaylink.spi.ReplayLinkMessage;

/** Where the linker hands {@code event_link} messages: every sink that takes them (host service). */
@FunctionalInterface
public interface LinkEmitter {
    void emit(ReplayLinkMessage message);
}
