package io.replaylink.forward.spool;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * An append-only, crash-safe queue of accepted envelopes on disk. Records go into segment files
 * ({@code spool-000001.log}, ...), each record framed as {@code magic (4) | length (4) | crc32 (4) | body}. A reader
 * cursor hands records to delivery; a record is acknowledged when every sink took it, and a segment file is
 * deleted once all its records are acknowledged. The position below which everything is acknowledged is written to
 * {@code checkpoint} (atomically, by rename), so a restart resumes there: records acknowledged after the last
 * checkpoint are delivered again (at least once; duplicates bounded by the checkpoint interval).
 *
 * <p>One thread owns the files: every operation is a task on it, so the event loop never touches the disk.
 * Bounded: appends beyond {@code maxBytes} of unacknowledged data fail with {@link SpoolFullException}. Durability
 * ({@code fsync}): {@code always} forces the file before an append completes (group commit: one force for all
 * appends queued together; survives power loss), {@code interval} forces every {@code fsyncIntervalMs} (a process
 * crash loses nothing, a power loss at most that interval), {@code never} leaves it to the OS.
 *
 * <p>At start-up every segment is scanned; a torn or corrupt tail (a crash in the middle of a write) is cut off
 * and logged, never fatal.
 */
public final class Spool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Spool.class.getName());
    static final int MAGIC = 0x524c5350;
    static final int FRAME = 12;
    private static final Pattern SEGMENT = Pattern.compile("spool-(\\d{6,})\\.log");

    public enum Fsync { ALWAYS, INTERVAL, NEVER }

    /** A record read for delivery; {@code position} identifies it for {@link #ack}. */
    public record Entry(long position, SpoolRecord record, int size) {
    }

    private static final class Segment {
        final long seq;
        final Path path;
        final FileChannel channel;
        long size;

        Segment(long seq, Path path, FileChannel channel, long size) {
            this.seq = seq;
            this.path = path;
            this.channel = channel;
            this.size = size;
        }
    }

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final Fsync fsync;
    private final ScheduledExecutorService io;
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private final TreeSet<Long> outstanding = new TreeSet<>();
    private final AtomicLong unackedBytes = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final Map<Long, Integer> sizes = new java.util.HashMap<>();
    private final Map<Long, Long> received = new java.util.HashMap<>();
    private final List<CompletableFuture<Void>> awaitingForce = new ArrayList<>();
    private long cursor;
    private long lastSeq;
    private long checkpointWritten = -1;
    private boolean dirty;
    private volatile long oldestUnackedMillis;
    private volatile boolean closed;

    public Spool(Path dir, long maxBytes, long segmentBytes, Fsync fsync, long fsyncIntervalMs) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
        this.fsync = fsync;
        this.io = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "replaylink-spool");
            t.setDaemon(true);
            return t;
        });
        try {
            io.submit(this::recover).get();
        } catch (Exception e) {
            io.shutdownNow();
            throw new IllegalStateException("spool " + dir + ": " + e.getMessage(), e);
        }
        if (fsync == Fsync.INTERVAL) {
            io.scheduleWithFixedDelay(this::force, fsyncIntervalMs, fsyncIntervalMs, TimeUnit.MILLISECONDS);
        }
        io.scheduleWithFixedDelay(this::writeCheckpoint, 100, 100, TimeUnit.MILLISECONDS);
    }

    static long position(long seq, long offset) {
        return (seq << 40) | offset;
    }

    static long seqOf(long position) {
        return position >>> 40;
    }

    static long offsetOf(long position) {
        return position & ((1L << 40) - 1);
    }

    /** Bytes of records not acknowledged yet. */
    public long unackedBytes() {
        return unackedBytes.get();
    }

    /** Records not acknowledged yet. */
    public long records() {
        return records.get();
    }

    /** When the oldest unacknowledged record was received (0: none), for the lag metric. */
    public long oldestUnackedMillis() {
        return oldestUnackedMillis;
    }

    /**
     * Appends a record; completes once written (and forced, with {@code fsync: always}). The record is encoded on
     * the spool's thread, not the caller's.
     */
    public CompletableFuture<Void> append(SpoolRecord record) {
        int size = FRAME + record.encodedSize();
        if (unackedBytes.addAndGet(size) > maxBytes) {
            unackedBytes.addAndGet(-size);
            return CompletableFuture.failedFuture(new SpoolFullException(maxBytes));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            io.execute(() -> {
                try {
                    write(record.encode());
                    records.incrementAndGet();
                    if (fsync == Fsync.ALWAYS) {
                        awaitingForce.add(done);
                        io.execute(this::forceAndComplete);
                    } else {
                        done.complete(null);
                    }
                } catch (IOException | RuntimeException e) {
                    unackedBytes.addAndGet(-size);
                    done.completeExceptionally(new SpoolFailure("cannot write to the spool: " + e, e));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            unackedBytes.addAndGet(-size);
            return CompletableFuture.failedFuture(new SpoolFailure("the spool is closed", e));
        }
        return done;
    }

    private void write(byte[] body) throws IOException {
        Segment active = segments.isEmpty() ? null : segments.lastEntry().getValue();
        if (active == null || active.size >= segmentBytes) {
            if (active != null && fsync != Fsync.NEVER) {
                active.channel.force(false);
            }
            active = openSegment(lastSeq + 1);
        }
        CRC32 crc = new CRC32();
        crc.update(body);
        ByteBuffer frame = ByteBuffer.allocate(FRAME + body.length);
        frame.putInt(MAGIC).putInt(body.length).putInt((int) crc.getValue()).put(body).flip();
        long at = active.size;
        while (frame.hasRemaining()) {
            at += active.channel.write(frame, at);
        }
        active.size = at;
    }

    private void forceAndComplete() {
        if (awaitingForce.isEmpty()) {
            return;
        }
        List<CompletableFuture<Void>> batch = new ArrayList<>(awaitingForce);
        awaitingForce.clear();
        try {
            segments.lastEntry().getValue().channel.force(false);
            batch.forEach(f -> f.complete(null));
        } catch (IOException e) {
            SpoolFailure failure = new SpoolFailure("cannot force the spool to disk: " + e, e);
            batch.forEach(f -> f.completeExceptionally(failure));
        }
    }

    private void force() {
        if (!segments.isEmpty()) {
            try {
                segments.lastEntry().getValue().channel.force(false);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "spool: fsync failed: " + e);
            }
        }
    }

    /** Reads up to {@code max} records after the cursor for delivery (they become outstanding until acked). */
    public CompletableFuture<List<Entry>> next(int max) {
        CompletableFuture<List<Entry>> result = new CompletableFuture<>();
        try {
            io.execute(() -> {
                try {
                    result.complete(read(max));
                } catch (IOException | RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private List<Entry> read(int max) throws IOException {
        List<Entry> out = new ArrayList<>();
        try {
            readInto(out, max);
        } catch (IOException | RuntimeException e) {
            if (out.isEmpty()) {
                throw e;
            }
            LOG.log(Level.WARNING, "spool: read stopped early: " + e);
        }
        return out;
    }

    private void readInto(List<Entry> out, int max) throws IOException {
        while (out.size() < max) {
            long seq = seqOf(cursor);
            long offset = offsetOf(cursor);
            Segment s = segments.get(seq);
            if (s == null) {
                Map.Entry<Long, Segment> higher = segments.higherEntry(seq);
                if (higher == null) {
                    break;
                }
                cursor = position(higher.getKey(), 0);
                continue;
            }
            if (offset >= s.size) {
                Map.Entry<Long, Segment> higher = segments.higherEntry(seq);
                if (higher == null) {
                    break;
                }
                cursor = position(higher.getKey(), 0);
                continue;
            }
            ByteBuffer frame = ByteBuffer.allocate(FRAME);
            readFully(s.channel, frame, offset);
            frame.flip();
            int magic = frame.getInt();
            int length = frame.getInt();
            int crc = frame.getInt();
            if (magic != MAGIC || length < 0 || offset + FRAME + length > s.size) {
                skipCorrupt(s, offset);
                continue;
            }
            ByteBuffer body = ByteBuffer.allocate(length);
            readFully(s.channel, body, offset + FRAME);
            CRC32 c = new CRC32();
            c.update(body.array());
            if ((int) c.getValue() != crc) {
                skipCorrupt(s, offset);
                continue;
            }
            SpoolRecord record = SpoolRecord.decode(body.array());
            long pos = cursor;
            int size = FRAME + length;
            out.add(new Entry(pos, record, size));
            outstanding.add(pos);
            sizes.put(pos, size);
            received.put(pos, record.receivedAtMillis());
            if (outstanding.first() == pos) {
                oldestUnackedMillis = record.receivedAtMillis();
            }
            cursor = position(seq, offset + size);
        }
    }

    /** A record that fails its frame or CRC check mid-segment: the rest of the segment cannot be trusted. */
    private void skipCorrupt(Segment s, long offset) {
        LOG.log(Level.ERROR, "spool: corrupt record in " + s.path.getFileName() + " at byte " + offset
                + "; the rest of that segment is skipped");
        Map.Entry<Long, Segment> higher = segments.higherEntry(s.seq);
        if (higher == null) {
            // the active segment: cut it here so new appends are readable
            try {
                s.channel.truncate(offset);
                s.size = offset;
            } catch (IOException e) {
                LOG.log(Level.ERROR, "spool: cannot truncate " + s.path + ": " + e);
            }
            cursor = position(s.seq, offset);
        } else {
            cursor = position(higher.getKey(), 0);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buf, long at) throws IOException {
        long pos = at;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of spool segment");
            }
            pos += n;
        }
    }

    /** Marks a record delivered to every sink; its segment goes once all of its records did. */
    public void ack(Entry entry) {
        try {
            io.execute(() -> {
                if (!outstanding.remove(entry.position())) {
                    return;
                }
                Integer size = sizes.remove(entry.position());
                received.remove(entry.position());
                unackedBytes.addAndGet(-(size == null ? entry.size() : size));
                records.decrementAndGet();
                dirty = true;
                oldestUnackedMillis = outstanding.isEmpty() ? 0 : received.getOrDefault(outstanding.first(), 0L);
                deleteAckedSegments();
            });
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
            // closing: the record is delivered again after the restart
        }
    }

    /** Everything before this position is acknowledged. */
    private long low() {
        return outstanding.isEmpty() ? cursor : outstanding.first();
    }

    private void deleteAckedSegments() {
        long lowSeq = seqOf(low());
        while (!segments.isEmpty() && segments.firstKey() < lowSeq) {
            Segment s = segments.pollFirstEntry().getValue();
            try {
                s.channel.close();
                Files.deleteIfExists(s.path);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "spool: cannot delete " + s.path + ": " + e);
            }
        }
    }

    private void writeCheckpoint() {
        long low = low();
        if (!dirty && low == checkpointWritten) {
            return;
        }
        try {
            Path tmp = dir.resolve("checkpoint.tmp");
            Files.writeString(tmp, seqOf(low) + " " + offsetOf(low) + "\n", StandardCharsets.US_ASCII);
            if (fsync != Fsync.NEVER) {
                try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    c.force(true);
                }
            }
            Files.move(tmp, dir.resolve("checkpoint"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            checkpointWritten = low;
            dirty = false;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "spool: cannot write checkpoint: " + e);
        }
    }

    private Segment openSegment(long seq) throws IOException {
        Path path = dir.resolve(String.format("spool-%06d.log", seq));
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        Segment s = new Segment(seq, path, channel, channel.size());
        segments.put(seq, s);
        lastSeq = Math.max(lastSeq, seq);
        return s;
    }

    /** Opens the segments, cuts torn tails, restores the cursor from the checkpoint. */
    private Void recover() throws IOException {
        Files.createDirectories(dir);
        List<Long> seqs = new ArrayList<>();
        try (var files = Files.list(dir)) {
            files.forEach(f -> {
                Matcher m = SEGMENT.matcher(f.getFileName().toString());
                if (m.matches()) {
                    seqs.add(Long.parseLong(m.group(1)));
                }
            });
        }
        seqs.sort(null);
        long checkpoint = readCheckpoint();
        lastSeq = seqOf(checkpoint);
        for (long seq : seqs) {
            Segment s = openSegment(seq);
            long valid = scan(s, seq == seqOf(checkpoint) ? offsetOf(checkpoint) : 0, seq < seqOf(checkpoint));
            if (valid < s.size) {
                LOG.log(Level.WARNING, "spool: " + s.path.getFileName() + " has a torn or corrupt tail at byte "
                        + valid + " of " + s.size + "; cut off");
                s.channel.truncate(valid);
                s.size = valid;
            }
            if (seq == seqOf(checkpoint) && offsetOf(checkpoint) > valid) {
                // the checkpoint reached further than the data that survived (a power loss): resume at the end
                checkpoint = position(seq, valid);
            }
        }
        cursor = seqs.isEmpty() ? position(lastSeq + 1, 0)
                : checkpoint >= position(seqs.get(0), 0) ? checkpoint : position(seqs.get(0), 0);
        deleteAckedSegments();
        checkpointWritten = cursor;
        if (records.get() > 0) {
            LOG.log(Level.INFO, "spool: " + records.get() + " records (" + unackedBytes.get()
                    + " bytes) to deliver from " + dir);
        }
        return null;
    }

    /** Validates records from the start; counts those at or after {@code from} as unacknowledged. */
    private long scan(Segment s, long from, boolean allAcked) throws IOException {
        long at = 0;
        ByteBuffer frame = ByteBuffer.allocate(FRAME);
        while (at + FRAME <= s.size) {
            frame.clear();
            readFully(s.channel, frame, at);
            frame.flip();
            int magic = frame.getInt();
            int length = frame.getInt();
            int crc = frame.getInt();
            if (magic != MAGIC || length < 0 || at + FRAME + length > s.size) {
                return at;
            }
            ByteBuffer body = ByteBuffer.allocate(length);
            readFully(s.channel, body, at + FRAME);
            CRC32 c = new CRC32();
            c.update(body.array());
            if ((int) c.getValue() != crc) {
                return at;
            }
            if (!allAcked && at >= from) {
                records.incrementAndGet();
                unackedBytes.addAndGet(FRAME + length);
            }
            at += FRAME + length;
        }
        return at;
    }

    private long readCheckpoint() {
        try {
            String[] parts = Files.readString(dir.resolve("checkpoint"), StandardCharsets.US_ASCII).trim().split(" ");
            return position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            io.submit(() -> {
                forceAndComplete();
                force();
                writeCheckpoint();
                for (Segment s : segments.values()) {
                    try {
                        s.channel.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "spool: closing: " + e);
        }
        io.shutdown();
        try {
            if (!io.awaitTermination(5, TimeUnit.SECONDS)) {
                io.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The spool holds {@code maxBytes} of undelivered envelopes: the client must retry later. */
    public static final class SpoolFullException extends RuntimeException {
        public SpoolFullException(long maxBytes) {
            super("the spool holds its maximum of " + maxBytes + " bytes of undelivered envelopes", null, false,
                    false);
        }
    }

    /** An append failed: the spool could not write, force or was closed. */
    public static final class SpoolFailure extends RuntimeException {
        SpoolFailure(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }
}
