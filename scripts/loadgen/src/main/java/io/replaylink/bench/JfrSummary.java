package io.replaylink.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where the time and the allocation of one envelope go, from a JFR recording ({@code settings=profile}): the hottest
 * methods by samples on top of the stack (self), ReplayLink's classes and the libraries by samples anywhere in the
 * stack (inclusive), and the bytes allocated per envelope by the allocating ReplayLink class (the first
 * {@code io.replaylink} frame of the allocation's stack, else the library of its top frame).
 * {@code java -cp ... io.replaylink.bench.JfrSummary recording.jfr [envelopes]} prints it for any recording.
 */
public final class JfrSummary {
    private JfrSummary() {
    }

    /** Libraries, by package prefix, for the inclusive table. */
    static final List<String> AREAS = List.of("io.replaylink.", "io.vertx.", "io.netty.", "com.fasterxml.jackson.",
            "io.lettuce.", "io.prometheus.", "java.util.concurrent.", "java.util.", "java.lang.", "jdk.", "sun.");

    public static String summary(Path recording, long envelopes, int top) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Long> allocated = new HashMap<>();
        long samples = 0;
        long allocatedTotal = 0;
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent e = file.readEvent();
                String type = e.getEventType().getName();
                RecordedStackTrace stack = e.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) {
                    continue;
                }
                if (type.equals("jdk.ExecutionSample")) {
                    samples++;
                    List<RecordedFrame> frames = stack.getFrames();
                    self.merge(name(frames.get(0)), 1, Integer::sum);
                    Set<String> seen = new HashSet<>();
                    for (RecordedFrame f : frames) {
                        String cls = f.getMethod().getType().getName();
                        if (cls.startsWith("io.replaylink.")) {
                            seen.add(cls.replaceAll("\\$.*", ""));
                        }
                        for (String area : AREAS) {
                            if (cls.startsWith(area)) {
                                seen.add(area + "*");
                                break;
                            }
                        }
                    }
                    seen.forEach(s -> inclusive.merge(s, 1, Integer::sum));
                } else if (type.equals("jdk.ObjectAllocationSample")) {
                    long weight = e.getLong("weight");
                    allocatedTotal += weight;
                    allocated.merge(allocator(stack.getFrames()), weight, Long::sum);
                }
            }
        }
        long n = Math.max(1, envelopes);
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%d execution samples; %.1f KB allocated "
                + "per envelope (sampled weights over %d envelopes)%n%n| self: top of stack | share |%n|---|---:|%n",
                samples, allocatedTotal / 1024.0 / n, n));
        long total = Math.max(1, samples);
        self.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                .forEach(e -> out.append(String.format(Locale.ROOT, "| %s | %.1f%% |%n", e.getKey(),
                        100.0 * e.getValue() / total)));
        out.append("\n| inclusive: anywhere in the stack | share |\n|---|---:|\n");
        inclusive.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                .forEach(e -> out.append(String.format(Locale.ROOT, "| %s | %.1f%% |%n", e.getKey(),
                        100.0 * e.getValue() / total)));
        out.append("\n| allocated by | bytes/envelope |\n|---|---:|\n");
        allocated.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .forEach(e -> out.append(String.format(Locale.ROOT, "| %s | %.0f |%n", e.getKey(),
                        e.getValue() / (double) n)));
        return out.toString();
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    /** The first ReplayLink frame (class.method) of an allocation's stack, else its top frame's method. */
    private static String allocator(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            if (f.getMethod().getType().getName().startsWith("io.replaylink.")) {
                return name(f);
            }
        }
        return name(frames.get(0));
    }

    public static void main(String[] args) throws IOException {
        System.out.println(summary(Path.of(args[0]), args.length > 1 ? Long.parseLong(args[1]) : 1, 30));
    }
}
