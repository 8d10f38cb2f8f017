package io.replaylink.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

import java.util.HashMap;
import java.util.Map;

/**
 * Puts the {@code logging:} settings in place. Every log of the process reaches Logback: ReplayLink's own
 * ({@code System.Logger}, through slf4j-jdk-platform-logging), Kafka's and Netty's (SLF4J) and Vert.x's
 * (java.util.logging, through jul-to-slf4j). One console appender on stderr (stdout carries the start-up lines),
 * text or JSON lines, and {@link RepeatedMessages} in front of it.
 */
public final class Logging {
    private static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSZ} %-5level %logger: %msg%n";

    private Logging() {
    }

    /** Valid level names, as in the config. */
    public static final java.util.Set<String> LEVELS = java.util.Set.of("trace", "debug", "info", "warn", "error",
            "off");

    public static synchronized void configure(LoggingSettings settings) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J provider was put on the class path: it is configured its own way
        }
        routeJavaUtilLogging();
        context.reset();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("console");
        console.setTarget("System.err");
        console.setEncoder(encoder(settings.format(), context));
        console.start();
        RepeatedMessages repeats = new RepeatedMessages(settings.repeatWindowMs());
        repeats.setContext(context);
        repeats.start();
        context.addTurboFilter(repeats);
        // java.util.logging asks for a level before it hands a record over: keep its levels Logback's
        ch.qos.logback.classic.jul.LevelChangePropagator julLevels = new ch.qos.logback.classic.jul.LevelChangePropagator();
        julLevels.setContext(context);
        julLevels.setResetJUL(true);
        julLevels.start();
        context.addListener(julLevels);
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(console);
        root.setLevel(Level.toLevel(settings.level(), Level.INFO));
        Map<String, String> levels = new HashMap<>(LoggingSettings.QUIET_BY_DEFAULT);
        levels.putAll(settings.levels());
        levels.forEach((logger, level) -> context.getLogger(logger).setLevel(Level.toLevel(level, Level.INFO)));
    }

    private static Encoder<ILoggingEvent> encoder(String format, LoggerContext context) {
        if ("json".equals(format)) {
            LogstashEncoder json = new LogstashEncoder();
            json.setContext(context);
            json.setIncludeContext(false);
            json.start();
            return json;
        }
        PatternLayoutEncoder text = new PatternLayoutEncoder();
        text.setContext(context);
        text.setPattern(TEXT_PATTERN);
        text.start();
        return text;
    }

    private static void routeJavaUtilLogging() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }
}
