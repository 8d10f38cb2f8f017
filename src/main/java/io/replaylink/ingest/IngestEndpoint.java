package io.replaylink.ingest;

import io.netty.buffer.ByteBuf;
import io.replaylink.config.ReplayLinkConfig;
import io.replaylink.envelope.Envelope;
import io.replaylink.envelope.EnvelopeParseException;
import io.replaylink.envelope.EnvelopeParser;
import io.replaylink.envelope.Item;
import io.replaylink.envelope.Uuids;
import io.replaylink.envelope.ItemType;
import io.replaylink.forward.Delivery;
import io.replaylink.loop.LoopDeadlines;
import io.replaylink.metrics.Metrics;
import io.replaylink.plugin.ProcessingRequest;
import io.replaylink.plugin.ProcessorChain;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /api/{project}/envelope/} and {@code /store/}: read the body within its limits, decode it, parse it,
 * authorise it, process it, deliver it (and what processing handed off beside it) through the {@link Delivery},
 * answer. The endpoint owns the request's buffers and releases them in one place ({@link Request#cleanUp()}) once
 * the delivery is done with them; every error becomes an {@link IngestError} and is answered by {@link HttpAnswers}.
 */
final class IngestEndpoint {
    private static final System.Logger LOG = System.getLogger(IngestEndpoint.class.getName());

    enum Kind {
        ENVELOPE("envelope"), STORE("store");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private static final long LINGER_BYTES = 1024 * 1024;
    private static final long LINGER_MS = 2000;

    private final Vertx vertx;
    private final ReplayLinkConfig config;
    private final EnvelopeParser parser;
    private final ProcessorChain processors;
    private final Delivery delivery;
    private final Metrics metrics;
    private final InflightBudget budget;
    private final ClientFaultLog clientFaults = new ClientFaultLog(10_000, System::currentTimeMillis);
    /** Header trees up to this size are not charged to the budget (an SDK's headers are a few hundred bytes). */
    static final long TREE_BYTES_FREE = 256 * 1024;

    IngestEndpoint(Vertx vertx, ReplayLinkConfig config, EnvelopeParser parser, ProcessorChain processors,
                   Delivery delivery, Metrics metrics, InflightBudget budget) {
        this.vertx = vertx;
        this.config = config;
        this.parser = parser;
        this.processors = processors;
        this.delivery = delivery;
        this.metrics = metrics;
        this.budget = budget;
    }

    void handle(HttpServerRequest request, Kind kind, String projectSegment) {
        new Request(request, kind).start(projectSegment);
    }

    /** One request's state; {@link #cleanUp()} runs exactly once, after the answer and after the sinks. */
    private final class Request {
        final HttpServerRequest http;
        final Kind kind;
        final long started = System.nanoTime();
        final Context context = vertx.getOrCreateContext();
        final InflightBudget.Reservation reservation = budget.open();
        Envelope envelope;
        ProcessorChain.Outcome processed;
        boolean delivering;
        boolean cleanedUp;

        Request(HttpServerRequest http, Kind kind) {
            this.http = http;
            this.kind = kind;
        }

        void start(String projectSegment) {
            long projectId;
            Optional<SentryAuth> auth;
            ContentDecoding.Encoding encoding;
            ReplayLinkConfig.Project project;
            try {
                projectId = parseProjectId(projectSegment);
                auth = SentryAuth.fromRequest(http.headers(), http.query());
                encoding = ContentDecoding.parse(http.getHeader(HeaderNames.CONTENT_ENCODING));
                project = config.project(projectId);
                if (project == null) {
                    throw new Refusal(new IngestError.Forbidden(
                            "project " + projectId + " is not configured on this ReplayLink", "project"));
                }
                if (auth.isPresent()) {
                    checkKey(project, auth.get().publicKey());
                }
            } catch (SentryAuth.AuthException e) {
                failEarly(e.toError());
                return;
            } catch (ContentDecoding.UnsupportedEncodingError e) {
                failEarly(new IngestError.UnsupportedEncoding(e.encoding));
                return;
            } catch (Refusal e) {
                failEarly(e.error);
                return;
            }
            long limit = config.limits().maxRequestSize();
            BodyReader.read(http, limit, reservation, config.server().bodyTimeoutMs(), vertx)
                    .compose(raw -> decode(raw, encoding))
                    .compose(body -> parse(body))
                    .compose(parsed -> authorize(parsed, auth, project, projectId))
                    .compose(publicKey -> process(projectId, publicKey)
                            .compose(processed -> deliver(projectId, processed, publicKey)))
                    .transform(ar -> settle(ar.succeeded()).transform(v -> ar.succeeded()
                            ? Future.succeededFuture(ar.result()) : Future.<String>failedFuture(ar.cause())))
                    .onComplete(ar -> {
                        if (ar.succeeded()) {
                            answerOk(ar.result());
                        } else {
                            answerError(ar.cause());
                            if (!delivering) {
                                cleanUp();
                            }
                        }
                    });
        }

        private Future<ByteBuf> decode(ByteBuf raw, ContentDecoding.Encoding encoding) {
            long limit = config.limits().maxEnvelopeSize();
            int compressed = raw.readableBytes();
            return ContentDecoding.decode(vertx, encoding, raw, limit, reservation).andThen(ar -> raw.release())
                    .map(body -> {
                        metrics.bodyBytes(encoding.label, compressed, body.readableBytes());
                        return body;
                    });
        }

        /** Tells the processors, before the answer, whether the envelope and their hand-offs were accepted. */
        private Future<Void> settle(boolean accepted) {
            return processed == null ? Future.succeededFuture()
                    : processed.settle(accepted, context, config.server().processorTimeoutMs());
        }

        private Future<Envelope> parse(ByteBuf body) {
            try {
                String contentType = http.getHeader(HeaderNames.CONTENT_TYPE);
                boolean envelopeBody = kind == Kind.ENVELOPE
                        || contentType != null && contentType.startsWith("application/x-sentry-envelope");
                long bodyBytes = body.readableBytes();
                envelope = envelopeBody ? parser.parse(body)
                        : StoreRequests.toEnvelope(body, parser.limits().maxEventSize());
                // a header's parsed tree can be many times its bytes (2 MiB of tiny fields: ~30 MiB): a large one is
                // charged to the in-flight budget with the body, so bodies and trees together stay within it. A value
                // takes at least two bytes of JSON, so a body too small to hold a large tree is not walked.
                long treeBytes = bodyBytes / 2 * io.replaylink.envelope.JsonValues.BYTES_PER_VALUE <= TREE_BYTES_FREE
                        ? 0 : io.replaylink.envelope.JsonValues.treeBytes(envelope);
                if (treeBytes > TREE_BYTES_FREE && !reservation.grow(treeBytes)) {
                    throw new Refusal(new IngestError.Unavailable("too many request bodies in memory, retry later",
                            java.time.Duration.ofSeconds(1), "memory"));
                }
                for (Item item : envelope.items()) {
                    metrics.item(item.type(), "received", "ok");
                }
                return Future.succeededFuture(envelope);
            } catch (EnvelopeParseException e) {
                return Future.failedFuture(new Refusal(new IngestError.Malformed(e.error())));
            } catch (Refusal e) {
                return Future.failedFuture(e);
            } catch (StoreRequests.StoreException e) {
                return Future.failedFuture(new Refusal(e.error));
            } finally {
                body.release();
            }
        }

        /** Checks the envelope's {@code dsn} against the request (Relay: header mismatch); returns the key. */
        private Future<String> authorize(Envelope parsed, Optional<SentryAuth> auth, ReplayLinkConfig.Project project,
                                         long projectId) {
            try {
                Object dsnField = parsed.header().fields().get("dsn");
                Optional<String> dsn = parsed.header().dsn();
                if (dsnField != null && dsn.isEmpty()) {
                    // Relay: without credentials the dsn is the authentication (401), with them a typed field (400)
                    if (auth.isEmpty()) {
                        throw new SentryAuth.AuthException(401, "bad envelope authentication header: invalid dsn");
                    }
                    throw new Refusal(new IngestError.BadRequest("invalid envelope header: field `dsn`: expected a"
                            + " DSN string", "InvalidHeader"));
                }
                if (dsn.isEmpty()) {
                    if (auth.isEmpty()) {
                        throw new SentryAuth.AuthException(401, "missing authorization information");
                    }
                    return Future.succeededFuture(auth.get().publicKey());
                }
                SentryAuth.Dsn fromHeader;
                try {
                    fromHeader = SentryAuth.parseDsnCached(dsn.get());
                } catch (SentryAuth.AuthException e) {
                    if (auth.isEmpty()) {
                        throw e;
                    }
                    throw new Refusal(new IngestError.BadRequest("invalid envelope header: field `dsn`: not a DSN",
                            "InvalidHeader"));
                }
                if (fromHeader.projectId() != projectId) {
                    throw new Refusal(new IngestError.BadRequest("project id header mismatch between envelope and "
                            + "request: the dsn names project " + fromHeader.projectId() + ", the URL project "
                            + projectId, "header_mismatch"));
                }
                if (auth.isPresent() && !auth.get().publicKey().equals(fromHeader.publicKey())) {
                    throw new Refusal(new IngestError.BadRequest(
                            "public key header mismatch between envelope and request", "header_mismatch"));
                }
                checkKey(project, fromHeader.publicKey());
                return Future.succeededFuture(fromHeader.publicKey());
            } catch (SentryAuth.AuthException e) {
                return Future.failedFuture(new Refusal(e.toError()));
            } catch (Refusal e) {
                return Future.failedFuture(e);
            }
        }

        private Future<ProcessorChain.Outcome> process(long projectId, String publicKey) {
            ProcessingRequest meta = new ProcessingRequest(projectId, config.project(projectId).organizationId(),
                    Optional.of(publicKey), http::getHeader);
            Envelope input = envelope;
            envelope = null;
            return processors.run(input, meta, context).compose(outcome -> {
                envelope = outcome.envelope();
                processed = outcome;
                if (outcome.rejection() != null) {
                    return Future.failedFuture(new Refusal(new IngestError.Rejected(
                            outcome.rejection().status(), outcome.rejection().reason(), "processor")));
                }
                return Future.succeededFuture(outcome);
            });
        }

        /**
         * Hands the envelope to the delivery (unless processing dropped every item) and waits for it and for what the
         * processors handed off beside it. Answers the event id.
         */
        private Future<String> deliver(long projectId, ProcessorChain.Outcome processed, String publicKey) {
            List<ItemType> types = new ArrayList<>(envelope.items().size());
            for (Item item : envelope.items()) {
                types.add(item.type());
            }
            String eventId = envelope.eventId().map(Uuids::normalize).orElse(null);
            List<Future<?>> taken = new ArrayList<>();
            for (CompletionStage<?> handOff : processed.handOffs()) {
                taken.add(LoopDeadlines.timeout(Future.fromCompletionStage(handOff, context),
                                config.server().sinkTimeoutMs(), context)
                        .recover(e -> Future.failedFuture(new DeliveryFailures.HandOffFailed(e))));
            }
            if (types.isEmpty()) {
                // nothing left to forward (e.g. every item sampled out): accepted once the hand-offs are
                cleanUp();
            } else {
                Delivery.Taken delivered = delivery.envelope(projectId, envelope,
                        ForwardHeaders.of(http, publicKey), context);
                delivering = true;
                delivered.settled().onComplete(ar -> cleanUp());
                taken.add(0, delivered.accepted().onSuccess(v ->
                        types.forEach(type -> metrics.item(type, "forwarded", "ok"))));
            }
            return Future.all(taken).transform(ar -> {
                if (ar.failed()) {
                    // the first failure in order: the envelope's own before its hand-offs'
                    for (Future<?> f : taken) {
                        if (f.failed()) {
                            return Future.failedFuture(f.cause());
                        }
                    }
                    return Future.failedFuture(ar.cause());
                }
                return Future.succeededFuture(eventId);
            });
        }

        private void answerOk(String eventId) {
            HttpServerResponse response = http.response();
            if (!response.ended() && !response.closed()) {
                response.putHeader(HeaderNames.CONTENT_TYPE, HeaderNames.APPLICATION_JSON).end(HttpAnswers.idJson(eventId));
            }
            metrics.request(kind.label, "accepted", "ok", started);
        }

        private void answerError(Throwable cause) {
            IngestError error = toError(cause);
            if (error == null) {
                metrics.request(kind.label, "rejected", "client_closed", started);
                return;
            }
            if (envelope != null) {
                for (Item item : envelope.items()) {
                    metrics.item(item.type(), "rejected", error.reason());
                }
            }
            metrics.request(kind.label, "rejected", error.reason(), started);
            send(error);
        }

        private void failEarly(IngestError error) {
            metrics.request(kind.label, "rejected", error.reason(), started);
            send(error);
            cleanUp();
        }

        /**
         * Answers. When the body was not read to its end the connection cannot be reused: the answer says {@code
         * Connection: close}, and the rest of the body is read and discarded for a moment (at most {@link
         * #LINGER_BYTES} or {@link #LINGER_MS}) before closing, so the client reads the answer instead of a reset.
         */
        private void send(IngestError error) {
            int status = HttpAnswers.status(error);
            if (status >= 400 && status < 500 && status != 429) {
                clientFaults.fault(status, error.reason(), error.detail(), String.valueOf(http.remoteAddress()));
            }
            boolean unread = !http.isEnded() && http.version() != io.vertx.core.http.HttpVersion.HTTP_2;
            if (unread && !http.response().headWritten()) {
                http.response().putHeader("Connection", "close");
            }
            HttpAnswers.send(http.response(), error).onComplete(ar -> {
                if (unread) {
                    lingerThenClose();
                }
            });
        }

        private void lingerThenClose() {
            if (http.isEnded()) {
                http.connection().close();
                return;
            }
            long[] discarded = {0};
            long timer = vertx.setTimer(LINGER_MS, t -> http.connection().close());
            http.handler(chunk -> {
                discarded[0] += chunk.length();
                if (discarded[0] > LINGER_BYTES) {
                    vertx.cancelTimer(timer);
                    http.connection().close();
                }
            });
            http.endHandler(v -> {
                vertx.cancelTimer(timer);
                http.connection().close();
            });
            http.exceptionHandler(e -> vertx.cancelTimer(timer));
            http.resume();
        }

        private IngestError toError(Throwable cause) {
            if (cause instanceof Refusal r) {
                return r.error;
            }
            if (cause instanceof BodyReader.BodyRejected b) {
                return b.error;
            }
            if (cause instanceof ContentDecoding.DecodeFailure d) {
                return d.error;
            }
            IngestError delivery = DeliveryFailures.toError(cause);
            if (delivery != null) {
                return delivery;
            }
            if (http.response().closed() || cause instanceof io.vertx.core.http.HttpClosedException) {
                return null;
            }
            LOG.log(Level.ERROR, "unexpected failure while ingesting", cause);
            return new IngestError.Unavailable("internal error, retry later", Duration.ofSeconds(5), "internal");
        }

        void cleanUp() {
            if (cleanedUp) {
                return;
            }
            cleanedUp = true;
            if (envelope != null) {
                envelope.release();
                envelope = null;
            }
            reservation.close();
        }
    }

    private static long parseProjectId(String segment) throws Refusal {
        long id = AsciiNumbers.parse(segment);
        if (id > 0) {
            return id;
        }
        throw new Refusal(new IngestError.BadRequest("bad project path parameter", "project"));
    }

    private static void checkKey(ReplayLinkConfig.Project project, String publicKey) throws Refusal {
        if (!project.acceptsAnyKey() && !project.publicKeys().contains(publicKey)) {
            throw new Refusal(new IngestError.Forbidden(
                    "public key " + publicKey + " is not allowed for project " + project.id(), "public_key"));
        }
    }

    /** An {@link IngestError} travelling through the request's futures. */
    static final class Refusal extends Exception {
        final IngestError error;

        Refusal(IngestError error) {
            super(error.detail(), null, false, false);
            this.error = error;
        }
    }
}
