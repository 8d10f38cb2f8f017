package io.replaylink.envelope;

import java.util.List;
import java.util.Optional;

/**
 * A Sentry envelope: a header and items. {@code trailingNewline} remembers whether the body ended with a newline
 * after the last item, so that an unchanged envelope is written back byte for byte.
 *
 * <p>Ownership: the item payloads are retained buffers; the code that parsed the envelope owns it and calls
 * {@link #release()} exactly once. Copies made with {@code with...} share the payloads (they are not retained
 * again): only the last one is released.
 */
public record Envelope(EnvelopeHeader header, List<Item> items, boolean trailingNewline) {

    public Envelope {
        items = List.copyOf(items);
    }

    public Optional<String> eventId() {
        return header.eventId();
    }

    public Envelope withHeader(EnvelopeHeader newHeader) {
        return new Envelope(newHeader, items, trailingNewline);
    }

    public Envelope withItems(List<Item> newItems) {
        return new Envelope(header, newItems, trailingNewline);
    }

    /** Releases every item payload once. */
    public void release() {
        for (Item item : items) {
            if (item.payload().refCnt() > 0) {
                item.payload().release();
            }
        }
    }
}
