package io.replaylink.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Charging collapsed stacks to the sidecar's parts, and the profiler's library found on the class path. */
class CpuProfileTest {
    private static final String LOOP = "java/lang/Thread.run;" + CpuProfile.LOOP_FRAME + ";";

    @Test
    void aSampleIsChargedToThePartNearestItsTopFrame() {
        // the scanner under the linker: the facts', not the linker's
        assertThat(CpuProfile.part((LOOP + "io/replaylink/replay/ReplayLinker.process;"
                + "io/replaylink/replay/EventFactsScanner.skip").split(";")))
                .isEqualTo("linker: reading the event's facts");
        // a socket write under the http sink, reached from the linker's continuation: the upstream's
        assertThat(CpuProfile.part((LOOP + "io/replaylink/replay/ReplayLinker.lambda$process$1;"
                + "io/replaylink/forward/Forwarder.toSinks;io/replaylink/forward/http/HttpSink.send;"
                + "tcp_sendmsg_[k]").split(";")))
                .isEqualTo("upstream request (http sink, HTTP client, socket)");
        // the Redis package before the in-process index's, which it starts with
        assertThat(CpuProfile.part((LOOP + "io/replaylink/replay/ReplayLinker.timed;"
                + "io/replaylink/index/redis/LoopBatcher.lookup").split(";")))
                .isEqualTo("index: Redis client (batches, lettuce, its socket)");
        assertThat(CpuProfile.part((LOOP + "io/replaylink/index/MemoryReplayIndex.find").split(";")))
                .isEqualTo("index: in-process tables");
        assertThat(CpuProfile.part((LOOP + "io/netty/channel/epoll/EpollIoHandler.epollWait;do_epoll_wait_[k]")
                .split(";"))).isEqualTo("waiting for I/O (epoll, sleeping, waking)");
        assertThat(CpuProfile.part((LOOP + "io/netty/buffer/AbstractByteBuf.writeBytes").split(";")))
                .isEqualTo(CpuProfile.LOOP_OTHER);
        // not on an event loop: the JIT, the collector
        assertThat(CpuProfile.part("thread_native_entry;CompileBroker::compiler_thread_loop;C2Compiler::compile_method"
                .split(";"))).isEqualTo(CpuProfile.OTHER_THREADS);
    }

    @Test
    void samplesBecomeMicrosecondsPerEnvelope() {
        List<String> stacks = List.of(
                LOOP + "io/replaylink/replay/EventFactsScanner.skip 300",
                LOOP + "io/replaylink/forward/http/HttpSink.send;tcp_sendmsg_[k] 500",
                "thread_native_entry;GCTaskThread::run 200",
                "");
        // 1,000 samples of 1 ms over 100,000 envelopes: 10 µs an envelope
        CpuProfile.Summary s = CpuProfile.summarise(stacks, 100_000, 1000);
        assertThat(s.samples()).isEqualTo(1000);
        assertThat(s.microsPerEnvelope()).isCloseTo(10.0, within(1e-9));
        assertThat(s.byPart().get("linker: reading the event's facts")).isCloseTo(3.0, within(1e-9));
        assertThat(s.byPart().get("upstream request (http sink, HTTP client, socket)")).isCloseTo(5.0, within(1e-9));
        assertThat(s.byPart().get(CpuProfile.OTHER_THREADS)).isCloseTo(2.0, within(1e-9));
        assertThat(s.kernelMicros()).isCloseTo(5.0, within(1e-9));
        assertThat(s.byTopFrame().get("tcp_sendmsg_[k]")).isCloseTo(5.0, within(1e-9));
        String table = CpuProfile.table(List.of("a"), List.of(s), 2);
        assertThat(table).contains("| linker: reading the event's facts | 3.00 |", "**10.0** (5.0)",
                "- 5.00 tcp_sendmsg_[k]");
    }

    @Test
    void theProfilersLibraryComesFromItsJarOnTheClassPath() throws Exception {
        Path dir = Files.createTempDirectory("cpu-profile-test");
        try {
            Path lib = CpuProfile.library(dir);
            byte[] head = Files.readAllBytes(lib);
            // an ELF shared object
            assertThat(head.length).isGreaterThan(100_000);
            assertThat(new String(head, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("ELF");
        } finally {
            io.replaylink.testing.TempDirs.delete(dir);
        }
    }
}
