package io.replaylink.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ByteProcessor;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeLimits;
import io.replaylink.envelope.EnvelopeParseException;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.envelope.EnvelopeWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Envelope parse + write against a baseline that only scans the same bytes for newlines (the least any envelope
 * reader must do). Sizes: a 2 KB error event, a 50 KB transaction, a 5 MB attachment.
 */
@State(Scope.Thread)
public class EnvelopeCodecBenchmark {
    @Param({"event_2k", "transaction_50k", "attachment_5m"})
    public String shape;

    private ByteBuf body;
    private EnvelopeParser parser;

    @Setup
    public void setUp() {
        parser = new EnvelopeParser(EnvelopeLimits.relayDefaults());
        byte[] bytes = switch (shape) {
            case "event_2k" -> Payloads.errorEnvelope(2 * 1024);
            case "transaction_50k" -> Payloads.transactionEnvelope(50 * 1024);
            case "attachment_5m" -> Payloads.attachmentEnvelope(5 * 1024 * 1024);
            default -> throw new IllegalArgumentException(shape);
        };
        body = Unpooled.wrappedBuffer(bytes);
    }

    public int size() {
        return body.readableBytes();
    }

    @Benchmark
    public int baselineScanNewlines() {
        int count = 0;
        int from = body.readerIndex();
        int end = body.writerIndex();
        while (from < end) {
            int nl = body.forEachByte(from, end - from, ByteProcessor.FIND_LF);
            if (nl < 0) {
                break;
            }
            count++;
            from = nl + 1;
        }
        return count;
    }

    @Benchmark
    public int parseAndWrite() throws EnvelopeParseException {
        Envelope envelope = parser.parse(body);
        ByteBuf out = EnvelopeWriter.write(envelope, ByteBufAllocator.DEFAULT);
        int written = out.readableBytes();
        out.release();
        envelope.release();
        return written;
    }

    /** Envelopes shaped like what current SDKs send. */
    public static final class Payloads {
        private Payloads() {
        }

        static final String HEADER = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\","
                + "\"sent_at\":\"2026-11-26T10:00:00.000Z\",\"sdk\":{\"name\":\"sentry.java\",\"version\":\"8.63.0\"},"
                + "\"trace\":{\"trace_id\":\"771a43a4192642f0b136d5159a501700\",\"public_key\":"
                + "\"0123456789abcdef0123456789abcdef\",\"release\":\"shop@1.2.3\",\"environment\":\"production\","
                + "\"sample_rate\":\"0.25\",\"sampled\":\"true\",\"transaction\":\"GET /checkout\"}}";

        public static byte[] errorEnvelope(int size) {
            String event = jsonOfSize("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"level\":\"error\","
                    + "\"platform\":\"java\",\"contexts\":{\"trace\":{\"trace_id\":\"771a43a4192642f0b136d5159a501700\","
                    + "\"span_id\":\"b0e6f15b45c36b12\"}},\"exception\":{\"values\":[{\"type\":\"IllegalStateException\","
                    + "\"value\":\"payment failed\",\"stacktrace\":{\"frames\":[", "]}}]}}", size);
            return (HEADER + "\n{\"type\":\"event\",\"length\":" + event.length() + ",\"content_type\":"
                    + "\"application/json\"}\n" + event + "\n").getBytes(StandardCharsets.UTF_8);
        }

        public static byte[] transactionEnvelope(int size) {
            String tx = jsonOfSize("{\"type\":\"transaction\",\"transaction\":\"GET /checkout\",\"spans\":[", "]}",
                    size);
            return (HEADER + "\n{\"type\":\"transaction\",\"length\":" + tx.length() + ",\"content_type\":"
                    + "\"application/json\"}\n" + tx + "\n").getBytes(StandardCharsets.UTF_8);
        }

        public static byte[] attachmentEnvelope(int size) {
            byte[] event = errorEnvelope(2 * 1024);
            byte[] blob = new byte[size];
            new Random(42).nextBytes(blob);
            byte[] itemHeader = ("{\"type\":\"attachment\",\"length\":" + size + ",\"filename\":\"heap.bin\","
                    + "\"content_type\":\"application/octet-stream\"}\n").getBytes(StandardCharsets.UTF_8);
            byte[] out = new byte[event.length + itemHeader.length + size + 1];
            System.arraycopy(event, 0, out, 0, event.length);
            System.arraycopy(itemHeader, 0, out, event.length, itemHeader.length);
            System.arraycopy(blob, 0, out, event.length + itemHeader.length, size);
            out[out.length - 1] = '\n';
            return out;
        }

        /** {@code prefix}, as many frame objects as fit, spaces, then {@code suffix}: valid JSON of {@code size}. */
        private static String jsonOfSize(String prefix, String suffix, int size) {
            StringBuilder s = new StringBuilder(prefix);
            int i = 0;
            while (s.length() < size - 120 - suffix.length()) {
                if (i > 0) {
                    s.append(',');
                }
                s.append("{\"function\":\"com.shop.Checkout.step").append(i)
                        .append("\",\"lineno\":").append(100 + i).append(",\"in_app\":true}");
                i++;
            }
            while (s.length() < size - suffix.length()) {
                s.append(' ');
            }
            return s.append(suffix).toString();
        }
    }
}
