package io.replaylink.testing;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft Kafka broker (combined broker and controller) on free loopback ports, run as a child JVM
 * from the Kafka server artifacts on the test class path ({@code org.apache.kafka:kafka_2.13} from Maven Central):
 * {@code StorageTool format}, then {@code kafka.Kafka server.properties}. It can be stopped and started again on the
 * same ports and data, as a broker outage would be.
 *
 * <p>Topics are created before anything produces to them, as a Sentry installation does: Relay's default topics at
 * start, a test's own topics with {@link #createTopics}. Producing to a topic the broker auto-creates races the
 * broker's own set-up of the new partition: an idempotent producer's first request can fail (not yet leader) while
 * its second is appended, after which the first is refused as out of order until {@code delivery.timeout.ms}
 * (KAFKA-15591, fixed on the broker side by apache/kafka#23234; the 4.3.1 broker here has it; seen as a 503 for a
 * few envelopes, about one run in eight, when the tests relied on auto-creation).
 */
public final class KafkaBroker implements AutoCloseable {
    private static KafkaBroker shared;

    private final Path dir;
    private final Path properties;
    private final int port;
    private Process process;

    private KafkaBroker(Path dir, Path properties, int port) {
        this.dir = dir;
        this.properties = properties;
        this.port = port;
    }

    /** One broker for the whole test JVM (tests use their own topics). */
    public static synchronized KafkaBroker shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    public static KafkaBroker start() {
        try {
            Path dir = Files.createTempDirectory("replaylink-kafka");
            int port = LoopbackPorts.free();
            int controller = LoopbackPorts.free();
            Path props = dir.resolve("server.properties");
            Files.writeString(props, String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controller,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    "log.dirs=" + dir.resolve("logs"),
                    "num.partitions=2",
                    "auto.create.topics.enable=true",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "") );
            run(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c",
                    props.toString(), "--ignore-formatted"), dir.resolve("format.log"));
            KafkaBroker broker = new KafkaBroker(dir, props, port);
            broker.launch();
            broker.createTopics(io.replaylink.forward.kafka.KafkaSinkProvider.defaultTopics().toArray(String[]::new));
            return broker;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(List<String> mainAndArgs, Path log) {
        try {
            Process p = new ProcessBuilder(command(mainAndArgs)).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("failed: " + mainAndArgs + "\n" + Files.readString(log));
            }
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> command(List<String> mainAndArgs) {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path")));
        cmd.addAll(mainAndArgs);
        return cmd;
    }

    private void launch() {
        try {
            process = new ProcessBuilder(command(List.of("kafka.Kafka", properties.toString())))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dir.resolve("broker.log").toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        long deadline = System.currentTimeMillis() + 60_000;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                3000))) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("kafka broker did not start: " + tail());
                    }
                    RedisServers.sleep(100);
                }
            }
        }
    }

    /**
     * Creates the topics (the broker's default partition count; existing ones are left as they are) and returns once
     * every partition's leader serves requests: a ListOffsets answer, which the broker gives only after it has set up
     * the partition, not as soon as its metadata names a leader.
     */
    public void createTopics(String... names) {
        createTopicsAt(bootstrap(), names);
    }

    /** {@link #createTopics(String...)} on the broker at {@code bootstrap}. */
    public static void createTopicsAt(String bootstrap, String... names) {
        long deadline = System.currentTimeMillis() + 30_000;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                5000))) {
            List<NewTopic> topics = java.util.Arrays.stream(names)
                    .map(n -> new NewTopic(n, Optional.empty(), Optional.empty())).toList();
            admin.createTopics(topics).values().forEach((name, created) -> {
                try {
                    created.get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + name, e.getCause());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("cannot create topic " + name, e);
                }
            });
            while (true) {
                try {
                    Map<TopicPartition, OffsetSpec> partitions = new java.util.HashMap<>();
                    admin.describeTopics(List.of(names)).allTopicNames().get(5, TimeUnit.SECONDS).values()
                            .forEach(d -> d.partitions().forEach(p -> partitions.put(
                                    new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
                    admin.listOffsets(partitions).all().get(5, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("topics " + List.of(names) + " not ready", e);
                    }
                    RedisServers.sleep(50);
                }
            }
        }
    }

    private String tail() {
        try {
            String log = Files.readString(dir.resolve("broker.log"));
            return log.substring(Math.max(0, log.length() - 3000));
        } catch (IOException e) {
            return e.toString();
        }
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** The broker's process id (for its CPU time). */
    public long pid() {
        return process.pid();
    }

    /** Stops the broker as a crash would (SIGKILL); {@link #startAgain()} brings it back with its data. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    public void startAgain() {
        kill();
        launch();
    }

    @Override
    public void close() {
        kill();
        // a broker's logs reach hundreds of MB in a benchmark
        TempDirs.delete(dir);
    }
}
