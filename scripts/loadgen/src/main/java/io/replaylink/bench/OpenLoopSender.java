package io.replaylink.bench;

import io.replaylink.loadgen.LoadGenerator;
import io.replaylink.loadgen.Stream;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A lean open-loop sender for latency at a fixed rate: the requests are encoded before the run, a sender thread
 * wakes at each request's scheduled time ({@code parkNanos}, not a 1 ms timer) and writes it with one gathering
 * write on a plain non-blocking socket, and a reader thread with one selector reads the answers. HTTP/1.1 keep-alive,
 * one request in flight per connection; a request due when every connection is busy waits in a backlog, and its
 * latency still counts from its scheduled time (no coordinated omission). Nothing is allocated per request beyond its
 * small request head, so the sender's own pauses stay far below what it measures: its lateness (scheduled time to
 * wake-up) is reported as send lag. The Vert.x generator ({@link LoadGenerator}) it replaces in the overhead bench
 * was itself the tail there (send lag 14 to 24 ms at p99, and half a second in a cold window). Only loopback.
 */
final class OpenLoopSender {
    private static final long MAX_MICROS = 60_000_000L;
    /** How long a connect, or a request's write, may wait. */
    private static final int IO_TIMEOUT_MS = 5_000;

    /** One keep-alive connection: the request in flight (written by the sender, read by the reader). */
    private static final class Connection {
        final SocketChannel channel;
        final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        volatile long intendedNanos;
        volatile int index;
        /** A request is in flight on it (its end of stream is then that request's error). */
        volatile boolean busy;

        Connection(SocketChannel channel) {
            this.channel = channel;
        }
    }

    private final Stream stream;
    private final int port;
    private final byte[] headPrefix;
    private final ConcurrentLinkedQueue<Connection> idle = new ConcurrentLinkedQueue<>();
    private final AtomicLong answered = new AtomicLong();
    private final Histogram latency = new Histogram(MAX_MICROS, 3);
    private final Histogram accepted = new Histogram(MAX_MICROS, 3);
    private final Histogram sendLag = new Histogram(MAX_MICROS, 3);
    private final Map<Integer, Long> byStatus = new TreeMap<>();
    private final Map<Integer, Integer> wrong = new TreeMap<>();
    private long errors;
    private long refusalsWithoutRetryAfter;
    private String firstUnexpected;
    private volatile Thread sender;
    private volatile boolean waiting;
    private volatile boolean stop;

    private OpenLoopSender(Stream stream, int port) {
        this.stream = stream;
        this.port = port;
        this.headPrefix = ("POST /api/1/envelope/?sentry_key=" + WrkEnvelopes.KEY + " HTTP/1.1\r\nHost: 127.0.0.1:"
                + port + "\r\nContent-Type: application/x-sentry-envelope\r\nContent-Length: ")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends {@code stream} to 127.0.0.1:{@code port} over {@code connections} connections; returns what it saw. */
    static LoadGenerator.Result run(Stream stream, int port, int connections) throws Exception {
        return new OpenLoopSender(stream, port).run(connections);
    }

    private LoadGenerator.Result run(int connections) throws Exception {
        System.gc(); // the pre-built stream is old before the run starts: no young collection copies it during it
        long gc0 = LoadGenerator.gcMillis();
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < connections; i++) {
                idle.add(connect(selector));
            }
            Thread reader = new Thread(() -> read(selector), "open-loop-reader");
            reader.setDaemon(true);
            reader.start();
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            sender = Thread.currentThread();
            send(start);
            long lastAt = stream.requests().isEmpty() ? 0 : stream.requests().get(stream.requests().size() - 1)
                    .atMicros();
            long deadline = start + lastAt * 1000 + TimeUnit.SECONDS.toNanos(60);
            while (answered.get() + errorsSoFar() < stream.requests().size() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            stop = true;
            selector.wakeup();
            reader.join(10_000);
            double seconds = (System.nanoTime() - start) / 1e9;
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
            synchronized (this) {
                return new LoadGenerator.Result(stream.requests().size(), Map.copyOf(byStatus), errors, latency,
                        seconds, Map.copyOf(wrong), List.of(), LoadGenerator.gcMillis() - gc0, sendLag, firstUnexpected,
                        accepted, refusalsWithoutRetryAfter);
            }
        }
    }

    private synchronized long errorsSoFar() {
        return errors;
    }

    private Connection connect(Selector selector) throws IOException {
        SocketChannel channel = SocketChannel.open();
        channel.socket().connect(new InetSocketAddress("127.0.0.1", port), IO_TIMEOUT_MS);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.configureBlocking(false);
        Connection c = new Connection(channel);
        channel.register(selector, SelectionKey.OP_READ, c);
        return c;
    }

    /** The sender thread: each request at its time, or as soon as a connection is free after it. */
    private void send(long start) throws IOException {
        List<Stream.Request> requests = stream.requests();
        ArrayDeque<Integer> backlog = new ArrayDeque<>();
        for (int i = 0; i < requests.size(); i++) {
            long due = start + requests.get(i).atMicros() * 1000;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                // waiting first: a connection freed during the drain unparks the park below
                waiting = true;
                drain(backlog, start);
                LockSupport.parkNanos(wait);
                waiting = false;
            }
            // the sender's own lateness: from the scheduled time to its wake-up (waiting for a free connection is
            // the target's doing and counts as latency, not as lag)
            sendLag.recordValue(Math.min(MAX_MICROS, Math.max(0, (System.nanoTime() - due) / 1000)));
            backlog.add(i);
            drain(backlog, start);
        }
        while (!backlog.isEmpty()) {
            waiting = true;
            drain(backlog, start);
            if (!backlog.isEmpty()) {
                LockSupport.parkNanos(100_000);
            }
            waiting = false;
        }
    }

    private void drain(ArrayDeque<Integer> backlog, long start) throws IOException {
        while (!backlog.isEmpty()) {
            Connection c = idle.poll();
            if (c == null) {
                return;
            }
            int i = backlog.poll();
            Stream.Request r = stream.requests().get(i);
            long intended = start + r.atMicros() * 1000;
            c.index = i;
            c.intendedNanos = intended;
            c.busy = true;
            byte[] length = (r.body().length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            ByteBuffer[] parts = {ByteBuffer.wrap(headPrefix), ByteBuffer.wrap(length), ByteBuffer.wrap(r.body())};
            try {
                // one request in flight per connection: a few KB fit the socket's send buffer at once; a target that
                // takes none of it for IO_TIMEOUT_MS fails the request
                long giveUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(IO_TIMEOUT_MS);
                while (parts[2].hasRemaining()) {
                    if (c.channel.write(parts) == 0) {
                        if (System.nanoTime() > giveUp) {
                            throw new IOException("no byte written for " + IO_TIMEOUT_MS + " ms");
                        }
                        Thread.onSpinWait();
                    }
                }
            } catch (IOException e) {
                // a broken connection: the reader sees its end and replaces it; a stalled one is closed here, half
                // written, and not replaced (a target that takes no byte for seconds is failing the run anyway)
                c.channel.close();
                c.busy = false;
                synchronized (this) {
                    errors++;
                }
            }
        }
    }

    /** The reader thread: answers, their latency from the scheduled time, and the connection back to the pool. */
    private void read(Selector selector) {
        try {
            while (!stop) {
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    Connection c = (Connection) key.attachment();
                    int n;
                    try {
                        n = c.channel.read(c.in);
                    } catch (IOException e) {
                        n = -1;
                    }
                    if (n < 0) {
                        key.cancel();
                        c.channel.close();
                        if (c.busy) {
                            synchronized (this) {
                                errors++;
                            }
                        }
                        idle.remove(c);
                        idle.add(connect(selector));
                        wake();
                        continue;
                    }
                    answer(c);
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** An answer is complete when its head and Content-Length bytes of body are in: record it, free the connection. */
    private void answer(Connection c) {
        ByteBuffer in = c.in;
        byte[] a = in.array();
        int end = in.position();
        int headEnd = -1;
        for (int i = 3; i < end; i++) {
            if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
                headEnd = i + 1;
                break;
            }
        }
        if (headEnd < 0) {
            return;
        }
        String head = new String(a, 0, headEnd, StandardCharsets.ISO_8859_1);
        int bodyLength = headerInt(head, "content-length");
        if (end < headEnd + bodyLength) {
            return;
        }
        long micros = Math.max(1, (System.nanoTime() - c.intendedNanos) / 1000);
        int status = Integer.parseInt(head.substring(9, 12));
        int index = c.index;
        synchronized (this) {
            latency.recordValue(Math.min(micros, MAX_MICROS));
            byStatus.merge(status, 1L, Long::sum);
            if (status == 200) {
                accepted.recordValue(Math.min(micros, MAX_MICROS));
            }
            if ((status == 503 || status == 429) && headerInt(head, "retry-after") < 0) {
                refusalsWithoutRetryAfter++;
            }
            if (status != stream.expectedStatus().getOrDefault(index, 200)) {
                wrong.put(index, status);
                if (firstUnexpected == null) {
                    firstUnexpected = "request " + index + ": " + status + " " + new String(a, headEnd,
                            Math.min(300, end - headEnd), StandardCharsets.UTF_8);
                }
            }
        }
        // keep-alive: whatever follows (nothing, with one request in flight) starts the next answer
        System.arraycopy(a, headEnd + bodyLength, a, 0, end - headEnd - bodyLength);
        in.position(end - headEnd - bodyLength);
        c.busy = false;
        idle.add(c);
        answered.incrementAndGet();
        wake();
    }

    private void wake() {
        if (waiting) {
            LockSupport.unpark(sender);
        }
    }

    /** A header's integer value (names compared without case), -1 if absent; 0 for Content-Length if absent. */
    private static int headerInt(String head, String name) {
        String lower = head.toLowerCase(java.util.Locale.ROOT);
        int at = lower.indexOf("\r\n" + name + ":");
        if (at < 0) {
            return name.equals("content-length") ? 0 : -1;
        }
        int from = at + name.length() + 3;
        int to = lower.indexOf("\r\n", from);
        try {
            return Integer.parseInt(lower.substring(from, to).trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
