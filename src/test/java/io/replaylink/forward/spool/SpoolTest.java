package io.replaylink.forward.spool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The spool on real files: order, acknowledgement, restart, torn tails, bounds. */
class SpoolTest {

    static SpoolRecord record(int n) {
        return SpoolRecord.envelope(1, 1000 + n, Map.of("X-Sentry-Auth", "Sentry sentry_key=k"),
                ("{\"event_id\":\"" + n + "\"}\n").getBytes(StandardCharsets.UTF_8));
    }

    static int number(Spool.Entry e) {
        String s = new String(e.record().body(), StandardCharsets.UTF_8);
        return Integer.parseInt(s.replaceAll("\\D", ""));
    }

    static Spool open(Path dir, long maxBytes, long segmentBytes) {
        return new Spool(dir, maxBytes, segmentBytes, Spool.Fsync.ALWAYS, 100);
    }

    @Test
    void deliversInOrderAndResumesAfterTheLastAcknowledgedRecord(@TempDir Path dir) throws Exception {
        try (Spool spool = open(dir, 1 << 20, 1 << 20)) {
            for (int i = 0; i < 10; i++) {
                spool.append(record(i)).get();
            }
            List<Spool.Entry> first = spool.next(4).get();
            assertThat(first).extracting(SpoolTest::number).containsExactly(0, 1, 2, 3);
            assertThat(first.get(0).record().forwardHeaders()).containsEntry("X-Sentry-Auth", "Sentry sentry_key=k");
            first.forEach(spool::ack);
            List<Spool.Entry> second = spool.next(3).get();
            spool.ack(second.get(1));
            Thread.sleep(300);
            assertThat(spool.records()).isEqualTo(5);
        }
        try (Spool again = open(dir, 1 << 20, 1 << 20)) {
            List<Spool.Entry> after = again.next(100).get();
            assertThat(after).extracting(SpoolTest::number).as("4 unacked before 5 was acked: redelivered from 4")
                    .containsExactly(4, 5, 6, 7, 8, 9);
            assertThat(again.records()).isEqualTo(6);
        }
    }

    @Test
    void segmentsAreDeletedOnceEveryRecordIsAcknowledged(@TempDir Path dir) throws Exception {
        try (Spool spool = open(dir, 1 << 20, 100)) {
            for (int i = 0; i < 20; i++) {
                spool.append(record(i)).get();
            }
            assertThat(segments(dir)).hasSizeGreaterThan(3);
            List<Spool.Entry> all = spool.next(100).get();
            assertThat(all).hasSize(20);
            all.forEach(spool::ack);
            Thread.sleep(300);
            assertThat(segments(dir)).hasSize(1);
            assertThat(spool.unackedBytes()).isZero();
            spool.append(record(99)).get();
            assertThat(spool.next(10).get()).extracting(SpoolTest::number).containsExactly(99);
        }
        try (Spool again = open(dir, 1 << 20, 100)) {
            assertThat(again.next(10).get()).extracting(SpoolTest::number).containsExactly(99);
        }
    }

    @Test
    void tornOrCorruptTailIsCutOffNotFatal(@TempDir Path dir) throws Exception {
        try (Spool spool = open(dir, 1 << 20, 1 << 20)) {
            for (int i = 0; i < 3; i++) {
                spool.append(record(i)).get();
            }
        }
        Path segment = segments(dir).get(0);
        long size = Files.size(segment);
        try (FileChannel c = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.wrap(new byte[] {0x52, 0x4c, 0x53, 0x50, 0, 0, 0, 40, 1, 2}), size);
        }
        try (Spool again = open(dir, 1 << 20, 1 << 20)) {
            assertThat(again.next(10).get()).extracting(SpoolTest::number).containsExactly(0, 1, 2);
            again.append(record(3)).get();
            assertThat(again.next(10).get()).extracting(SpoolTest::number).containsExactly(3);
        }
        try (FileChannel c = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ByteBuffer garbage = ByteBuffer.wrap("garbage!".getBytes(StandardCharsets.US_ASCII));
            c.write(garbage, 20);
        }
        try (Spool corrupt = open(dir, 1 << 20, 1 << 20)) {
            assertThat(corrupt.next(10).get()).as("a corrupt first record: nothing readable").isEmpty();
        }
    }

    @Test
    void checkpointBeyondTheSurvivingDataStillDeliversNewAppends(@TempDir Path dir) throws Exception {
        try (Spool spool = open(dir, 1 << 20, 1 << 20)) {
            for (int i = 0; i < 5; i++) {
                spool.append(record(i)).get();
            }
            spool.next(10).get().forEach(spool::ack);
            Thread.sleep(300);
        }
        Path segment = segments(dir).get(0);
        try (FileChannel c = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            c.truncate(Files.size(segment) / 2);
        }
        try (Spool again = open(dir, 1 << 20, 1 << 20)) {
            again.append(record(42)).get();
            assertThat(again.next(10).get()).extracting(SpoolTest::number).containsExactly(42);
        }
    }

    @Test
    void appendsBeyondTheBoundFail(@TempDir Path dir) throws Exception {
        try (Spool spool = open(dir, 200, 1 << 20)) {
            int ok = 0;
            while (true) {
                try {
                    spool.append(record(ok)).get();
                    ok++;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(Spool.SpoolFullException.class);
                    break;
                }
            }
            assertThat(ok).isPositive();
            assertThat(spool.unackedBytes()).isLessThanOrEqualTo(200);
            List<Spool.Entry> all = spool.next(100).get();
            all.forEach(spool::ack);
            Thread.sleep(200);
            spool.append(record(77)).get();
        }
    }

    static List<Path> segments(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("spool-")).sorted().toList();
        }
    }

    @Test
    void linksAndOutcomesAreRecordsOfTheirOwnKindAndSurviveARestart(@TempDir Path dir) throws Exception {
        var link = new io.replaylink.spi.ReplayLinkMessage(7, "r".repeat(32), "e".repeat(32),
                "{\"type\":\"replay_event\"}".getBytes(StandardCharsets.UTF_8));
        var outcome = new io.replaylink.spi.OutcomeMessage(1732600000, 7, null, 1, "Sampled:1005", 2, 1, "10.0.0.1");
        try (Spool spool = new Spool(dir, 1 << 20, 1 << 16, Spool.Fsync.NEVER, 100)) {
            spool.append(record(1)).join();
            spool.append(SpoolRecord.link(link, 5)).join();
            spool.append(SpoolRecord.outcome(outcome, 6)).join();
        }
        try (Spool spool = new Spool(dir, 1 << 20, 1 << 16, Spool.Fsync.NEVER, 100)) {
            List<Spool.Entry> entries = spool.next(10).join();
            assertThat(entries).extracting(e -> e.record().kind()).containsExactly(SpoolRecord.Kind.ENVELOPE,
                    SpoolRecord.Kind.LINK, SpoolRecord.Kind.OUTCOME);
            assertThat(number(entries.get(0))).isEqualTo(1);
            var readLink = entries.get(1).record().toLink();
            assertThat(readLink.projectId()).isEqualTo(7);
            assertThat(readLink.replayId()).isEqualTo(link.replayId());
            assertThat(readLink.eventId()).isEqualTo(link.eventId());
            assertThat(readLink.message()).isEqualTo(link.message());
            assertThat(entries.get(2).record().toOutcome()).isEqualTo(outcome);
            assertThat(entries.get(2).record().receivedAtMillis()).isEqualTo(6);
        }
    }
}
