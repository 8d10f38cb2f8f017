package io.replaylink.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeLimits;
import io.replaylink.envelope.EnvelopeParseException;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.envelope.EnvelopeWriter;
import io.replaylink.replay.JsonSplice;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing with Jazzer. In a normal test run each target runs its seeds (regression mode); with
 * {@code JAZZER_FUZZ=1} it fuzzes ({@code scripts/fuzz}). Properties: the parser answers an envelope or a typed
 * rejection, nothing else; what it parses writes back and parses to the same items; the splice answers a valid
 * document or nothing.
 */
class EnvelopeFuzzTest {
    static final EnvelopeParser PARSER = new EnvelopeParser(EnvelopeLimits.relayDefaults());

    @FuzzTest(maxDuration = "10m")
    void envelopesParseOrAreRejectedAndRoundTrip(byte[] data) {
        Envelope envelope;
        try {
            envelope = PARSER.parse(Unpooled.wrappedBuffer(data));
        } catch (EnvelopeParseException rejected) {
            return;
        }
        try {
            ByteBuf written = EnvelopeWriter.write(envelope, ByteBufAllocator.DEFAULT);
            try {
                Envelope again = PARSER.parse(written);
                try {
                    assertThat(again.items()).hasSameSizeAs(envelope.items());
                    for (int i = 0; i < again.items().size(); i++) {
                        assertThat(again.items().get(i).payload()).isEqualTo(envelope.items().get(i).payload());
                    }
                } finally {
                    again.release();
                }
            } catch (EnvelopeParseException e) {
                throw new AssertionError("what the parser read does not parse once written: " + e.getMessage(), e);
            } finally {
                written.release();
            }
        } finally {
            envelope.release();
        }
    }

    /**
     * The splice never throws, and never makes a valid document invalid: it inserts ASCII and keeps every other byte,
     * so what it answers for a valid UTF-8 JSON document parses. (An invalid input may stay invalid: Relay refuses it.)
     */
    @FuzzTest(maxDuration = "10m")
    void theSpliceAnswersValidJsonOrNothing(byte[] data) {
        byte[] spliced = JsonSplice.ensureField(data, 0, data.length, List.of("contexts", "replay"), "replay_id",
                "\"0123456789abcdef0123456789abcdef\"");
        byte[] appended = JsonSplice.appendStrings(data, 0, data.length, "error_ids",
                List.of("0123456789abcdef0123456789abcdef"));
        if (!validJson(data)) {
            return;
        }
        for (byte[] out : new byte[][] {spliced, appended}) {
            if (out != null && !validJson(out)) {
                throw new AssertionError("the splice made a valid document invalid: "
                        + new String(out, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
    }

    /** Strict UTF-8, one JSON value, nothing after it. */
    static boolean validJson(byte[] bytes) {
        try {
            java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
        try (var p = new com.fasterxml.jackson.core.JsonFactory().createParser(bytes)) {
            if (p.nextToken() == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    @FuzzTest(maxDuration = "10m")
    void gzipBodiesDecodeOrAreRejected(byte[] data) {
        try (java.io.InputStream in = io.replaylink.ingest.ContentDecodingAccess.gzip(data)) {
            byte[] buffer = new byte[8192];
            long total = 0;
            int n;
            while ((n = in.read(buffer)) >= 0 && total < 1 << 20) {
                total += n;
            }
        } catch (java.io.IOException rejected) {
            // a typed rejection (400)
        }
    }

    /**
     * The event-facts reader never throws (malformed JSON yields what was read before it), reads the same facts from a
     * heap array and from a direct buffer, and any replay or trace id it lifts is normalised or refused by the caller;
     * the replay slot it finds on the way splices what {@code JsonSplice} splices.
     */
    @FuzzTest(maxDuration = "10m")
    void eventFactsAreReadFromAnyBytes(byte[] data) {
        io.replaylink.replay.EventFacts heap = io.replaylink.replay.EventFactsReader.read(java.nio.ByteBuffer.wrap(data));
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(data.length).put(data).flip();
        io.replaylink.replay.EventFacts fromDirect = io.replaylink.replay.EventFactsReader.read(direct.asReadOnlyBuffer());
        assertThat(fromDirect).isEqualTo(heap);
        for (String id : new String[] {heap.contextReplayId(), heap.tagReplayId(), heap.baggageReplayId(),
                heap.contextTraceId()}) {
            String normalised = io.replaylink.envelope.Uuids.normalize(id);
            assertThat(normalised == null || normalised.matches("[0-9a-f]{32}")).as(id).isTrue();
        }
        byte[] spliced = io.replaylink.replay.JsonSplice.ensureField(data, 0, data.length,
                java.util.List.of("contexts", "replay"), "replay_id", "\"0123456789abcdef0123456789abcdef\"");
        if (heap.replaySlot() == null) {
            assertThat(spliced).isNull();
        } else {
            assertThat(io.replaylink.testing.SlotSplice.apply(heap.replaySlot(), java.nio.ByteBuffer.wrap(data),
                    "0123456789abcdef0123456789abcdef"))
                    .isEqualTo(spliced);
        }
    }

    /**
     * {@code baggage} and {@code sentry-trace} headers of any text: a value or nothing, never an exception; a trace
     * id is 32 lowercase hex digits.
     */
    @FuzzTest(maxDuration = "10m")
    void propagationHeadersYieldIdsOrNothing(byte[] bytes) {
        String header = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        java.util.Optional<String> replay = io.replaylink.replay.Baggage.value(header, "sentry-replay_id");
        assertThat(replay).isNotNull();
        String traceId = io.replaylink.replay.SentryTrace.traceId(header);
        assertThat(traceId == null || traceId.matches("[0-9a-f]{32}")).as(header).isTrue();
    }
}
