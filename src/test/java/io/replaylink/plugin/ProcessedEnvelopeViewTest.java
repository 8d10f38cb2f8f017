package io.replaylink.plugin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeLimits;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.envelope.EnvelopeWriter;
import io.replaylink.spi.ProcessedItem;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The host's {@link ProcessedItem#splicePayload}: the SPI's copying default's bytes, without the copy. */
class ProcessedEnvelopeViewTest {
    private static final ProcessingRequest REQUEST = new ProcessingRequest(1, 1, Optional.empty(), h -> null);

    @Test
    void spliceWritesWhatTheCopyingDefaultWritesAndFreesTheBody() throws Exception {
        Random random = new Random(7);
        for (int run = 0; run < 500; run++) {
            String event = "{\"event_id\":\"" + run + "\",\"message\":\"" + "x".repeat(random.nextInt(300)) + "\"}";
            boolean withLength = random.nextBoolean();
            int at = random.nextInt(event.length() + 1);
            int remove = random.nextInt(event.length() - at + 1);
            byte[] insert = ("\"inserted\":" + run).substring(0, random.nextInt(12)).getBytes(StandardCharsets.UTF_8);

            ByteBuf spliced = body(event, withLength);
            ByteBuf copied = body(event, withLength);
            String viaHost = write(spliced, item -> item.splicePayload(at, remove, insert));
            String viaDefault = write(copied, item -> copyingDefault(item).splicePayload(at, remove, insert));

            String expected = event.substring(0, at) + new String(insert, StandardCharsets.UTF_8)
                    + event.substring(at + remove);
            assertThat(viaHost).isEqualTo(viaDefault).endsWith("\n" + expected + "\n");
            if (withLength) {
                assertThat(viaHost).contains("\"length\":" + expected.length());
            }
            // the envelope, its spliced payload and what was written all released: only the owner's count is left
            assertThat(spliced.refCnt()).isEqualTo(1);
            assertThat(copied.refCnt()).isEqualTo(1);
            spliced.release();
            copied.release();
        }
    }

    @Test
    void anEventAboveTheCopyLimitIsSplicedAsSlicesOfItsBodyAndWritesTheSame() throws Exception {
        // above FLAT_SPLICE_MAX_BYTES the splice is a composite over the body (no copy of a large event); below it,
        // one array: both write the same bytes and leave the body released
        for (int size : new int[] {ProcessedEnvelopeView.FLAT_SPLICE_MAX_BYTES - 200,
                ProcessedEnvelopeView.FLAT_SPLICE_MAX_BYTES + 200}) {
            String event = "{\"event_id\":\"big\",\"message\":\"" + "y".repeat(size) + "\"}";
            byte[] insert = "\"contexts\":{\"replay\":{}},".getBytes(StandardCharsets.UTF_8);
            ByteBuf body = body(event, true);
            Envelope envelope = new EnvelopeParser(EnvelopeLimits.relayDefaults()).parse(body);
            ProcessedEnvelopeView view = new ProcessedEnvelopeView(envelope, REQUEST, EnvelopeLimits.relayDefaults());
            view.items().get(0).splicePayload(1, 0, insert);
            Envelope out = view.finish();
            // the slices keep the body's memory; the copy does not
            boolean slices = event.length() + insert.length > ProcessedEnvelopeView.FLAT_SPLICE_MAX_BYTES;
            assertThat(out.items().get(0).payload().hasArray()).isEqualTo(!slices);
            ByteBuf written = EnvelopeWriter.write(out, ByteBufAllocator.DEFAULT);
            String expected = "{" + new String(insert, StandardCharsets.UTF_8) + event.substring(1);
            assertThat(written.toString(StandardCharsets.UTF_8)).endsWith("\n" + expected + "\n")
                    .contains("\"length\":" + expected.length());
            written.release();
            out.release();
            assertThat(body.refCnt()).isEqualTo(1);
            body.release();
        }
    }

    @Test
    void aSpliceOverTheItemLimitIsRefusedAndTheItemStays() throws Exception {
        EnvelopeLimits small = new EnvelopeLimits(40, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 100,
                4096, 64);
        String event = "{\"event_id\":\"0123456789\",\"a\":1}";
        ByteBuf body = body(event, true);
        Envelope envelope = new EnvelopeParser(small).parse(body);
        ProcessedEnvelopeView view = new ProcessedEnvelopeView(envelope, REQUEST, small);
        ProcessedItem item = view.items().get(0);
        assertThatThrownBy(() -> item.splicePayload(1, 0, "\"x\":\"long enough\",".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("over its limit");
        assertThatThrownBy(() -> item.splicePayload(10, event.length(), new byte[0]))
                .isInstanceOf(IndexOutOfBoundsException.class);
        item.splicePayload(1, 0, "\"b\":2,".getBytes(StandardCharsets.UTF_8));
        assertThat(StandardCharsets.UTF_8.decode(item.payload()).toString())
                .isEqualTo("{\"b\":2,\"event_id\":\"0123456789\",\"a\":1}");
        view.finish().release();
        assertThat(body.refCnt()).isEqualTo(1);
        body.release();
    }

    private interface Change {
        void apply(ProcessedItem item);
    }

    private static ByteBuf body(String event, boolean withLength) {
        String header = withLength ? "{\"type\":\"event\",\"length\":" + event.length() + "}" : "{\"type\":\"event\"}";
        // a pooled direct buffer, as the server's are: a leak shows as a count above 0
        byte[] bytes = ("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n" + header + "\n" + event + "\n")
                .getBytes(StandardCharsets.UTF_8);
        return ByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
    }

    private static String write(ByteBuf body, Change change) throws Exception {
        Envelope envelope = new EnvelopeParser(EnvelopeLimits.relayDefaults()).parse(body);
        ProcessedEnvelopeView view = new ProcessedEnvelopeView(envelope, REQUEST, EnvelopeLimits.relayDefaults());
        change.apply(view.items().get(0));
        Envelope out = view.finish();
        ByteBuf written = EnvelopeWriter.write(out, ByteBufAllocator.DEFAULT);
        try {
            return written.toString(StandardCharsets.UTF_8);
        } finally {
            written.release();
            out.release();
        }
    }

    /** The item with the SPI's default {@code splicePayload} (a plugin's own item type would have it). */
    private static ProcessedItem copyingDefault(ProcessedItem host) {
        return new ProcessedItem() {
            @Override
            public String type() {
                return host.type();
            }

            @Override
            public java.util.Map<String, Object> header() {
                return host.header();
            }

            @Override
            public void setHeader(String field, Object value) {
                host.setHeader(field, value);
            }

            @Override
            public ByteBuffer payload() {
                return host.payload();
            }

            @Override
            public void setPayload(byte[] payload) {
                host.setPayload(payload);
            }

            @Override
            public void drop(String reason) {
                host.drop(reason);
            }
        };
    }
}
