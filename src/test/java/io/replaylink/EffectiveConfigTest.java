package io.replaylink;

import io.replaylink.config.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --check-config} prints the effective settings with secrets masked. */
class EffectiveConfigTest {
    @Test
    void secretsAreMaskedAndEnvironmentOverridesShow() {
        String text = EffectiveConfig.describe(ConfigLoader.parse("""
                projects: [{id: 4, public_keys: []}]
                index: {name: redis, config: {uri: "redis://:hunter2@127.0.0.1:6379", namespace: n}}
                sinks: [{name: kafka, config: {bootstrap_servers: "127.0.0.1:9092",
                         producer: {sasl.jaas.config: "x password=hunter2", acks: all}}}]
                """, Map.of("REPLAYLINK_SERVER_PORT", "3999")));
        assertThat(text).doesNotContain("hunter2").contains("redis://:***@127.0.0.1:6379")
                .contains("sasl.jaas.config=***").contains("port=3999").contains("id 4")
                .contains("any (development only)");
    }

    @Test
    void theVersionComesFromTheBuild() {
        assertThat(Main.version()).isNotBlank();
        assertThat(Main.USAGE).contains("--check-config", "--version", "REPLAYLINK_SINKS_0_CONFIG_URL");
    }
}
