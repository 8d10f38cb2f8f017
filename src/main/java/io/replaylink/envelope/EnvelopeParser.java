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
 * Reads an envelope from a buffer as Relay does (develop docs "Envelopes"; Relay {@code Envelope::parse_request}):
 * a header, then items, each a header and a payload of {@code length} bytes or, without {@code length}, up to the
 * next newline; a newline after the last payload is optional and {@code \r} belongs to the payload.
 * <ul>
 *   <li>A header is one JSON object, read as a stream: whitespace before it is skipped and it may span lines; the
 *   byte after it must be a newline or the end. A byte order mark is not whitespace. Header bytes must be strict
 *   UTF-8.</li>
 *   <li>Header fields Relay types are checked as Relay's serde types check them ({@link HeaderTypes}); a second
 *   occurrence of a typed field is an error, of another field the last one wins.</li>
 *   <li>Relay's per-type budgets ({@link ItemBudgets}) are checked once the whole envelope was read, so a malformed
 *   envelope is a 400 before it is a 413, as in Relay.</li>
 * </ul>
 * Headers are read with jackson-core's streaming parser under the configured limits; payloads are retained slices of
 * the input, never copied or parsed.
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
        ItemBudgets budgets = new ItemBudgets(limits);
        EnvelopeError overBudget = null;
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
                String problem = HeaderTypes.itemHeader(line.fields);
                if (problem != null) {
                    throw new EnvelopeParseException(new EnvelopeError.InvalidItemHeader(headerStart - base, index,
                            problem));
                }
                ItemHeader itemHeader = new ItemHeader(ItemType.of((String) line.fields.get("type")), line.fields,
                        line.raw);
                int payloadStart = line.next;
                int payloadEnd;
                var length = itemHeader.length();
                if (length.isPresent()) {
                    long declared = length.getAsLong();
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
                }
                ItemBudgets.Exceeded exceeded = budgets.charge(itemHeader, payloadEnd - payloadStart);
                if (exceeded != null && overBudget == null) {
                    overBudget = new EnvelopeError.ItemTooLarge(headerStart - base, index, exceeded.type(),
                            exceeded.what());
                }
                trailingNewline = payloadEnd < end;
                items.add(new Item(itemHeader, body.retainedSlice(payloadStart, payloadEnd - payloadStart)));
                pos = payloadEnd + 1;
            }
            if (overBudget != null) {
                throw new EnvelopeParseException(overBudget);
            }
        } catch (EnvelopeParseException | RuntimeException e) {
            new Envelope(header, items, false).release();
            throw e;
        }
        return new Envelope(header, items, trailingNewline);
    }

    private record HeaderLine(Map<String, Object> fields, byte[] raw, int next, boolean newline) {
    }

    /**
     * Reads one JSON object that starts at {@code start} and must be followed by a newline or the end; {@code
     * itemIndex} is -1 for the envelope header. The common case, a header on one line, parses just that line; a header
     * whose JSON goes on past its line is read again from the body, up to {@code max_header_size}.
     */
    private HeaderLine readHeaderLine(ByteBuf body, int base, int start, int end, int itemIndex)
            throws EnvelopeParseException {
        if (end - start >= 3 && body.getByte(start) == (byte) 0xef && body.getByte(start + 1) == (byte) 0xbb
                && body.getByte(start + 2) == (byte) 0xbf) {
            throw invalid(base, start, itemIndex, "expected value at line 1 column 1 (a byte order mark is not JSON)");
        }
        int limit = (int) Math.min(end, (long) start + limits.maxHeaderSize());
        int newline = body.indexOf(start, limit, (byte) '\n');
        byte[] raw = null;
        Parsed parsed = null;
        if (newline >= 0) {
            raw = ByteBufUtil.getBytes(body, start, newline - start);
            parsed = parseObject(raw, base, start, itemIndex, true);
        }
        if (parsed == null) {
            raw = ByteBufUtil.getBytes(body, start, limit - start);
            parsed = parseObject(raw, base, start, itemIndex, limit < end);
            if (parsed == null) {
                throw new EnvelopeParseException(new EnvelopeError.HeaderTooLarge(start - base,
                        limits.maxHeaderSize()));
            }
        }
        int after = start + parsed.consumed;
        if (after < end && body.getByte(after) != '\n') {
            throw new EnvelopeParseException(new EnvelopeError.MissingNewline(after - base));
        }
        int invalidUtf8 = StrictUtf8.firstInvalid(raw, 0, parsed.consumed);
        if (invalidUtf8 >= 0) {
            throw invalid(base, start, itemIndex, "invalid UTF-8 at byte " + (start + invalidUtf8 - base));
        }
        String problem = itemIndex < 0 ? HeaderTypes.envelopeHeader(parsed.fields) : null;
        if (problem != null) {
            throw invalid(base, start, itemIndex, problem);
        }
        byte[] exact = parsed.consumed == raw.length ? raw : java.util.Arrays.copyOf(raw, parsed.consumed);
        // a header that spans lines is written anew on one line: what follows a sidecar reads lines
        boolean oneLine = true;
        for (byte b : exact) {
            if (b == '\n' || b == '\r') {
                oneLine = false;
                break;
            }
        }
        return new HeaderLine(parsed.fields, oneLine ? exact : null, after < end ? after + 1 : end, after < end);
    }

    private record Parsed(Map<String, Object> fields, int consumed) {
    }

    /**
     * Parses the JSON object at the start of {@code raw}; null when the input ends inside it and {@code mayGoOn} (the
     * object may continue past {@code raw}).
     */
    private Parsed parseObject(byte[] raw, int base, int start, int itemIndex, boolean mayGoOn)
            throws EnvelopeParseException {
        try (JsonParser parser = json.createParser(raw)) {
            JsonToken first = parser.nextToken();
            if (first == null && mayGoOn) {
                return null;
            }
            if (first != JsonToken.START_OBJECT) {
                throw invalid(base, start, itemIndex, first == null ? "expected a JSON object, got nothing"
                        : "expected a JSON object, got " + first.asString());
            }
            Map<String, Object> fields = readObject(parser,
                    itemIndex < 0 ? HeaderTypes.ENVELOPE_FIELDS : HeaderTypes.ITEM_FIELDS);
            long consumed = parser.currentLocation().getByteOffset();
            if (consumed <= 0 || consumed > raw.length) {
                throw invalid(base, start, itemIndex, "malformed JSON");
            }
            return new Parsed(fields, (int) consumed);
        } catch (com.fasterxml.jackson.core.io.JsonEOFException e) {
            if (mayGoOn) {
                return null;
            }
            throw invalid(base, start, itemIndex, e.getOriginalMessage());
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
    }

    /** The header object's fields in order; a typed field sent twice is an error (serde's "duplicate field"). */
    private static Map<String, Object> readObject(JsonParser parser, java.util.Set<String> typed) throws IOException {
        Map<String, Object> map = new java.util.LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            Object value = JsonValues.read(parser);
            if (map.containsKey(name) && typed.contains(name)) {
                throw new com.fasterxml.jackson.core.JsonParseException(parser, "duplicate field `" + name + "`");
            }
            map.put(name, value);
        }
        if (parser.currentToken() != JsonToken.END_OBJECT) {
            // the input ended inside the object (jackson answers no token rather than an error for some ends)
            throw new com.fasterxml.jackson.core.io.JsonEOFException(parser, null, "unexpected end of input in an object");
        }
        return java.util.Collections.unmodifiableMap(map);
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
