package io.replaylink.envelope;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A new payload length patches the header line as received where that is safe (its one {@code "length"} is the
 * field), and serialises the header anew otherwise; either way the line written is the header with the new length.
 */
class ItemHeaderTest {
    @Test
    void patchesTheLengthInTheLineAsReceived() throws Exception {
        ItemHeader header = itemHeader("{\"type\":\"event\", \"length\" : 12,\"filename\":\"a \\\"length\\\":3\"}");
        ItemHeader changed = header.withLength(2345);
        assertThat(changed.raw()).isNotNull();
        assertThat(new String(changed.raw(), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"event\", \"length\" : 2345,\"filename\":\"a \\\"length\\\":3\"}");
        assertThat(changed.length()).hasValue(2345);
        assertThat(changed.fields()).containsEntry("filename", "a \"length\":3");
        assertThat(itemHeader(new String(changed.raw(), StandardCharsets.UTF_8)).fields()).isEqualTo(changed.fields());
    }

    @Test
    void writesTheHeaderAnewWhenTheLineIsNotSafeToPatch() throws Exception {
        for (String line : List.of(
                "{\"type\":\"event\",\"length\":12,\"x\":{\"length\":5}}",
                "{\"type\":\"event\",\"x\":{\"length\":5}}",
                "{\"type\":\"event\"}")) {
            ItemHeader changed = itemHeader(line).withLength(99);
            assertThat(changed.raw()).as(line).isNull();
            assertThat(changed.length()).hasValue(99);
        }
    }

    private static ItemHeader itemHeader(String line) throws EnvelopeParseException {
        String envelope = "{}\n" + line + "\n";
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("^\\{\"type\":\"event\",\\s*\"length\"\\s*:\\s*(\\d+)")
                .matcher(line);
        envelope += "x".repeat(length.find() ? Integer.parseInt(length.group(1)) : 0) + "\n";
        Envelope parsed = new EnvelopeParser(EnvelopeLimits.relayDefaults())
                .parse(Unpooled.wrappedBuffer(envelope.getBytes(StandardCharsets.UTF_8)));
        ItemHeader header = parsed.items().get(0).header();
        parsed.release();
        return header;
    }
}
