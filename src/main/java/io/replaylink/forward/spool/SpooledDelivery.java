package io.replaylink.forward.spool;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeWriter;
import io.replaylink.forward.Delivery;
import io.replaylink.spi.OutcomeMessage;
import io.replaylink.spi.ReplayLinkMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;

import java.util.Map;
import java.util.function.LongSupplier;

/**
 * With the spool: everything is taken once it is written there (the envelope serialised once, here), and the
 * {@link SpoolDrain} delivers it to the sinks, across outages and restarts. A full spool fails with {@link
 * Spool.SpoolFullException}.
 */
public final class SpooledDelivery implements Delivery {
    private final Spool spool;
    private final Runnable appended;
    private final LongSupplier clockMillis;

    /** {@code appended}: told after each append, so the drain reads it at once. */
    public SpooledDelivery(Spool spool, Runnable appended, LongSupplier clockMillis) {
        this.spool = spool;
        this.appended = appended;
        this.clockMillis = clockMillis;
    }

    @Override
    public Taken envelope(long projectId, Envelope envelope, Map<String, String> forwardHeaders, Context context) {
        ByteBuf body = EnvelopeWriter.write(envelope, ByteBufAllocator.DEFAULT);
        byte[] bytes;
        try {
            bytes = ByteBufUtil.getBytes(body);
        } finally {
            body.release();
        }
        return new Taken(append(SpoolRecord.envelope(projectId, clockMillis.getAsLong(), forwardHeaders, bytes),
                context), Future.succeededFuture());
    }

    @Override
    public Future<Void> link(ReplayLinkMessage link, Context context) {
        return append(SpoolRecord.link(link, clockMillis.getAsLong()), context);
    }

    @Override
    public Future<Void> outcome(OutcomeMessage outcome, Context context) {
        return append(SpoolRecord.outcome(outcome, clockMillis.getAsLong()), context);
    }

    private Future<Void> append(SpoolRecord record, Context context) {
        return Future.fromCompletionStage(spool.append(record), context).onSuccess(v -> appended.run());
    }
}
