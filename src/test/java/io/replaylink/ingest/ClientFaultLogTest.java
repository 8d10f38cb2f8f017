package io.replaylink.ingest;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Client faults reach the log as one line per interval at most, saying how many others were answered meanwhile. */
class ClientFaultLogTest {
    long now = 1_000_000;

    @Test
    void oneLinePerIntervalWithTheOthersCounted() {
        ClientFaultLog log = new ClientFaultLog(10_000, () -> now);
        assertThat(log.fault(400, "InvalidHeader", "invalid envelope header at byte 0: x", "127.0.0.1:5000"))
                .isEqualTo("answered 400 (InvalidHeader) to 127.0.0.1:5000: invalid envelope header at byte 0: x");
        for (int i = 0; i < 1000; i++) {
            now += 5;
            assertThat(log.fault(413, "ItemTooLarge", "too large", "127.0.0.1:5001")).isNull();
        }
        now += 10_000;
        assertThat(log.fault(401, "auth", "d".repeat(500), "127.0.0.1:5002"))
                .startsWith("answered 401 (auth) to 127.0.0.1:5002: " + "d".repeat(200) + "...")
                .endsWith("[1000 other client faults since the last line]")
                .doesNotContain("\n");
    }
}
