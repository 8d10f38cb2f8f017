package io.replaylink.config;

/** An invalid configuration: names the key (dotted path) and what is wrong with it. */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String reason) {
        super(key + ": " + reason);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
