package io.replaylink.forward;

import io.replaylink.envelope.Envelope;
import io.replaylink.spi.OutcomeMessage;
import io.replaylink.spi.ReplayLinkMessage;
import io.vertx.core.Context;
import io.vertx.core.Future;

import java.util.Map;
import java.util.Set;

/** Without a spool: everything goes straight to the sinks, and is taken when every sink asked took it. */
public final class DirectDelivery implements Delivery {
    private final Forwarder forwarder;

    public DirectDelivery(Forwarder forwarder) {
        this.forwarder = forwarder;
    }

    @Override
    public Taken envelope(long projectId, Envelope envelope, Map<String, String> forwardHeaders, Context context) {
        Forwarder.Sent sent = forwarder.forward(projectId, envelope, forwardHeaders, context, Set.of());
        return new Taken(sent.accepted(), sent.settled());
    }

    @Override
    public Future<Void> link(ReplayLinkMessage link, Context context) {
        return forwarder.sendLink(link, context, Set.of()).accepted();
    }

    @Override
    public Future<Void> outcome(OutcomeMessage outcome, Context context) {
        return forwarder.sendOutcome(outcome, context, Set.of()).accepted();
    }
}
