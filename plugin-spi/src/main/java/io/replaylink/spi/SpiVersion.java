package io.replaylink.spi;

/**
 * The version of this API. A host of version N runs plugins built against N or any older version: methods added
 * later are {@code default} methods marked {@code @since}. A plugin that needs a newer host can compare this
 * constant, as the host has it, with the version it was built against, and refuse to start.
 */
public final class SpiVersion {
    /**
     * @since 1; 2 adds side outputs, acceptance hooks, claimed drains and held late links; 3 adds
     * {@code ReplayIndex.available()}, {@code lookup()} and the why-notes ({@code noteEvent}, {@code
     * noteReplayLearned}, {@code eventNote}, {@code traceNotes}).
     */
    public static final int CURRENT = 3;

    private SpiVersion() {
    }
}
