package io.replaylink.bench;

import io.replaylink.testing.LoopbackPorts;
import io.replaylink.testing.RedisServers;
import io.replaylink.testing.SidecarProcess;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where one envelope's CPU goes, by part of the sidecar, for processing off, linking with the in-memory index and
 * linking with the Redis index: each sidecar alone on core 1 under the overhead suite's closed loop (wrk, 16
 * connections, on core 0 with the upstream nginx and Redis), warmed as there, then one window without the profiler
 * (its cost) and one with async-profiler attached ({@link CpuProfile}).
 */
public final class ProfileBench {
    private ProfileBench() {
    }

    /** A sidecar configuration profiled: its processors and index, as the config file writes them. */
    private record Subject(String name, String processors, String index) {
    }

    public static String run(int warmSeconds, int windowSeconds) throws Exception {
        Path dir = Files.createTempDirectory("replaylink-profile");
        Path script = Path.of(System.getProperty("replaylink.projectRoot", "."), "scripts", "loadgen", "wrk",
                "envelopes.lua").toAbsolutePath();
        Path library = CpuProfile.library(dir);
        Path profileDir = OverheadBench.profileDir(dir);
        List<SidecarProcess> sidecars = new ArrayList<>();
        Process blackholeProcess = null;
        try (RedisServers.RedisServer redis = RedisServers.RedisServer.start()) {
            int blackhole = LoopbackPorts.free();
            blackholeProcess = OverheadBench.nginx(dir, "blackhole", List.of(), OverheadBench.blackholeConfig(dir,
                    blackhole));
            String sink = "  - {name: http, config: {url: \"http://127.0.0.1:" + blackhole + "\"}}";
            List<Subject> subjects = List.of(
                    new Subject("processing off", "[]", "{name: memory}"),
                    new Subject("linking, in-memory", "[replay-linker]", "{name: memory}"),
                    new Subject("linking, Redis", "[replay-linker]", "{name: redis, config: {uri: \"" + redis.uri()
                            + "\"}}"));
            List<String> names = new ArrayList<>();
            List<CpuProfile.Summary> summaries = new ArrayList<>();
            StringBuilder rates = new StringBuilder();
            for (int i = 0; i < subjects.size(); i++) {
                Subject subject = subjects.get(i);
                Path config = Files.writeString(dir.resolve("sidecar-" + i + ".yaml"), SideBySideBench.config(
                        subject.processors(), subject.index(), sink));
                SidecarProcess s = SidecarProcess.start(config, dir.resolve("sidecar-" + i + ".log"),
                        OverheadBench.CORE_1);
                sidecars.add(s);
                OverheadBench.Target target = new OverheadBench.Target(subject.name(), s.port(), s.pid(), true);
                OverheadBench.warm(target, script, warmSeconds, 60 + i);
                OverheadBench.Window plain = OverheadBench.window(target, script, windowSeconds, 600 + i, null);
                Path stacks = profileDir.resolve("profile-" + i + ".collapsed.txt");
                CpuProfile.command(s.pid(), library, "start,event=cpu,interval=1ms");
                OverheadBench.Window profiled;
                try {
                    profiled = OverheadBench.window(target, script, windowSeconds, 700 + i, null);
                } finally {
                    CpuProfile.command(s.pid(), library, "stop,file=" + stacks + ",collapsed");
                }
                CpuProfile.Summary summary = CpuProfile.summarise(Files.readAllLines(stacks), profiled.requests(),
                        1000);
                names.add(subject.name());
                summaries.add(summary);
                rates.append(String.format(Locale.ROOT, "- %s: %.1f µs CPU an envelope without the profiler (%.0f/s), "
                                + "%.1f with it (%.0f/s; %d samples, %.1f µs an envelope in them)%n", subject.name(),
                        plain.cpuMicros(), plain.perSecond(), profiled.cpuMicros(), profiled.perSecond(),
                        summary.samples(), summary.microsPerEnvelope()));
                System.err.printf(Locale.ROOT, "profile: %s: %.1f µs/envelope, profiled %.1f%n", subject.name(),
                        plain.cpuMicros(), summary.microsPerEnvelope());
                s.close();
            }
            return String.format(Locale.ROOT, "Where one envelope's CPU goes (async-profiler, perf_events CPU samples "
                            + "every 1 ms with kernel frames; each sidecar alone on core 1 under a closed loop of wrk, "
                            + "%d connections, on core 0; %d s warm-up and until settled, then %d s without and %d s "
                            + "with the profiler; a sample is charged to the part nearest its top frame):%n%n%s%n%s",
                    OverheadBench.CONNECTIONS, warmSeconds, windowSeconds, windowSeconds, rates,
                    CpuProfile.table(names, summaries, 12));
        } finally {
            OverheadBench.stopAll(sidecars, blackholeProcess, dir);
        }
    }
}
