package io.replaylink.testing;

import io.replaylink.Main;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The sidecar as a separate process ({@code Main --config}), to stop with SIGTERM or kill with SIGKILL. */
public final class SidecarProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

    /**
     * The sidecar's JVM options in tests and benches: a 512 MB heap cap, so RSS is measured against the load tests'
     * bound (scripts/run sets 1 GiB, REPLAYLINK_HEAP); {@code -Dsidecar.jvm="..."} replaces them, e.g. to try a
     * collector or scripts/run's heap.
     */
    static final List<String> JVM_OPTIONS = List.of(System.getProperty("sidecar.jvm", "-Xmx512m").trim().split("\\s+"));

    public static List<String> jvmOptions() {
        return JVM_OPTIONS;
    }

    private final Path config;
    private final Path log;
    private final List<String> launcher;
    private Process process;
    private int port = -1;

    private SidecarProcess(Path config, Path log, List<String> launcher) {
        this.config = config;
        this.log = log;
        this.launcher = launcher;
    }

    public static SidecarProcess start(Path config, Path log) {
        return start(config, log, List.of());
    }

    /** {@code launcher}: words before the java command, e.g. {@code taskset -c 1} to pin the sidecar to a core. */
    public static SidecarProcess start(Path config, Path log, List<String> launcher) {
        SidecarProcess p = new SidecarProcess(config, log, launcher);
        p.launch();
        return p;
    }

    private void launch() {
        try {
            int before = Files.exists(log) ? countListening() : 0;
            List<String> command = new java.util.ArrayList<>(launcher);
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(JVM_OPTIONS);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "--config",
                    config.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            if (!Files.readString(config).contains("shed_above_cpu")) {
                // load shedding only where a test or bench asks for it: a cold JVM's burst is no overload
                builder.environment().put("REPLAYLINK_SERVER_SHED_ABOVE_CPU", "1");
            }
            process = builder.start();
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline && process.isAlive()) {
                if (countListening() > before) {
                    Matcher m = LISTENING.matcher(Files.readString(log));
                    while (m.find()) {
                        port = Integer.parseInt(m.group(1));
                    }
                    return;
                }
                Thread.sleep(50);
            }
            throw new IllegalStateException("sidecar did not start:\n" + Files.readString(log));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private int countListening() throws IOException {
        Matcher m = LISTENING.matcher(Files.readString(log));
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** SIGKILL, as a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM; the exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    /** Starts the same config again (after {@link #kill()}); the port may change. */
    public void restart() {
        launch();
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroyForcibly();
        }
    }
}
