package io.replaylink.envelope;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads an envelope from a buffer as Relay does (develop docs "Envelopes"; Relay {@code Envelope::parse_bytes}):
 * a header line, then items, each a header line and a payload of {@code length} bytes or, without {@code length},
 * up to the next newline; a newline after the last payload is optional and {@code \r} belongs to the payload.
 * Whitespace before a header line is skipped. Header lines are read with jackson-core's streaming parser under the
 * configured limits; payloads are retained slices of the input, never copied or parsed.
 *
 * <p>Thread-safe and reusable.
 */
public final class EnvelopeParser {
    private final EnvelopeLimits limits;
    private final JsonFactory json;

    public EnvelopeParser(EnvelopeLimits limits) {
        this.limits = limits;
        this.json = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxJsonDepth())
                        .maxStringLength(limits.maxHeaderSize())
                        .maxNumberLength(100)
                        .build())
                .build();
    }

    public EnvelopeLimits limits() {
        return limits;
    }

    /**
     * Parses {@code body} from its reader index to its writer index without moving either. The returned envelope's
     * payloads are retained slices of {@code body}; the caller releases them with {@link Envelope#release()} and
     * still owns {@code body} itself. On error nothing stays retained.
     */
    public Envelope parse(ByteBuf body) throws EnvelopeParseException {
        int base = body.readerIndex();
        int end = body.writerIndex();
        if (base == end) {
            throw new EnvelopeParseException(new EnvelopeError.EmptyBody());
        }
        int pos = skipWhitespace(body, base, end);
        if (pos == end) {
            throw new EnvelopeParseException(new EnvelopeError.MissingHeader(pos - base));
        }
        HeaderLine envelopeLine = readHeaderLine(body, base, pos, end, -1);
        EnvelopeHeader header = new EnvelopeHeader(envelopeLine.fields, envelopeLine.raw);
        pos = envelopeLine.next;
        boolean trailingNewline = envelopeLine.newline;

        List<Item> items = new ArrayList<>();
        try {
            while (pos < end) {
                if (items.size() >= limits.maxItemCount()) {
                    throw new EnvelopeParseException(new EnvelopeError.TooManyItems(pos - base, limits.maxItemCount()));
                }
                int headerStart = skipWhitespace(body, pos, end);
                if (headerStart == end) {
                    throw new EnvelopeParseException(new EnvelopeError.UnexpectedEof(end - base, "an item header"));
                }
                int index = items.size();
                HeaderLine line = readHeaderLine(body, base, headerStart, end, index);
                ItemHeader itemHeader = itemHeader(line, base, headerStart, index);
                int payloadStart = line.next;
                int payloadEnd;
                var length = itemHeader.length();
                if (length.isPresent()) {
                    long declared = length.getAsLong();
                    checkItemSize(itemHeader, declared, base, headerStart, index);
                    long available = end - payloadStart;
                    if (declared > available) {
                        throw new EnvelopeParseException(new EnvelopeError.LengthOverflow(
                                headerStart - base, index, declared, available));
                    }
                    payloadEnd = payloadStart + (int) declared;
                    if (payloadEnd < end && body.getByte(payloadEnd) != '\n') {
                        throw new EnvelopeParseException(new EnvelopeError.MissingNewline(payloadEnd - base));
                    }
                } else {
                    int newline = payloadStart >= end ? -1 : body.indexOf(payloadStart, end, (byte) '\n');
                    payloadEnd = newline < 0 ? end : newline;
                    checkItemSize(itemHeader, payloadEnd - payloadStart, base, headerStart, index);
                }
                trailingNewline = payloadEnd < end;
                items.add(new Item(itemHeader, body.retainedSlice(payloadStart, payloadEnd - payloadStart)));
                pos = payloadEnd + 1;
            }
        } catch (EnvelopeParseException | RuntimeException e) {
            new Envelope(header, items, false).release();
            throw e;
        }
        return new Envelope(header, items, trailingNewline);
    }

    private void checkItemSize(ItemHeader header, long size, int base, int at, int index)
            throws EnvelopeParseException {
        long limit = limits.maxItemSize(header.type());
        if (limit < 0) {
            return;
        }
        long perElement = size;
        if (header.fields().get("item_count") instanceof Long count && count > 0) {
            perElement = size / count;
        }
        if (perElement > limit) {
            throw new EnvelopeParseException(new EnvelopeError.ItemTooLarge(
                    at - base, index, header.type().wireName(), size, limit));
        }
    }

    private static ItemHeader itemHeader(HeaderLine line, int base, int at, int index) throws EnvelopeParseException {
        Object type = line.fields.get("type");
        if (!(type instanceof String typeName)) {
            throw new EnvelopeParseException(new EnvelopeError.InvalidItemHeader(at - base, index,
                    type == null ? "missing field `type`" : "field `type` must be a string"));
        }
        Object length = line.fields.get("length");
        if (length != null && !(length instanceof Long l && l >= 0 && l <= Integer.MAX_VALUE)) {
            throw new EnvelopeParseException(new EnvelopeError.InvalidItemHeader(at - base, index,
                    "field `length` must be a whole number from 0 to " + Integer.MAX_VALUE + ", got " + length));
        }
        return new ItemHeader(ItemType.of(typeName), line.fields, line.raw);
    }

    private record HeaderLine(Map<String, Object> fields, byte[] raw, int next, boolean newline) {
    }

    /**
     * Reads one JSON object that starts at {@code start} and must be followed by a newline or the end; {@code
     * itemIndex} is -1 for the envelope header.
     */
    @SuppressWarnings("unchecked")
    private HeaderLine readHeaderLine(ByteBuf body, int base, int start, int end, int itemIndex)
            throws EnvelopeParseException {
        int searchEnd = (int) Math.min(end, (long) start + limits.maxHeaderSize() + 1);
        int newline = body.indexOf(start, searchEnd, (byte) '\n');
        int lineEnd = newline < 0 ? searchEnd : newline;
        if (newline < 0 && searchEnd < end || lineEnd - start > limits.maxHeaderSize()) {
            throw new EnvelopeParseException(new EnvelopeError.HeaderTooLarge(start - base, limits.maxHeaderSize()));
        }
        byte[] raw = ByteBufUtil.getBytes(body, start, lineEnd - start);
        Object value;
        int consumed;
        try (JsonParser parser = json.createParser(raw)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw invalid(base, start, itemIndex, first == null ? "expected a JSON object, got nothing"
                        : "expected a JSON object, got " + first.asString());
            }
            value = JsonValues.read(parser);
            consumed = (int) parser.currentLocation().getByteOffset();
        } catch (StreamConstraintsException e) {
            throw invalid(base, start, itemIndex, e.getOriginalMessage());
        } catch (NumberFormatException | ArithmeticException e) {
            // a number no Java type holds (1e9999999999): jackson throws this past its IOException
            throw invalid(base, start, itemIndex, "number out of range");
        } catch (IOException e) {
            String message = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe
                    ? jpe.getOriginalMessage() : e.getMessage();
            throw invalid(base, start, itemIndex, message);
        }
        if (consumed < raw.length) {
            throw new EnvelopeParseException(new EnvelopeError.MissingNewline(start + consumed - base));
        }
        boolean hasNewline = newline >= 0;
        return new HeaderLine((Map<String, Object>) value, raw, hasNewline ? newline + 1 : end, hasNewline);
    }

    private static EnvelopeParseException invalid(int base, int start, int itemIndex, String reason) {
        String firstLine = reason == null ? "malformed JSON" : reason.lines().findFirst().orElse(reason);
        return new EnvelopeParseException(itemIndex < 0
                ? new EnvelopeError.InvalidHeader(start - base, firstLine)
                : new EnvelopeError.InvalidItemHeader(start - base, itemIndex, firstLine));
    }

    private static int skipWhitespace(ByteBuf body, int from, int end) {
        int i = from;
        while (i < end) {
            byte b = body.getByte(i);
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                break;
            }
            i++;
        }
        return i;
    }
}
