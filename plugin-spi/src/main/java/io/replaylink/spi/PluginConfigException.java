package io.replaylink.spi;

/**
 * Thrown by a provider's {@code create} when its configuration is invalid. The host stops start-up and prints
 * the key and the reason.
 *
 * @since 1
 */
public class PluginConfigException extends RuntimeException {
    private final String key;

    public PluginConfigException(String key, String reason) {
        super(key + ": " + reason);
        this.key = key;
    }

    /** The dotted path of the offending key. */
    public String key() {
        return key;
    }
}
