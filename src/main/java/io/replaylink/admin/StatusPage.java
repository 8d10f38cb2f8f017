package io.replaylink.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.replaylink.metrics.Metrics;
import io.replaylink.why.LinkRates;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The live status page ({@code GET /status}, self-contained HTML, no CDN) and its data ({@code GET /api/v1/status}).
 * Every {@link #SAMPLE_SECS} seconds the sidecar's own metrics are read (on a worker thread) into a ring of an hour's
 * samples (720, bounded); the JSON holds rates over the last 5 minutes and the hour, the per-sample series for the
 * page's small charts, the link share from {@link LinkRates} (late links in their error's window), index and sink
 * health. One instance's view.
 */
public final class StatusPage {
    static final int SAMPLE_SECS = 5;
    static final int SAMPLES = 3600 / SAMPLE_SECS + 1;
    static final String HTML = resource("status.html");

    private final Metrics metrics;
    private final ArrayDeque<Sample> history = new ArrayDeque<>();
    private long timer = -1;
    private Vertx vertx;

    /** One reading of the metrics: when (unix ms) and every series' value. */
    record Sample(long at, Map<String, Double> values) {
    }

    public StatusPage(Metrics metrics) {
        this.metrics = metrics;
    }

    public void start(Vertx vertx) {
        this.vertx = vertx;
        sample();
        timer = vertx.setPeriodic(SAMPLE_SECS * 1000L, id -> vertx.executeBlocking(() -> {
            sample();
            return null;
        }, false));
    }

    public void stop() {
        if (vertx != null && timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    void sample() {
        Sample s = new Sample(System.currentTimeMillis(), parse(new String(metrics.scrape(), StandardCharsets.UTF_8)));
        synchronized (history) {
            history.addLast(s);
            while (history.size() > SAMPLES) {
                history.removeFirst();
            }
        }
    }

    /** The exposition text's samples: {@code name{labels}} (as written) to value; comments skipped. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> values = new HashMap<>(512);
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            int space = line.lastIndexOf(' ');
            if (space <= 0) {
                continue;
            }
            try {
                values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            } catch (NumberFormatException e) {
                // not a sample
            }
        }
        return values;
    }

    /** The series of metric {@code name} summed by the value of {@code label} ("" for a series without it). */
    static Map<String, Double> by(Map<String, Double> values, String name, String label) {
        Map<String, Double> out = new TreeMap<>();
        String prefix = name + "{";
        values.forEach((series, v) -> {
            if (series.equals(name)) {
                out.merge("", v, Double::sum);
            } else if (series.startsWith(prefix)) {
                out.merge(labelValue(series, label), v, Double::sum);
            }
        });
        return out;
    }

    static String labelValue(String series, String label) {
        String key = label + "=\"";
        int at = series.indexOf(key);
        if (at < 0 || at > 0 && series.charAt(at - 1) != '{' && series.charAt(at - 1) != ',') {
            return "";
        }
        int from = at + key.length();
        return series.substring(from, series.indexOf('"', from));
    }

    static double value(Map<String, Double> values, String series) {
        return values.getOrDefault(series, 0.0);
    }

    /** The data of the page: see the class comment. */
    public String json() {
        // the counts are read now; the history (a sample every 5 s) gives the windows' starts and the small charts
        Sample now = new Sample(System.currentTimeMillis(),
                parse(new String(metrics.scrape(), StandardCharsets.UTF_8)));
        List<Sample> samples;
        synchronized (history) {
            samples = new java.util.ArrayList<>(history);
        }
        samples.add(now);
        Sample fiveMin = at(samples, now.at() - 300_000);
        Sample hour = samples.get(0);
        long nowSecs = now.at() / 1000;
        LinkRates rates = metrics.linkRates();
        StringWriter out = new StringWriter(16384);
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("now", now.at());
            g.writeNumberField("sample_secs", SAMPLE_SECS);
            g.writeObjectFieldStart("link_share");
            share(g, "5m", rates.share(nowSecs, 300));
            share(g, "1h", rates.share(nowSecs, 3600));
            g.writeArrayFieldStart("projects");
            Map<Long, LinkRates.Share> p5 = rates.byProject(nowSecs, 300);
            Map<Long, LinkRates.Share> p60 = rates.byProject(nowSecs, 3600);
            for (Map.Entry<Long, LinkRates.Share> p : p60.entrySet()) {
                g.writeStartObject();
                g.writeStringField("project", p.getKey() == 0 ? "other" : Long.toString(p.getKey()));
                share(g, "5m", p5.getOrDefault(p.getKey(), new LinkRates.Share(0, 0)));
                share(g, "1h", p.getValue());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            // counts over the last 5 minutes (or since start)
            g.writeObjectFieldStart("last_5m");
            g.writeNumberField("secs", (now.at() - fiveMin.at()) / 1000.0);
            delta(g, "links_by_path", now, fiveMin, "replaylink_links_total", "path");
            delta(g, "unlinked_by_reason", now, fiveMin, "replaylink_backend_error_events_unlinked_total", "reason");
            delta(g, "requests_by_outcome", now, fiveMin, "replaylink_requests_total", "outcome");
            delta(g, "requests_by_reason", now, fiveMin, "replaylink_requests_total", "reason");
            delta(g, "sampling_decisions", now, fiveMin, "replaylink_sampling_decisions_total", "decision");
            delta(g, "late_links_by_form", now, fiveMin, "replaylink_late_links_total", "form");
            g.writeEndObject();
            g.writeObjectFieldStart("last_1h");
            g.writeNumberField("secs", (now.at() - hour.at()) / 1000.0);
            delta(g, "links_by_path", now, hour, "replaylink_links_total", "path");
            delta(g, "unlinked_by_reason", now, hour, "replaylink_backend_error_events_unlinked_total", "reason");
            g.writeEndObject();
            index(g, now, fiveMin);
            sinks(g, now, fiveMin);
            series(g, samples);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static Sample at(List<Sample> samples, long at) {
        for (Sample s : samples) {
            if (s.at() >= at) {
                return s;
            }
        }
        return samples.get(samples.size() - 1);
    }

    private static void share(JsonGenerator g, String name, LinkRates.Share s) throws IOException {
        g.writeObjectFieldStart(name);
        g.writeNumberField("errors", s.seen());
        g.writeNumberField("linked", s.linked());
        if (Double.isNaN(s.ratio())) {
            g.writeNullField("share");
        } else {
            g.writeNumberField("share", s.ratio());
        }
        g.writeEndObject();
    }

    private static void delta(JsonGenerator g, String field, Sample now, Sample before, String metric, String label)
            throws IOException {
        Map<String, Double> a = by(now.values(), metric, label);
        Map<String, Double> b = before == now ? Map.of() : by(before.values(), metric, label);
        g.writeObjectFieldStart(field);
        for (Map.Entry<String, Double> e : a.entrySet()) {
            double d = e.getValue() - (before == now ? 0 : b.getOrDefault(e.getKey(), 0.0));
            g.writeNumberField(e.getKey(), Math.max(0, Math.round(d)));
        }
        g.writeEndObject();
    }

    private static void index(JsonGenerator g, Sample now, Sample before) throws IOException {
        Map<String, Double> ops = by(now.values(), "replaylink_index_operations_total", "outcome");
        Map<String, Double> opsBefore = by(before.values(), "replaylink_index_operations_total", "outcome");
        double count = sum(now.values(), "replaylink_index_duration_seconds_count")
                - (before == now ? 0 : sum(before.values(), "replaylink_index_duration_seconds_count"));
        double secs = sum(now.values(), "replaylink_index_duration_seconds_sum")
                - (before == now ? 0 : sum(before.values(), "replaylink_index_duration_seconds_sum"));
        g.writeObjectFieldStart("index");
        g.writeNumberField("up", value(now.values(), "replaylink_index_up"));
        g.writeNumberField("mean_latency_ms", count > 0 ? 1000 * secs / count : 0);
        for (String outcome : new String[] {"error", "timeout"}) {
            g.writeNumberField(outcome + "s_5m", Math.round(ops.getOrDefault(outcome, 0.0)
                    - (before == now ? 0 : opsBefore.getOrDefault(outcome, 0.0))));
        }
        double all = ops.values().stream().mapToDouble(Double::doubleValue).sum()
                - (before == now ? 0 : opsBefore.values().stream().mapToDouble(Double::doubleValue).sum());
        g.writeNumberField("operations_5m", Math.round(all));
        // known replays: trace -> replay pairs recorded, and lookups that found their trace's replay
        g.writeNumberField("pairs_recorded_5m", Math.round(opDelta(now, before, "record", "recorded")
                + opDelta(now, before, "record", "drained")));
        double hits = opDelta(now, before, "lookup", "hit");
        double lookups = hits + opDelta(now, before, "lookup", "miss") + opDelta(now, before, "lookup", "remembered");
        if (lookups > 0) {
            g.writeNumberField("lookup_hit_share_5m", hits / lookups);
        } else {
            g.writeNullField("lookup_hit_share_5m");
        }
        g.writeEndObject();
    }

    private static double opDelta(Sample now, Sample before, String op, String outcome) {
        String series = "replaylink_index_operations_total{op=\"" + op + "\",outcome=\"" + outcome + "\"}";
        return value(now.values(), series) - (before == now ? 0 : value(before.values(), series));
    }

    private static double sum(Map<String, Double> values, String name) {
        return by(values, name, "op").values().stream().mapToDouble(Double::doubleValue).sum();
    }

    private static void sinks(JsonGenerator g, Sample now, Sample before) throws IOException {
        Map<String, Double> up = by(now.values(), "replaylink_sink_up", "sink");
        Map<String, Double> inflight = by(now.values(), "replaylink_sink_inflight", "sink");
        Map<String, Double> retries = by(now.values(), "replaylink_sink_retries_total", "sink");
        Map<String, Double> retriesBefore = by(before.values(), "replaylink_sink_retries_total", "sink");
        g.writeArrayFieldStart("sinks");
        for (String sink : up.keySet()) {
            g.writeStartObject();
            g.writeStringField("sink", sink);
            g.writeNumberField("up", up.get(sink));
            g.writeNumberField("inflight", inflight.getOrDefault(sink, 0.0));
            g.writeNumberField("retries_5m", Math.round(retries.getOrDefault(sink, 0.0)
                    - (before == now ? 0 : retriesBefore.getOrDefault(sink, 0.0))));
            g.writeEndObject();
        }
        g.writeEndArray();
        if (now.values().containsKey("replaylink_spool_bytes")) {
            g.writeObjectFieldStart("spool");
            g.writeNumberField("bytes", value(now.values(), "replaylink_spool_bytes"));
            g.writeNumberField("records", value(now.values(), "replaylink_spool_records"));
            g.writeNumberField("oldest_age_secs", value(now.values(), "replaylink_spool_oldest_age_seconds"));
            g.writeEndObject();
        } else {
            g.writeNullField("spool");
        }
    }

    /** Per sample interval: requests accepted and refused, links and unlinked errors, per second. */
    private static void series(JsonGenerator g, List<Sample> samples) throws IOException {
        g.writeObjectFieldStart("series");
        g.writeArrayFieldStart("t");
        for (int i = 1; i < samples.size(); i++) {
            g.writeNumber(samples.get(i).at());
        }
        g.writeEndArray();
        rate(g, "accepted_per_sec", samples, v -> by(v, "replaylink_requests_total", "outcome")
                .getOrDefault("accepted", 0.0));
        rate(g, "refused_per_sec", samples, v -> by(v, "replaylink_requests_total", "outcome")
                .getOrDefault("rejected", 0.0));
        rate(g, "links_per_sec", samples, v -> by(v, "replaylink_links_total", "path").values().stream()
                .mapToDouble(Double::doubleValue).sum());
        rate(g, "unlinked_per_sec", samples, v -> by(v, "replaylink_backend_error_events_unlinked_total", "reason")
                .values().stream().mapToDouble(Double::doubleValue).sum());
        g.writeEndObject();
    }

    private static void rate(JsonGenerator g, String name, List<Sample> samples,
                             java.util.function.ToDoubleFunction<Map<String, Double>> f) throws IOException {
        g.writeArrayFieldStart(name);
        for (int i = 1; i < samples.size(); i++) {
            double secs = Math.max(0.001, (samples.get(i).at() - samples.get(i - 1).at()) / 1000.0);
            double d = f.applyAsDouble(samples.get(i).values()) - f.applyAsDouble(samples.get(i - 1).values());
            g.writeNumber(Math.round(Math.max(0, d) / secs * 100) / 100.0);
        }
        g.writeEndArray();
    }

    private static String resource(String name) {
        try (InputStream in = StatusPage.class.getResourceAsStream(name)) {
            return in == null ? "<!doctype html><p>status page missing from the build" : new String(in.readAllBytes(),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
