package io.replaylink.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeHeader;
import io.replaylink.envelope.Item;
import io.replaylink.envelope.ItemHeader;
import io.replaylink.envelope.Uuids;

import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.InflaterInputStream;

/**
 * The legacy {@code /store/} endpoint's body as an envelope with one item, as Relay builds it ({@code
 * endpoints/store.rs}): a JSON event, or base64 of JSON, or base64 of zlib-deflated JSON (old SDKs). The item is
 * {@code transaction} when the event's {@code type} says so, else {@code event}; the envelope's {@code event_id} is
 * the event's, or a new one when it has none.
 */
final class StoreRequests {
    private static final JsonFactory JSON = new JsonFactory();

    private StoreRequests() {
    }

    /** Builds the envelope; {@code body} stays the caller's. */
    static Envelope toEnvelope(ByteBuf body, long maxEventSize) throws StoreException {
        ByteBuf json = decode(body, maxEventSize);
        try {
            if (json.readableBytes() > maxEventSize) {
                throw new StoreException(new IngestError.TooLarge("envelope exceeded size limits for type 'event': "
                        + json.readableBytes() + " bytes, the limit is " + maxEventSize, "event_size"));
            }
            String eventId = null;
            String type = null;
            try (JsonParser parser = JSON.createParser((InputStream) new ByteBufInputStream(json.duplicate()))) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    throw new StoreException(new IngestError.BadRequest(
                            "invalid JSON data: the event must be a JSON object", "json"));
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String field = parser.currentName();
                    JsonToken value = parser.nextToken();
                    if ("event_id".equals(field) && value == JsonToken.VALUE_STRING) {
                        eventId = parser.getText();
                    } else if ("type".equals(field) && value == JsonToken.VALUE_STRING) {
                        type = parser.getText();
                    } else {
                        parser.skipChildren();
                    }
                }
                if (parser.nextToken() != null) {
                    throw new StoreException(new IngestError.BadRequest(
                            "invalid JSON data: trailing characters after the event", "json"));
                }
            } catch (IOException e) {
                String message = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe
                        ? jpe.getOriginalMessage() : e.getMessage();
                throw new StoreException(new IngestError.BadRequest("invalid JSON data: " + message, "json"));
            }
            String id = eventId == null ? UUID.randomUUID().toString().replace("-", "") : Uuids.normalize(eventId);
            if (id == null) {
                throw new StoreException(new IngestError.BadRequest("invalid event id", "event_id"));
            }
            Map<String, Object> itemFields = new LinkedHashMap<>();
            itemFields.put("content_type", "application/json");
            ItemHeader itemHeader = ItemHeader.of("transaction".equals(type) ? "transaction" : "event", itemFields);
            return new Envelope(EnvelopeHeader.of(Map.of("event_id", id)),
                    List.of(new Item(itemHeader, json.retain())), true);
        } finally {
            json.release();
        }
    }

    private static ByteBuf decode(ByteBuf body, long maxEventSize) throws StoreException {
        if (!body.isReadable()) {
            throw new StoreException(new IngestError.BadRequest("empty request body", "empty"));
        }
        if (body.getByte(body.readerIndex()) == '{') {
            return body.retainedDuplicate();
        }
        byte[] decoded;
        try {
            String text = body.toString(java.nio.charset.StandardCharsets.US_ASCII).strip();
            decoded = Base64.getMimeDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new StoreException(new IngestError.BadRequest("invalid request body: not JSON and not base64",
                    "body"));
        }
        if (decoded.length > 0 && decoded[0] == '{') {
            return Unpooled.wrappedBuffer(decoded);
        }
        try (InputStream in = new InflaterInputStream(new java.io.ByteArrayInputStream(decoded))) {
            byte[] inflated = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxEventSize + 1));
            if (inflated.length == 0) {
                throw new StoreException(new IngestError.BadRequest("empty request body", "empty"));
            }
            return Unpooled.wrappedBuffer(inflated);
        } catch (IOException e) {
            throw new StoreException(new IngestError.BadRequest(
                    "invalid request body: base64 but not JSON or zlib (" + e.getMessage() + ")", "body"));
        }
    }

    static final class StoreException extends Exception {
        final IngestError error;

        StoreException(IngestError error) {
            super(error.detail(), null, false, false);
            this.error = error;
        }
    }

}
