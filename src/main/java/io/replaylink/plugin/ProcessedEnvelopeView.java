package io.replaylink.plugin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeHeader;
import io.replaylink.envelope.Item;
import io.replaylink.envelope.ItemHeader;
import io.replaylink.spi.ProcessedEnvelope;
import io.replaylink.spi.ProcessedItem;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The SPI's mutable view of an {@link Envelope}. Changes are recorded as new header records and payload buffers;
 * {@link #finish()} builds the resulting envelope and releases what it no longer uses. After that every mutation
 * throws, so a processor that completes late (on a thread of its own) cannot race the forwarder: mutations and
 * finish() are serialised on the view.
 */
final class ProcessedEnvelopeView implements ProcessedEnvelope {
    /**
     * A spliced payload of at most this many bytes is copied into one array; a larger one is a composite of slices of
     * the old payload around the new bytes (no copy of a large event).
     */
    static final int FLAT_SPLICE_MAX_BYTES = 64 * 1024;
    /** {@code -Dreplaylink.spliceSlices=true}: every splice a composite of slices, as before (for the A/B). */
    private static final boolean SPLICE_SLICES = Boolean.getBoolean("replaylink.spliceSlices");
    private final Envelope original;
    private final ProcessingRequest request;
    private final List<ItemView> all = new ArrayList<>();
    private final Map<String, Object> attributes = new HashMap<>();
    private final Map<String, Integer> drops = new HashMap<>();
    private final List<CompletionStage<?>> handOffs = new ArrayList<>();
    private final List<Function<Boolean, CompletionStage<?>>> beforeAnswer = new ArrayList<>();
    private EnvelopeHeader header;
    private boolean finished;

    private final io.replaylink.envelope.EnvelopeLimits limits;

    ProcessedEnvelopeView(Envelope original, ProcessingRequest request, io.replaylink.envelope.EnvelopeLimits limits) {
        this.limits = limits;
        this.original = original;
        this.request = request;
        this.header = original.header();
        for (Item item : original.items()) {
            all.add(new ItemView(item));
        }
    }

    @Override
    public long projectId() {
        return request.projectId();
    }

    @Override
    public long organizationId() {
        return request.organizationId();
    }

    @Override
    public Optional<String> publicKey() {
        return request.publicKey();
    }

    @Override
    public Optional<String> requestHeader(String name) {
        return Optional.ofNullable(request.header().apply(name));
    }

    @Override
    public Map<String, Object> header() {
        return header.fields();
    }

    @Override
    public synchronized void setHeader(String field, Object value) {
        checkOpen();
        header = header.with(field, value);
    }

    @Override
    public List<? extends ProcessedItem> items() {
        // a loop, not a stream: every processor asks for every envelope
        List<ItemView> kept = new ArrayList<>(all.size());
        for (ItemView i : all) {
            if (!i.dropped) {
                kept.add(i);
            }
        }
        return Collections.unmodifiableList(kept);
    }

    @Override
    public Map<String, Object> attributes() {
        return attributes;
    }

    @Override
    public synchronized void answerAfter(CompletionStage<?> handOff) {
        checkOpen();
        handOffs.add(handOff);
    }

    @Override
    public synchronized void beforeAnswer(Function<Boolean, CompletionStage<?>> action) {
        checkOpen();
        beforeAnswer.add(action);
    }

    /** What the answer waits for besides the envelope's delivery. */
    synchronized List<CompletionStage<?>> handOffs() {
        return List.copyOf(handOffs);
    }

    /** What is told whether the envelope and its hand-offs were accepted, before the client is answered. */
    synchronized List<Function<Boolean, CompletionStage<?>>> beforeAnswer() {
        return List.copyOf(beforeAnswer);
    }

    /** Items dropped by processors, by reason. */
    Map<String, Integer> drops() {
        return drops;
    }

    /** The envelope as the processors left it; releases dropped and replaced payloads. Called once. */
    synchronized Envelope finish() {
        finished = true;
        List<Item> kept = new ArrayList<>();
        boolean changed = header != original.header();
        for (ItemView view : all) {
            if (view.dropped) {
                view.current.payload().release();
                changed = true;
            } else {
                kept.add(view.current);
                changed |= view.current != view.original;
            }
        }
        return changed ? new Envelope(header, kept, original.trailingNewline()) : original;
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("the envelope was already forwarded; processors must finish in time");
        }
    }

    private final class ItemView implements ProcessedItem {
        final Item original;
        Item current;
        boolean dropped;

        ItemView(Item item) {
            this.original = item;
            this.current = item;
        }

        @Override
        public String type() {
            return current.type().wireName();
        }

        @Override
        public Map<String, Object> header() {
            return current.header().fields();
        }

        @Override
        public void setHeader(String field, Object value) {
            synchronized (ProcessedEnvelopeView.this) {
                setItemHeader(field, value);
            }
        }

        private void setItemHeader(String field, Object value) {
            checkOpen();
            if ("type".equals(field) || "length".equals(field)) {
                throw new IllegalArgumentException("`" + field + "` is maintained by the host");
            }
            ItemHeader changed = current.header().with(field, value);
            current = new Item(changed, current.payload());
        }

        @Override
        public ByteBuffer payload() {
            ByteBuf p = current.payload();
            return p.nioBuffer(p.readerIndex(), p.readableBytes()).asReadOnlyBuffer();
        }

        @Override
        public void setPayload(byte[] payload) {
            synchronized (ProcessedEnvelopeView.this) {
                replacePayload(payload);
            }
        }

        private void replacePayload(byte[] payload) {
            checkOpen();
            checkSize(payload.length);
            replaceWith(Unpooled.wrappedBuffer(payload));
        }

        /**
         * Without a copy: the new payload is a composite of the old one's bytes before and after the range (slices
         * that keep the request's body, as the old payload did) and {@code insert}.
         */
        @Override
        public void splicePayload(int offset, int remove, byte[] insert) {
            synchronized (ProcessedEnvelopeView.this) {
                checkOpen();
                ByteBuf old = current.payload();
                int length = old.readableBytes();
                java.util.Objects.checkFromIndexSize(offset, remove, length);
                long spliced = (long) length - remove + insert.length;
                checkSize(spliced);
                int from = old.readerIndex();
                if (spliced <= FLAT_SPLICE_MAX_BYTES && !SPLICE_SLICES) {
                    // one array: the sink copies the body once more anyway, and in a profile a composite of slices
                    // cost more to build, write and release than the copy (an A/B cannot tell them apart)
                    byte[] bytes = new byte[(int) spliced];
                    old.getBytes(from, bytes, 0, offset);
                    System.arraycopy(insert, 0, bytes, offset, insert.length);
                    old.getBytes(from + offset + remove, bytes, offset + insert.length, length - offset - remove);
                    replaceWith(Unpooled.wrappedBuffer(bytes));
                    return;
                }
                replaceWith(Unpooled.wrappedUnmodifiableBuffer(old.retainedSlice(from, offset),
                        Unpooled.wrappedBuffer(insert),
                        old.retainedSlice(from + offset + remove, length - offset - remove)));
            }
        }

        private void checkSize(long length) {
            long limit = limits.maxItemSize(current.type());
            if (limit >= 0 && length > limit) {
                throw new IllegalArgumentException("a " + type() + " payload of " + length
                        + " bytes is over its limit of " + limit + " bytes; the item stays as it was");
            }
        }

        private void replaceWith(ByteBuf payload) {
            current.payload().release();
            ItemHeader h = current.header().raw() == null ? current.header()
                    : current.header().withLength(payload.readableBytes());
            current = new Item(h, payload);
        }

        @Override
        public void drop(String reason) {
            synchronized (ProcessedEnvelopeView.this) {
                checkOpen();
                if (!dropped) {
                    dropped = true;
                    drops.merge(reason == null ? "unspecified" : reason, 1, Integer::sum);
                }
            }
        }
    }
}
