package io.replaylink.bench;

import com.sun.tools.attach.VirtualMachine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A CPU profile of a running sidecar by async-profiler ({@code tools.profiler:async-profiler}, attached to the JVM):
 * perf_events samples of the CPU's time, kernel frames included, every millisecond of CPU; its collapsed stacks are
 * summarised as where one envelope's time goes. Each sample is charged to the part of the sidecar nearest to the
 * sample's top frame ({@link #PARTS}, searched from the top of the stack down): a socket write under the http sink is
 * the upstream's, an index call under the linker the index's. JFR (the overhead suite's {@code BENCH_PROFILE=1})
 * misattributed at this scale and slowed the sidecar to less than half its rate; this one costs it a few per cent
 * (the suite prints both rates).
 */
public final class CpuProfile {
    private CpuProfile() {
    }

    /** A part of the sidecar: the frames (by fragment) whose samples are its. */
    record Part(String name, List<String> patterns) {
        Part(String name, String... patterns) {
            this(name, List.of(patterns));
        }
    }

    /** The parts of the sidecar; the first part a frame matches is its part. */
    static final List<Part> PARTS = List.of(
            new Part("linker: reading the event's facts", "io/replaylink/replay/EventFacts"),
            new Part("index: Redis client (batches, lettuce, its socket)", "io/replaylink/index/redis/", "io/lettuce/"),
            new Part("index: in-process tables", "io/replaylink/index/"),
            new Part("why-notes", "io/replaylink/why/"),
            new Part("linker: ids, index calls' futures, enrichment", "io/replaylink/replay/"),
            new Part("dynamic sampling", "io/replaylink/sampling/"),
            new Part("metrics", "io/replaylink/metrics/", "io/prometheus/"),
            new Part("processor chain", "io/replaylink/plugin/"),
            new Part("envelope parse and write", "io/replaylink/envelope/"),
            new Part("upstream request (http sink, HTTP client, socket)", "io/replaylink/forward/http/",
                    "io/vertx/core/http/impl/Http1xClient", "io/vertx/core/http/impl/HttpClient"),
            new Part("delivery", "io/replaylink/forward/"),
            new Part("ingest (request, body, answer)", "io/replaylink/ingest/"),
            new Part("HTTP server (decoding, the answer's socket)", "io/vertx/core/http/impl/Http1xServer"),
            new Part("flushes at the loop turn's end (both sockets)", "FlushConsolidationHandler$1.run"),
            new Part("waiting for I/O (epoll, sleeping, waking)", "epoll_wait", "epoll_pwait", "epollWait"));
    static final String LOOP_OTHER = "event loop, other (Netty, Vert.x, reads)";
    static final String OTHER_THREADS = "other threads (GC, JIT, timers)";
    /** A stack with this frame ran on an event loop (Netty's loop; Vert.x's loops are Netty's). */
    static final String LOOP_FRAME = "io/netty/channel/SingleThreadIoEventLoop.run";

    /** Where the samples of one profile went: µs per envelope by part, and by the top frame. */
    record Summary(long samples, double microsPerEnvelope, Map<String, Double> byPart, Map<String, Double> byTopFrame,
                   double kernelMicros) {
    }

    /** The part a stack's sample is charged to (frames root first, as in collapsed stacks). */
    static String part(String[] frames) {
        boolean loop = false;
        for (String f : frames) {
            if (f.startsWith(LOOP_FRAME)) {
                loop = true;
                break;
            }
        }
        if (!loop) {
            return OTHER_THREADS;
        }
        for (int i = frames.length - 1; i >= 0; i--) {
            for (Part p : PARTS) {
                for (String pattern : p.patterns()) {
                    if (frames[i].contains(pattern)) {
                        return p.name();
                    }
                }
            }
        }
        return LOOP_OTHER;
    }

    /**
     * Summarises collapsed stacks ({@code frame;frame;... count} lines) sampled every {@code intervalMicros} of CPU over
     * {@code envelopes} envelopes.
     */
    static Summary summarise(List<String> collapsed, long envelopes, double intervalMicros) {
        Map<String, Double> byPart = new LinkedHashMap<>();
        PARTS.forEach(p -> byPart.put(p.name(), 0.0));
        byPart.put(LOOP_OTHER, 0.0);
        byPart.put(OTHER_THREADS, 0.0);
        Map<String, Double> byTop = new HashMap<>();
        long samples = 0;
        double kernel = 0;
        double per = intervalMicros / Math.max(1, envelopes);
        for (String line : collapsed) {
            int space = line.lastIndexOf(' ');
            if (space <= 0) {
                continue;
            }
            long n = Long.parseLong(line.substring(space + 1).trim());
            String[] frames = line.substring(0, space).split(";");
            samples += n;
            byPart.merge(part(frames), n * per, Double::sum);
            String top = frames[frames.length - 1];
            byTop.merge(top, n * per, Double::sum);
            if (top.endsWith("_[k]")) {
                kernel += n * per;
            }
        }
        return new Summary(samples, samples * per, byPart, byTop, kernel);
    }

    /** The profiler's library for this machine, copied out of its jar on the class path (Linux x64). */
    static Path library(Path dir) throws IOException {
        try (InputStream in = CpuProfile.class.getClassLoader().getResourceAsStream(
                "linux-x64/libasyncProfiler.so")) {
            if (in == null) {
                throw new IOException("async-profiler's linux-x64 library is not on the class path");
            }
            Path lib = dir.resolve("libasyncProfiler.so");
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
            return lib;
        }
    }

    /** Runs an async-profiler command ({@code start,...}, {@code stop,...}) in the JVM {@code pid}. */
    static void command(long pid, Path library, String command) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        try {
            vm.loadAgentPath(library.toString(), command);
        } finally {
            vm.detach();
        }
    }

    /** A markdown table of the parts, one column per profile, and each profile's hottest top frames. */
    static String table(List<String> names, List<Summary> summaries, int topFrames) {
        StringBuilder out = new StringBuilder("| part of the sidecar (CPU µs per envelope) |");
        names.forEach(n -> out.append(' ').append(n).append(" |"));
        out.append("\n|---|").append("---:|".repeat(names.size())).append('\n');
        for (String part : summaries.get(0).byPart().keySet()) {
            out.append("| ").append(part).append(" |");
            summaries.forEach(s -> out.append(String.format(Locale.ROOT, " %.2f |", s.byPart().get(part))));
            out.append('\n');
        }
        out.append("| **all** (of which in the kernel, top frame) |");
        summaries.forEach(s -> out.append(String.format(Locale.ROOT, " **%.1f** (%.1f) |", s.microsPerEnvelope(),
                s.kernelMicros())));
        out.append('\n');
        for (int i = 0; i < names.size(); i++) {
            out.append("\nHottest top frames, ").append(names.get(i)).append(" (µs per envelope):\n\n");
            List<Map.Entry<String, Double>> top = new ArrayList<>(summaries.get(i).byTopFrame().entrySet());
            top.sort(Map.Entry.<String, Double>comparingByValue().reversed());
            for (Map.Entry<String, Double> e : top.subList(0, Math.min(topFrames, top.size()))) {
                out.append(String.format(Locale.ROOT, "- %.2f %s%n", e.getValue(), e.getKey()));
            }
        }
        return out.toString();
    }
}
