package io.replaylink.forward.kafka;

import io.replaylink.envelope.Uuids;
import io.replaylink.spi.OutgoingEnvelope;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * An envelope as the Kafka messages Relay's store service produces for it ({@code relay-server/src/services/
 * store.rs}): msgpack with named fields where Relay uses {@code rmp_serde::to_vec_named}, JSON where it uses
 * serde_json, Relay's field order and message keys (the event or replay id as its 16 UUID bytes).
 *
 * <ul>
 *   <li>an event, transaction or security item: an {@code event} message to {@code ingest-transactions} (a
 *       transaction), {@code ingest-attachments} (an event whose envelope has attachments or a user report: its
 *       consumer must see the attachments first) or {@code ingest-events}; attachments of an error event are embedded
 *       as chunked attachments and sent before it as {@code attachment_chunk} messages of at most
 *       {@code attachment_chunk_size} bytes;</li>
 *   <li>attachments without an error event: {@code attachment} messages, inline below the chunk size;</li>
 *   <li>{@code user_report}: a {@code user_report} message to {@code ingest-attachments};
 *       {@code feedback}: an {@code event} message to {@code ingest-feedback-events};</li>
 *   <li>{@code replay_event}: the JSON replay-event message on {@code ingest-replay-events};
 *       {@code replay_recording}: a {@code replay_recording_not_chunked} message on
 *       {@code ingest-replay-recordings};</li>
 *   <li>anything else: the whole envelope on the {@code other} topic.</li>
 * </ul>
 */
final class RelayKafkaMessages {
    private static final Set<String> EVENT_TYPES = Set.of("event", "transaction", "security", "raw_security", "nel");
    private static final Set<String> HANDLED = Set.of("event", "transaction", "security", "raw_security", "nel",
            "attachment", "user_report", "feedback", "replay_event", "replay_recording");

    /** One Kafka record; {@code key} may be null. */
    record Message(String topic, byte[] key, byte[] value) {
    }

    /** What Relay knows besides the envelope: time, retention, organisation, chunk size. */
    record Context(long nowSeconds, int retentionDays, long organizationId, int attachmentChunkSize,
                   String remoteAddr) {
    }

    private RelayKafkaMessages() {
    }

    static List<Message> of(OutgoingEnvelope envelope, KafkaTopics topics, Context ctx) {
        List<Message> out = new ArrayList<>();
        List<OutgoingEnvelope.Item> items = envelope.items();
        String envelopeEventId = envelope.eventId().map(Uuids::normalize).orElse(null);
        OutgoingEnvelope.Item eventItem = null;
        boolean slowItems = false;
        boolean other = false;
        for (OutgoingEnvelope.Item item : items) {
            if (eventItem == null && EVENT_TYPES.contains(item.type())) {
                eventItem = item;
            }
            slowItems |= item.type().equals("attachment") || item.type().equals("user_report");
            other |= !HANDLED.contains(item.type());
        }
        String eventId = envelopeEventId != null ? envelopeEventId : UUID.randomUUID().toString().replace("-", "");
        byte[] eventKey = uuidBytes(eventId);
        boolean individualAttachments = eventItem == null || eventItem.type().equals("transaction");
        List<byte[]> chunkedAttachments = new ArrayList<>();
        for (OutgoingEnvelope.Item item : items) {
            switch (item.type()) {
                case "attachment" -> {
                    String id = UUID.randomUUID().toString();
                    byte[] payload = bytes(item.payload());
                    boolean inline = individualAttachments && payload.length < ctx.attachmentChunkSize();
                    int chunks = 0;
                    if (!inline && payload.length > 0) {
                        for (int off = 0; off < payload.length; off += ctx.attachmentChunkSize()) {
                            int len = Math.min(ctx.attachmentChunkSize(), payload.length - off);
                            out.add(new Message(topics.attachments(), eventKey,
                                    attachmentChunk(payload, off, len, eventId, envelope.projectId(), id, chunks)));
                            chunks++;
                        }
                    }
                    byte[] attachment = chunkedAttachment(item, id, payload, inline, chunks);
                    if (individualAttachments) {
                        out.add(new Message(topics.attachments(), eventKey,
                                attachmentMessage(eventId, envelope.projectId(), attachment)));
                    } else {
                        chunkedAttachments.add(attachment);
                    }
                }
                case "user_report" -> out.add(new Message(topics.attachments(), eventKey,
                        userReport(envelope.projectId(), ctx.nowSeconds(), bytes(item.payload()))));
                case "feedback" -> out.add(new Message(topics.feedback(), eventKey,
                        event(bytes(item.payload()), ctx.nowSeconds(), eventId, envelope.projectId(),
                                ctx.remoteAddr(), List.of())));
                case "replay_event" -> out.add(new Message(topics.replayEvents(), eventKey,
                        replayEvent(bytes(item.payload()), ctx.nowSeconds(), eventId, envelope.projectId(),
                                ctx.retentionDays())));
                case "replay_recording" -> {
                    byte[] replayEvent = items.stream().filter(i -> i.type().equals("replay_event")).findFirst()
                            .map(i -> bytes(i.payload())).orElse(null);
                    out.add(new Message(topics.replayRecordings(), null, replayRecording(eventId, ctx,
                            envelope.projectId(), bytes(item.payload()), replayEvent)));
                }
                default -> {
                }
            }
        }
        if (eventItem != null) {
            String topic = eventItem.type().equals("transaction") ? topics.transactions()
                    : slowItems ? topics.attachments() : topics.events();
            out.add(new Message(topic, eventKey, event(bytes(eventItem.payload()), ctx.nowSeconds(), eventId,
                    envelope.projectId(), ctx.remoteAddr(), chunkedAttachments)));
        }
        if (other) {
            out.add(new Message(topics.other(), envelopeEventId == null ? null : eventKey, bytes(envelope.body())));
        }
        return out;
    }

    static byte[] event(byte[] payload, long startTime, String eventId, long projectId, String remoteAddr,
                        List<byte[]> attachments) {
        return pack(payload.length + attachments.stream().mapToInt(a -> a.length).sum(), p -> {
            p.packMapHeader(7);
            p.packString("type").packString("event");
            p.packString("payload").packBinaryHeader(payload.length).writePayload(payload);
            p.packString("start_time").packLong(startTime);
            p.packString("event_id").packString(eventId);
            p.packString("project_id").packLong(projectId);
            p.packString("remote_addr");
            if (remoteAddr == null) {
                p.packNil();
            } else {
                p.packString(remoteAddr);
            }
            p.packString("attachments").packArrayHeader(attachments.size());
            for (byte[] a : attachments) {
                p.writePayload(a);
            }
        });
    }

    /** Relay's ChunkedAttachment: id, name, rate_limited, content_type (when set), attachment_type, size, then
     * {@code data} (inline) or {@code chunks}. */
    static byte[] chunkedAttachment(OutgoingEnvelope.Item item, String id, byte[] payload, boolean inline, int chunks) {
        Map<String, Object> h = item.header();
        String name = h.get("filename") instanceof String s ? s : "Unnamed Attachment";
        String contentType = h.get("content_type") instanceof String s ? s : null;
        String attachmentType = h.get("attachment_type") instanceof String s ? s : "event.attachment";
        return pack(inline ? payload.length : 0, p -> {
            p.packMapHeader(contentType == null ? 6 : 7);
            p.packString("id").packString(id);
            p.packString("name").packString(name);
            p.packString("rate_limited").packBoolean(false);
            if (contentType != null) {
                p.packString("content_type").packString(contentType);
            }
            p.packString("attachment_type").packString(attachmentType);
            p.packString("size").packLong(payload.length);
            if (inline) {
                p.packString("data").packBinaryHeader(payload.length).writePayload(payload);
            } else {
                p.packString("chunks").packLong(chunks);
            }
        });
    }

    static byte[] attachmentChunk(byte[] payload, int off, int len, String eventId, long projectId, String id,
                                  int index) {
        return pack(len, p -> {
            p.packMapHeader(6);
            p.packString("type").packString("attachment_chunk");
            p.packString("payload").packBinaryHeader(len).writePayload(payload, off, len);
            p.packString("event_id").packString(eventId);
            p.packString("project_id").packLong(projectId);
            p.packString("id").packString(id);
            p.packString("chunk_index").packLong(index);
        });
    }

    static byte[] attachmentMessage(String eventId, long projectId, byte[] chunkedAttachment) {
        return pack(chunkedAttachment.length, p -> {
            p.packMapHeader(4);
            p.packString("type").packString("attachment");
            p.packString("event_id").packString(eventId);
            p.packString("project_id").packLong(projectId);
            p.packString("attachment");
            p.writePayload(chunkedAttachment);
        });
    }

    static byte[] userReport(long projectId, long startTime, byte[] payload) {
        return pack(payload.length, p -> {
            p.packMapHeader(4);
            p.packString("type").packString("user_report");
            p.packString("project_id").packLong(projectId);
            p.packString("start_time").packLong(startTime);
            p.packString("payload").packBinaryHeader(payload.length).writePayload(payload);
        });
    }

    /** JSON: {@code {"payload":[bytes],"start_time","replay_id","project_id","retention_days"}}. */
    static byte[] replayEvent(byte[] payload, long startTime, String replayId, long projectId, int retentionDays) {
        StringBuilder s = new StringBuilder(payload.length * 4 + 128).append("{\"payload\":[");
        for (int i = 0; i < payload.length; i++) {
            if (i > 0) {
                s.append(',');
            }
            s.append(payload[i] & 0xff);
        }
        s.append("],\"start_time\":").append(startTime).append(",\"replay_id\":\"").append(replayId)
                .append("\",\"project_id\":").append(projectId).append(",\"retention_days\":").append(retentionDays)
                .append('}');
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] replayRecording(String replayId, Context ctx, long projectId, byte[] payload, byte[] replayEvent) {
        return pack(payload.length + (replayEvent == null ? 0 : replayEvent.length), p -> {
            p.packMapHeader(11);
            p.packString("type").packString("replay_recording_not_chunked");
            p.packString("replay_id").packString(replayId);
            p.packString("key_id").packNil();
            p.packString("org_id").packLong(ctx.organizationId());
            p.packString("project_id").packLong(projectId);
            p.packString("received").packLong(ctx.nowSeconds());
            p.packString("retention_days").packInt(ctx.retentionDays());
            p.packString("payload").packBinaryHeader(payload.length).writePayload(payload);
            p.packString("replay_event");
            if (replayEvent == null) {
                p.packNil();
            } else {
                p.packBinaryHeader(replayEvent.length).writePayload(replayEvent);
            }
            p.packString("replay_video").packNil();
            // the replay event went to ingest-replay-events already: the recording consumer must not publish it
            p.packString("relay_snuba_publish_disabled").packBoolean(false);
        });
    }

    /** A 32-hex id as the 16 bytes Relay keys messages with ({@code u128::to_be_bytes}). */
    static byte[] uuidBytes(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    private interface PackWork {
        void write(MessageBufferPacker p) throws IOException;
    }

    /** Packs into one buffer sized for the message ({@code payloadBytes} plus the fields), not 8 KiB chunks. */
    private static byte[] pack(int payloadBytes, PackWork work) {
        try (MessageBufferPacker p = MessagePack.DEFAULT_PACKER_CONFIG.withBufferSize(payloadBytes + 512)
                .newBufferPacker()) {
            work.write(p);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
