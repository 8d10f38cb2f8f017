package io.replaylink.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RepeatedMessagesTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final LoggerContext context = new LoggerContext();
    private final ListAppender<ILoggingEvent> written = new ListAppender<>();

    RepeatedMessagesTest() {
        RepeatedMessages repeats = new RepeatedMessages(10_000, nanos::get);
        repeats.setContext(context);
        repeats.start();
        context.addTurboFilter(repeats);
        written.setContext(context);
        written.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(written);
        root.setLevel(Level.DEBUG);
    }

    @Test
    void aRepeatedMessageIsWrittenOncePerWindowAndTheNextSaysHowManyWereLeftOut() {
        Logger kafka = context.getLogger("org.apache.kafka.clients.NetworkClient");
        for (int attempt = 0; attempt < 500; attempt++) {
            kafka.warn("Connection to node -1 (/127.0.0.1:" + (9000 + attempt % 3) + ") could not be established");
            nanos.addAndGet(10_000_000L); // every 10 ms: 5 s in all
        }
        assertThat(written.list).hasSize(1);
        nanos.addAndGet(6_000_000_000L);
        kafka.warn("Connection to node -1 (/127.0.0.1:9000) could not be established");
        assertThat(written.list).hasSize(3);
        assertThat(written.list.get(1).getFormattedMessage())
                .isEqualTo("(499 like the next message of org.apache.kafka.clients.NetworkClient left out in the last 10 s)");
        assertThat(written.list.get(2).getLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void differentMessagesLoggersAndLevelsAreNotRepeatsAndDebugIsLeftAlone() {
        Logger a = context.getLogger("a");
        Logger b = context.getLogger("b");
        a.warn("redis down");
        a.warn("kafka down");
        b.warn("redis down");
        a.error("redis down");
        for (int i = 0; i < 5; i++) {
            a.debug("detail");
        }
        a.warn("redis down"); // a repeat within the window
        assertThat(written.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("redis down", "kafka down", "redis down", "redis down", "detail", "detail", "detail",
                        "detail", "detail");
    }

    @Test
    void aZeroWindowWritesEveryMessage() {
        LoggerContext plain = new LoggerContext();
        RepeatedMessages off = new RepeatedMessages(0, nanos::get);
        off.setContext(plain);
        off.start();
        plain.addTurboFilter(off);
        ListAppender<ILoggingEvent> all = new ListAppender<>();
        all.setContext(plain);
        all.start();
        plain.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(all);
        for (int i = 0; i < 20; i++) {
            plain.getLogger("x").warn("same");
        }
        assertThat(all.list).hasSize(20);
    }

    @Test
    void numbersAreIgnoredWhenMessagesAreCompared() {
        assertThat(RepeatedMessages.withoutNumbers("attempt 12 of 300 to 127.0.0.1:6379"))
                .isEqualTo("attempt # of # to #.#.#.#:#");
        assertThat(RepeatedMessages.withoutNumbers("no digits")).isEqualTo("no digits");
    }
}
