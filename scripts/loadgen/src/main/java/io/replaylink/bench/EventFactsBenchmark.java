package io.replaylink.bench;

import io.replaylink.replay.EventFacts;
import io.replaylink.replay.EventFactsReader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What reading the linking facts of one event costs: {@link EventFactsReader#read} over the ~2 KB Java-SDK-shaped
 * error events of {@code scripts/loadgen/wrk/envelopes.lua} (the overhead suite's load), 64 different ones in turn.
 * The largest part of the linker's own work; part of {@code scripts/bench chain} (pin it: {@code --pin} does not
 * apply to JMH; {@code taskset -c 1 java -cp ... org.openjdk.jmh.Main EventFactsBenchmark}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EventFactsBenchmark {
    private ByteBuffer[] events;
    private int next;

    @Setup
    public void setUp() {
        WrkEnvelopes stream = new WrkEnvelopes(1);
        List<ByteBuffer> found = new ArrayList<>();
        while (found.size() < 64) {
            String[] lines = stream.next().split("\n");
            if (lines.length > 2 && lines[1].contains("\"type\":\"event\"")) {
                found.add(ByteBuffer.wrap(lines[2].getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer());
            }
        }
        events = found.toArray(ByteBuffer[]::new);
        EventFacts facts = read();
        if (facts.contextTraceId() == null || facts.replaySlot() == null || facts.eventId() == null) {
            throw new IllegalStateException("the benchmark event's facts were not read: " + facts);
        }
    }

    @Benchmark
    public EventFacts read() {
        ByteBuffer event = events[next];
        next = (next + 1) & 63;
        return EventFactsReader.read(event);
    }
}
