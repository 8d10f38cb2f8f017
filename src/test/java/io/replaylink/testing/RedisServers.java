package io.replaylink.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real Redis servers for the tests: private {@code redis-server} processes (Debian's package, which {@code
 * scripts/test} installs) on free loopback ports with no persistence, and a 3-node Redis Cluster made of them.
 * Nothing here is a fake: the tests talk RESP to real servers.
 */
public final class RedisServers {
    private static RedisServer shared;
    private static RedisCluster sharedCluster;

    private RedisServers() {
    }

    /** One standalone server for the whole test JVM (tests use their own namespaces). */
    public static synchronized RedisServer shared() {
        if (shared == null) {
            shared = RedisServer.start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** One 3-node cluster for the whole test JVM. */
    public static synchronized RedisCluster sharedCluster() {
        if (sharedCluster == null) {
            sharedCluster = RedisCluster.start(3);
            Runtime.getRuntime().addShutdownHook(new Thread(sharedCluster::close));
        }
        return sharedCluster;
    }

    static String binary(String name) {
        for (String dir : (System.getenv("PATH") + ":/usr/bin:/usr/sbin:/usr/local/bin").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError(name + " not found: run scripts/test, which installs Debian's redis-server");
    }

    /** How many times the server ran {@code command} (e.g. {@code mget}, {@code evalsha}), from INFO commandstats. */
    public static long calls(int port, String command) throws IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("cmdstat_" + command + ":calls=(\\d+)")
                .matcher(command(port, "INFO", "commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** Has Redis hold every client for {@code millis} (CLIENT PAUSE ... ALL): a slow Redis, for timeouts. */
    public static void pauseClients(int port, long millis) throws IOException {
        command(port, "CLIENT", "PAUSE", Long.toString(millis), "ALL");
    }

    /** Sends one command in RESP and returns the raw reply. */
    public static String command(int port, String... args) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            StringBuilder cmd = new StringBuilder("*" + args.length + "\r\n");
            for (String a : args) {
                cmd.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
            }
            OutputStream out = s.getOutputStream();
            out.write(cmd.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[65536];
            int n = in.read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
        }
    }

    public static final class RedisServer implements AutoCloseable {
        private final int port;
        private final Path dir;
        private final List<String> extraArgs;
        private Process process;

        private RedisServer(int port, Path dir, List<String> extraArgs) {
            this.port = port;
            this.dir = dir;
            this.extraArgs = extraArgs;
        }

        public static RedisServer start() {
            return start(List.of());
        }

        static RedisServer start(List<String> extraArgs) {
            int port = extraArgs.contains("--cluster-enabled") ? LoopbackPorts.freeForClusterNode()
                    : LoopbackPorts.free();
            try {
                RedisServer s = new RedisServer(port, Files.createTempDirectory("replaylink-redis"), extraArgs);
                s.launch();
                return s;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private void launch() {
            List<String> cmd = new ArrayList<>(List.of(binary("redis-server"), "--port", Integer.toString(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
                    "--protected-mode", "no", "--dir", dir.toString(), "--loglevel", "warning"));
            cmd.addAll(extraArgs);
            try {
                process = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("redis.log").toFile()).start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start redis-server", e);
            }
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline) {
                try {
                    if (command(port, "PING").startsWith("+PONG")) {
                        return;
                    }
                } catch (IOException e) {
                    // not up yet
                }
                sleep(20);
            }
            throw new IllegalStateException("redis-server on port " + port + " did not start");
        }

        public int port() {
            return port;
        }

        public String uri() {
            return "redis://127.0.0.1:" + port;
        }

        /** Kills the server (as a crash would); {@link #restart()} brings it back on the same port. */
        public void stop() {
            if (process != null) {
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                process = null;
            }
        }

        public void restart() {
            stop();
            launch();
        }

        @Override
        public void close() {
            stop();
            TempDirs.delete(dir);
        }
    }

    public static final class RedisCluster implements AutoCloseable {
        private final List<RedisServer> nodes;

        private RedisCluster(List<RedisServer> nodes) {
            this.nodes = nodes;
        }

        static RedisCluster start(int size) {
            List<RedisServer> nodes = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                nodes.add(RedisServer.start(List.of("--cluster-enabled", "yes", "--cluster-config-file",
                        "nodes.conf", "--cluster-node-timeout", "5000")));
            }
            List<String> create = new ArrayList<>(List.of(binary("redis-cli"), "--cluster", "create"));
            for (RedisServer n : nodes) {
                create.add("127.0.0.1:" + n.port());
            }
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            try {
                Process p = new ProcessBuilder(create).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException("redis-cli --cluster create failed: " + out);
                }
                long deadline = System.currentTimeMillis() + 20_000;
                for (RedisServer n : nodes) {
                    while (!command(n.port(), "CLUSTER", "INFO").contains("cluster_state:ok")) {
                        if (System.currentTimeMillis() > deadline) {
                            throw new IllegalStateException("cluster did not become ok");
                        }
                        sleep(50);
                    }
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return new RedisCluster(nodes);
        }

        public String uri() {
            StringBuilder s = new StringBuilder("redis-cluster://");
            for (int i = 0; i < nodes.size(); i++) {
                s.append(i > 0 ? "," : "").append("127.0.0.1:").append(nodes.get(i).port());
            }
            return s.toString();
        }

        public List<RedisServer> nodes() {
            return nodes;
        }

        @Override
        public void close() {
            nodes.forEach(RedisServer::close);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
