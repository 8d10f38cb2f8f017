package io.replaylink.spi;

/** The version of this API. A host refuses plugins that need a newer one. */
public final class SpiVersion {
    /** @since 1 */
    public static final int CURRENT = 1;

    private SpiVersion() {
    }
}
