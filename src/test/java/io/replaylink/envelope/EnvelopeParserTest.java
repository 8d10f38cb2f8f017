package io.replaylink.envelope;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvelopeParserTest {
    static final EnvelopeParser PARSER = new EnvelopeParser(EnvelopeLimits.relayDefaults());

    /** The full examples of Sentry's envelope spec (develop docs, "Envelopes", "Full Examples"). */
    record SpecExample(String name, String text, List<String> types, List<String> payloads) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<SpecExample> specExamples() {
        String header = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\","
                + "\"dsn\":\"https://e12d836b15bb49d7bbf99e64295d995b:@sentry.io/42\"}";
        String attachment = "{\"type\":\"attachment\",\"length\":10,\"content_type\":\"text/plain\","
                + "\"filename\":\"hello.txt\"}";
        String event = "{\"type\":\"event\",\"length\":41,\"content_type\":\"application/json\","
                + "\"filename\":\"application.log\"}";
        String eventPayload = "{\"message\":\"hello world\",\"level\":\"error\"}";
        String bom = "\ufeffHello\r\n";
        return Stream.of(
                new SpecExample("2 items, last newline omitted",
                        header + "\n" + attachment + "\n" + bom + "\n" + event + "\n" + eventPayload,
                        List.of("attachment", "event"), List.of(bom, eventPayload)),
                new SpecExample("2 items, last newline present",
                        header + "\n" + attachment + "\n" + bom + "\n" + event + "\n" + eventPayload + "\n",
                        List.of("attachment", "event"), List.of(bom, eventPayload)),
                new SpecExample("2 empty attachments",
                        "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"attachment\",\"length\":0}\n"
                                + "\n{\"type\":\"attachment\",\"length\":0}\n\n",
                        List.of("attachment", "attachment"), List.of("", "")),
                new SpecExample("2 empty attachments, implicit length, last newline omitted",
                        "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"attachment\"}\n\n"
                                + "{\"type\":\"attachment\"}\n",
                        List.of("attachment", "attachment"), List.of("", "")),
                new SpecExample("implicit length, terminated by newline",
                        "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"attachment\"}\nhelloworld\n",
                        List.of("attachment"), List.of("helloworld")),
                new SpecExample("implicit length, last newline omitted, terminated by EOF",
                        "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"attachment\"}\nhelloworld",
                        List.of("attachment"), List.of("helloworld")),
                new SpecExample("no envelope headers, implicit length, last newline omitted",
                        "{}\n{\"type\":\"session\"}\n{\"started\": \"2020-02-07T14:16:00Z\",\"attrs\":"
                                + "{\"release\":\"sentry-test@1.0.0\"}}",
                        List.of("session"), List.of("{\"started\": \"2020-02-07T14:16:00Z\",\"attrs\":"
                                + "{\"release\":\"sentry-test@1.0.0\"}}")),
                new SpecExample("no items", header + "\n", List.of(), List.of()),
                new SpecExample("no items, no newline", header, List.of(), List.of()),
                new SpecExample("empty envelope", "{}", List.of(), List.of()));
    }

    @ParameterizedTest
    @MethodSource("specExamples")
    void readsEverySpecExampleAndWritesItBackByteForByte(SpecExample example) throws Exception {
        byte[] bytes = example.text.getBytes(StandardCharsets.UTF_8);
        ByteBuf body = Unpooled.wrappedBuffer(bytes);
        Envelope envelope = PARSER.parse(body);
        try {
            assertThat(envelope.items()).extracting(i -> i.type().wireName()).containsExactlyElementsOf(example.types);
            assertThat(envelope.items()).extracting(i -> i.payload().toString(StandardCharsets.UTF_8))
                    .containsExactlyElementsOf(example.payloads);
            if (!example.name.contains("implicit length, last newline omitted")) {
                assertThat(written(envelope)).isEqualTo(bytes);
            }
        } finally {
            envelope.release();
            body.release();
        }
        assertThat(body.refCnt()).isZero();
    }

    @Test
    void carriageReturnBelongsToTheImplicitPayload() throws Exception {
        Envelope e = parse("{}\n{\"type\":\"attachment\"}\nabc\r\n{\"type\":\"event\"}\n{}\r");
        assertThat(e.items().get(0).payload().toString(StandardCharsets.UTF_8)).isEqualTo("abc\r");
        assertThat(e.items().get(1).payload().toString(StandardCharsets.UTF_8)).isEqualTo("{}\r");
        e.release();
    }

    @Test
    void keepsUnknownHeaderFieldsAndItemTypes() throws Exception {
        String text = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"x_future\":{\"a\":[1,2.50,\"b\"]},"
                + "\"sent_at\":\"2026-01-01T00:00:00Z\"}\n{\"type\":\"hologram\",\"length\":3,\"x\":true}\nabc\n";
        Envelope e = parse(text);
        assertThat(e.header().fields()).containsKeys("x_future", "sent_at");
        assertThat(e.items().get(0).type()).isEqualTo(new ItemType.Unknown("hologram"));
        assertThat(e.items().get(0).header().fields()).containsEntry("x", true);
        assertThat(new String(written(e), StandardCharsets.UTF_8)).isEqualTo(text);
        e.release();
    }

    @Test
    void payloadsAreSlicesOfTheBodyNotCopies() throws Exception {
        byte[] bytes = "{}\n{\"type\":\"attachment\",\"length\":5}\nhello\n".getBytes(StandardCharsets.UTF_8);
        ByteBuf body = Unpooled.wrappedBuffer(bytes);
        Envelope e = PARSER.parse(body);
        assertThat(e.items().get(0).payload().array()).isSameAs(bytes);
        assertThat(body.refCnt()).isEqualTo(2);
        e.release();
        assertThat(body.refCnt()).isEqualTo(1);
        body.release();
    }

    @Test
    void changedPayloadIsWrittenWithItsNewLength() throws Exception {
        Envelope e = parse("{}\n{\"type\":\"event\",\"length\":2}\n{}\n{\"type\":\"attachment\"}\nabc\n");
        Item changed = new Item(e.items().get(0).header(), Unpooled.copiedBuffer("{\"a\":1}", StandardCharsets.UTF_8));
        Envelope out = e.withItems(List.of(changed, e.items().get(1)));
        assertThat(new String(written(out), StandardCharsets.UTF_8))
                .isEqualTo("{}\n{\"type\":\"event\",\"length\":7}\n{\"a\":1}\n{\"type\":\"attachment\"}\nabc\n");
        e.items().get(0).payload().release();
        out.release();
    }

    @Test
    void changedHeaderIsSerialisedAndOtherFieldsKeepTheirValues() throws Exception {
        Envelope e = parse("{\"trace\":{\"trace_id\":\"abc\",\"sample_rate\":\"0.25\"},\"n\":1.50}\n");
        Envelope out = e.withHeader(e.header().with("x", "y"));
        assertThat(new String(written(out), StandardCharsets.UTF_8))
                .isEqualTo("{\"trace\":{\"trace_id\":\"abc\",\"sample_rate\":\"0.25\"},\"n\":1.50,\"x\":\"y\"}\n");
    }

    // ---- errors: each case names what is wrong and where ----

    @Test
    void emptyBody() {
        assertError("", EnvelopeError.EmptyBody.class, "empty request body");
    }

    @Test
    void whitespaceOnlyHasNoHeader() {
        assertError(" \n ", EnvelopeError.MissingHeader.class, "missing envelope header");
    }

    @Test
    void invalidEnvelopeHeaderJson() {
        assertError("{\"a\":}\n", EnvelopeError.InvalidHeader.class, "invalid envelope header at byte 0");
    }

    @Test
    void envelopeHeaderMustBeAnObject() {
        assertError("[1]\n", EnvelopeError.InvalidHeader.class, "expected a JSON object");
    }

    @Test
    void garbageAfterHeaderIsAMissingNewline() {
        assertError("{} x\n", EnvelopeError.MissingNewline.class, "at byte 2");
    }

    @Test
    void invalidItemHeaderNamesItsIndexAndOffset() {
        assertError("{}\n{\"type\":\"event\"}\n{}\n{\"type\" \"x\"}\n",
                EnvelopeError.InvalidItemHeader.class, "item 1 at byte 23");
    }

    @Test
    void itemHeaderWithoutType() {
        assertError("{}\n{\"length\":0}\n", EnvelopeError.InvalidItemHeader.class, "missing field `type`");
    }

    @Test
    void negativeOrFractionalLength() {
        assertError("{}\n{\"type\":\"event\",\"length\":-1}\n", EnvelopeError.InvalidItemHeader.class, "`length`");
        assertError("{}\n{\"type\":\"event\",\"length\":1.5}\n", EnvelopeError.InvalidItemHeader.class, "`length`");
        assertError("{}\n{\"type\":\"event\",\"length\":\"3\"}\n", EnvelopeError.InvalidItemHeader.class, "`length`");
    }

    @Test
    void lengthBeyondTheBody() {
        assertError("{}\n{\"type\":\"attachment\",\"length\":10}\nabc", EnvelopeError.LengthOverflow.class,
                "declares length 10 at byte 3 but only 3 bytes follow");
    }

    @Test
    void payloadNotFollowedByNewline() {
        assertError("{}\n{\"type\":\"attachment\",\"length\":2}\nabc\n", EnvelopeError.MissingNewline.class,
                "at byte 38");
    }

    @Test
    void trailingBlankLineIsAnUnexpectedEof() {
        assertError("{}\n{\"type\":\"attachment\",\"length\":1}\na\n\n", EnvelopeError.UnexpectedEof.class,
                "expected an item header");
    }

    @Test
    void itemOverItsTypeLimitIsRejectedWithRelaysTypeName() {
        String text = "{}\n{\"type\":\"event\",\"length\":2000000}\n" + "x".repeat(2_000_000) + "\n";
        EnvelopeError error = errorOf(text);
        assertThat(error).isInstanceOf(EnvelopeError.ItemTooLarge.class);
        assertThat(error.tooLarge()).isTrue();
        assertThat(error.detail()).startsWith("envelope exceeded size limits for type 'event'")
                .contains("2000000", "1048576");
    }

    @Test
    void aLengthPastTheEndIsAnUnexpectedEndBeforeAnySizeLimit() {
        EnvelopeError error = errorOf("{}\n{\"type\":\"event\",\"length\":2000000}\n");
        assertThat(error).isInstanceOf(EnvelopeError.LengthOverflow.class);
        assertThat(error.tooLarge()).isFalse();
    }

    @Test
    void implicitLengthItemOverItsLimit() {
        EnvelopeParser small = new EnvelopeParser(withLimits(10, 1000, 64 * 1024, 64));
        assertThatThrownBy(() -> small.parse(buf("{}\n{\"type\":\"event\"}\n" + "x".repeat(11) + "\n")))
                .isInstanceOfSatisfying(EnvelopeParseException.class,
                        e -> assertThat(e.error()).isInstanceOf(EnvelopeError.ItemTooLarge.class));
    }

    @Test
    void containerItemsAreLimitedPerElement() throws Exception {
        EnvelopeLimits d = EnvelopeLimits.relayDefaults();
        EnvelopeParser small = new EnvelopeParser(new EnvelopeLimits(d.maxEventSize(), d.maxAttachmentSize(),
                d.maxReplayCompressedSize(), d.maxSessionsSize(), d.maxClientReportsSize(), d.maxProfileSize(),
                d.maxCheckInSize(), d.maxStatsdSize(), d.maxMetricBucketsSize(), d.maxLogSize(), 10,
                d.maxTraceMetricSize(), 10, 1024, 16));
        String spans = "x".repeat(30);
        String container = ",\"content_type\":\"application/vnd.sentry.items.span.v2+json\"";
        small.parse(buf("{}\n{\"type\":\"span\",\"item_count\":3,\"length\":30" + container + "}\n" + spans + "\n"))
                .release();
        assertThatThrownBy(() -> small.parse(buf("{}\n{\"type\":\"span\",\"item_count\":2,\"length\":30" + container
                + "}\n" + spans)))
                .isInstanceOf(EnvelopeParseException.class);
    }

    @Test
    void tooManyItems() {
        EnvelopeParser small = new EnvelopeParser(withLimits(1000, 2, 1024, 16));
        assertThatThrownBy(() -> small.parse(buf("{}\n{\"type\":\"a\"}\n\n{\"type\":\"b\"}\n\n{\"type\":\"c\"}\n")))
                .isInstanceOfSatisfying(EnvelopeParseException.class, e -> {
                    assertThat(e.error()).isInstanceOf(EnvelopeError.TooManyItems.class);
                    assertThat(e.error().detail()).contains("more than 2 items");
                });
    }

    @Test
    void headerLineOverTheLimit() {
        EnvelopeParser small = new EnvelopeParser(withLimits(1000, 10, 32, 16));
        assertThatThrownBy(() -> small.parse(buf("{\"x\":\"" + "a".repeat(100) + "\"}\n")))
                .isInstanceOfSatisfying(EnvelopeParseException.class, e -> {
                    assertThat(e.error()).isInstanceOf(EnvelopeError.HeaderTooLarge.class);
                    assertThat(e.error().detail()).contains("32 bytes");
                });
    }

    @Test
    void headerNestedTooDeeply() {
        EnvelopeParser small = new EnvelopeParser(withLimits(1000, 10, 1024, 4));
        assertThatThrownBy(() -> small.parse(buf("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}\n")))
                .isInstanceOfSatisfying(EnvelopeParseException.class, e -> {
                    assertThat(e.error()).isInstanceOf(EnvelopeError.InvalidHeader.class);
                    assertThat(e.error().detail()).containsIgnoringCase("depth");
                });
    }

    @Test
    void failedParseLeavesNothingRetained() {
        ByteBuf body = buf("{}\n{\"type\":\"attachment\"}\nabc\n{\"type\":\"event\",\"length\":99}\n{}");
        assertThatThrownBy(() -> PARSER.parse(body)).isInstanceOf(EnvelopeParseException.class);
        assertThat(body.refCnt()).isEqualTo(1);
        body.release();
    }

    static EnvelopeLimits withLimits(long maxEvent, int maxItems, int maxHeader, int depth) {
        EnvelopeLimits d = EnvelopeLimits.relayDefaults();
        return new EnvelopeLimits(maxEvent, d.maxAttachmentSize(), d.maxReplayCompressedSize(), d.maxSessionsSize(),
                d.maxClientReportsSize(), d.maxProfileSize(), d.maxCheckInSize(), d.maxStatsdSize(),
                d.maxMetricBucketsSize(), d.maxLogSize(), d.maxSpanSize(), d.maxTraceMetricSize(), maxItems,
                maxHeader, depth);
    }

    static ByteBuf buf(String text) {
        return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8));
    }

    static Envelope parse(String text) throws EnvelopeParseException {
        return PARSER.parse(buf(text));
    }

    static byte[] written(Envelope envelope) {
        ByteBuf out = EnvelopeWriter.write(envelope, ByteBufAllocator.DEFAULT);
        try {
            byte[] bytes = new byte[out.readableBytes()];
            out.getBytes(out.readerIndex(), bytes);
            return bytes;
        } finally {
            out.release();
        }
    }

    static EnvelopeError errorOf(String text) {
        try {
            PARSER.parse(buf(text)).release();
        } catch (EnvelopeParseException e) {
            return e.error();
        }
        throw new AssertionError("parsed without error: " + text);
    }

    static void assertError(String text, Class<? extends EnvelopeError> type, String detailPart) {
        EnvelopeError error = errorOf(text);
        assertThat(error).isInstanceOf(type);
        assertThat(error.detail()).contains(detailPart);
    }
}
