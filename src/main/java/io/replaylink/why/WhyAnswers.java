package io.replaylink.why;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.replaylink.spi.ReplayIndex.PendingEvent;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/** The why-API's answers as JSON, each with a sentence a person reads ("linked by backfill to replay … 4.2 s after"). */
public final class WhyAnswers {
    private static final JsonFactory JSON = new JsonFactory();

    private WhyAnswers() {
    }

    public static String event(WhyService.EventAnswer a, long nowMillis) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("event_id", a.eventId());
            g.writeBooleanField("known", a.known());
            LinkNote n = a.note();
            if (n != null) {
                g.writeBooleanField("linked", n.linked());
                g.writeStringField("trace_id", n.traceId());
                g.writeNumberField("project_id", n.projectId());
                g.writeStringField("level", n.level());
                g.writeStringField("replay_id", n.replayId());
                g.writeStringField("path", n.path());
                g.writeStringField("form", n.form());
                g.writeStringField("reason", a.reason());
                UnlinkedReason reason = UnlinkedReason.of(a.reason());
                g.writeStringField("reason_text", reason == null ? null : reason.sentence);
                g.writeStringField("noted_at", iso(n.atMillis()));
                g.writeStringField("noted_by", n.by());
                g.writeStringField("event_at", n.eventAt() > 0 ? iso((long) (n.eventAt() * 1000)) : null);
                g.writeStringField("expires_at", n.expiresAt() > 0 ? iso(n.expiresAt()) : null);
                g.writeStringField("replay_now", a.replayNow());
                if (a.otherOrganization() != null) {
                    g.writeNumberField("other_organization", a.otherOrganization());
                }
                if (a.learned() != null) {
                    g.writeObjectFieldStart("replay_learned");
                    learned(g, a.learned());
                    g.writeEndObject();
                }
            }
            g.writeStringField("sentence", sentence(a, nowMillis));
            g.writeEndObject();
        });
    }

    public static String trace(WhyService.TraceAnswer t, WhyService service, long nowMillis) {
        return json(g -> {
            g.writeStartObject();
            g.writeStringField("trace_id", t.traceId());
            g.writeStringField("replay_id", t.replayId());
            if (t.learned() != null) {
                g.writeObjectFieldStart("replay_learned");
                learned(g, t.learned());
                g.writeEndObject();
            } else {
                g.writeNullField("replay_learned");
            }
            g.writeArrayFieldStart("waiting");
            for (PendingEvent e : t.waiting()) {
                Optional<LinkNote> note = t.notes().stream().filter(n -> n.eventId().equals(e.eventId())).findFirst();
                g.writeStartObject();
                g.writeStringField("event_id", e.eventId());
                g.writeStringField("level", e.level());
                g.writeNumberField("project_id", e.projectId());
                g.writeNumberField("age_secs", Math.max(0, Math.round(nowMillis / 1000.0 - e.timestamp())));
                g.writeStringField("expires_at", iso(service.expiresAt(e, note)));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("links");
            for (LinkNote n : t.notes()) {
                if (n.linked()) {
                    g.writeStartObject();
                    g.writeStringField("event_id", n.eventId());
                    g.writeStringField("replay_id", n.replayId());
                    g.writeStringField("path", n.path());
                    g.writeStringField("form", n.form());
                    g.writeStringField("at", iso(n.atMillis()));
                    g.writeStringField("by", n.by());
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeArrayFieldStart("unlinked");
            for (LinkNote n : t.notes()) {
                if (!n.linked() && t.waiting().stream().noneMatch(e -> e.eventId().equals(n.eventId()))) {
                    g.writeStartObject();
                    g.writeStringField("event_id", n.eventId());
                    g.writeStringField("reason", n.reason());
                    g.writeStringField("at", iso(n.atMillis()));
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeStringField("sentence", sentence(t));
            g.writeEndObject();
        });
    }

    private static void learned(JsonGenerator g, ReplayLearned l) throws IOException {
        g.writeStringField("replay_id", l.replayId());
        g.writeStringField("source", l.source());
        g.writeStringField("at", iso(l.atMillis()));
        g.writeStringField("by", l.by());
    }

    /** The answer as a person would say it. */
    public static String sentence(WhyService.EventAnswer a, long nowMillis) {
        LinkNote n = a.note();
        if (n == null) {
            return "unknown: no note of event " + a.eventId() + " (it did not reach ReplayLink with the replay-linker, "
                    + "it is a transaction, or its note expired: index note_ttl_secs)";
        }
        if (n.linked()) {
            StringBuilder s = new StringBuilder("linked by ").append(n.path()).append(" to replay ").append(n.replayId());
            if (("backfill".equals(n.path()) || "late".equals(n.path())) && n.eventAt() > 0) {
                s.append(String.format(Locale.ROOT, " %.1f s after the event",
                        Math.max(0, n.atMillis() / 1000.0 - n.eventAt())));
            }
            s.append(switch (String.valueOf(n.path())) {
                case "dsc" -> " (its envelope's dynamic sampling context carried the replay id)";
                case "context" -> " (its contexts.replay or replayId tag carried it)";
                case "baggage" -> " (sentry-replay_id in the baggage header its service received)";
                case "index" -> " (its trace's replay was already known to the index)";
                case "held" -> " (held back until its trace's replay became known)";
                case "backfill" -> " (the replay was learned after the event"
                        + (a.learned() != null ? ", from a " + a.learned().source() : "") + ")";
                case "late" -> " (the index answered after the lookup timeout)";
                default -> "";
            });
            if (n.form() != null) {
                s.append(", delivered as ").append("error_ids".equals(n.form())
                        ? "error_ids of a replay_event of the replay" : "an event_link message");
            }
            return s.append(", by ").append(n.by()).toString();
        }
        UnlinkedReason reason = UnlinkedReason.of(a.reason());
        StringBuilder s = new StringBuilder("not linked: ").append(reason == null ? a.reason() : reason.sentence);
        if (reason == UnlinkedReason.WAITING && n.expiresAt() > 0) {
            s.append(String.format(Locale.ROOT, " until %s (%d min from now)", iso(n.expiresAt()),
                    Math.max(0, (n.expiresAt() - nowMillis) / 60_000)));
        }
        if (reason == UnlinkedReason.OTHER_ORGANIZATION) {
            s.append(" (organisation ").append(a.otherOrganization()).append(")");
        }
        return s.toString();
    }

    static String sentence(WhyService.TraceAnswer t) {
        long links = t.notes().stream().filter(LinkNote::linked).count();
        if (t.replayId() == null) {
            return "no replay known for trace " + t.traceId() + "; " + t.waiting().size() + " event(s) waiting for one";
        }
        return "trace " + t.traceId() + " belongs to replay " + t.replayId()
                + (t.learned() != null ? " (learned from a " + t.learned().source() + " by " + t.learned().by() + ")"
                : "") + "; " + links + " event(s) linked, " + t.waiting().size() + " waiting";
    }

    static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }

    private interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private static String json(Writer w) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            w.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
