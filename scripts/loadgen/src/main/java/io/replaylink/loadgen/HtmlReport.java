package io.replaylink.loadgen;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A self-contained HTML report of a load run (no scripts, no external files): the summary, the answers by status, the
 * correctness check, and three inline SVG charts with axes, ticks and grid lines: latency over time (p50, p99, max
 * per second; max drawn first and thin so p99 stays visible under it), the latency distribution by percentile (the
 * HdrHistogram plot: x is how rare, 1 - p, on a log scale), and the rates sent and answered.
 */
public final class HtmlReport {
    static final String P50 = "#1f77b4";
    static final String P99 = "#ff7f0e";
    static final String MAX = "#d62728";
    static final String SENT = "#2ca02c";
    static final String ANSWERED = "#9467bd";
    static final String DISTRIBUTION = "#17becf";
    static final String AXIS = "#333333";

    private static final int WIDTH = 900;
    private static final int HEIGHT = 300;
    private static final int LEFT = 70;
    private static final int RIGHT = 45;
    private static final int TOP = 30;
    private static final int BOTTOM = 50;

    private HtmlReport() {
    }

    public static String render(String title, LoadGenerator.Result result, CorrectnessReport correctness) {
        StringBuilder h = new StringBuilder(16384);
        h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title><style>body{font-family:sans-serif;margin:2em;max-width:960px}"
                        + "table{border-collapse:collapse;margin:0.5em 0}"
                        + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
                        + ".ok{color:#080}.bad{color:#b00}svg{display:block;margin:0.5em 0}</style></head><body>");
        h.append("<h1>").append(escape(title)).append("</h1>");
        var lat = result.latency();
        h.append("<table><tr><th>sent</th><th>answered</th><th>errors</th><th>throughput/s</th><th>p50 ms</th>"
                + "<th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr><tr>");
        cell(h, result.sent());
        cell(h, result.answered());
        cell(h, result.errors());
        cell(h, result.answered() / result.seconds());
        cell(h, lat.getValueAtPercentile(50) / 1000.0);
        cell(h, lat.getValueAtPercentile(90) / 1000.0);
        cell(h, lat.getValueAtPercentile(99) / 1000.0);
        cell(h, lat.getValueAtPercentile(99.9) / 1000.0);
        cell(h, lat.getMaxValue() / 1000.0);
        h.append("</tr></table>");
        statuses(h, result.byStatus());
        if (correctness != null) {
            h.append("<p class=\"").append(correctness.ok() ? "ok" : "bad").append("\">Correctness: ")
                    .append(escape(correctness.summary())).append("</p>");
        }
        List<LoadGenerator.Second> timeline = result.timeline();
        h.append("<h2>Latency per second</h2>");
        chart(h, "latency-over-time", line(timeline, LoadGenerator.Second::at), "time since start (s)", "latency (ms)",
                List.of(new Series("max", MAX, 2, "6 3", line(timeline, LoadGenerator.Second::max)),
                        new Series("p99", P99, 2.5, null, line(timeline, LoadGenerator.Second::p99)),
                        new Series("p50", P50, 2.5, null, line(timeline, LoadGenerator.Second::p50))), false);
        h.append("<h2>Latency by percentile</h2>");
        percentiles(h, lat);
        h.append("<h2>Requests per second</h2>");
        chart(h, "rates", line(timeline, LoadGenerator.Second::at), "time since start (s)", "requests per second",
                // answered wide underneath, sent thin on top: where they are equal both still show
                List.of(new Series("answered", ANSWERED, 6, null, line(timeline, LoadGenerator.Second::answered)),
                        new Series("sent", SENT, 2, null, line(timeline, LoadGenerator.Second::sent))),
                false);
        return h.append("</body></html>\n").toString();
    }

    /** Answers by HTTP status as a table, with each one's share. */
    private static void statuses(StringBuilder h, Map<Integer, Long> byStatus) {
        long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
        h.append("<table class=\"statuses\"><tr><th>status</th><th>answers</th><th>share</th></tr>");
        byStatus.forEach((status, count) -> h.append("<tr><td>").append(status).append("</td><td>").append(count)
                .append("</td><td>").append(String.format(Locale.ROOT, "%.1f%%", total == 0 ? 0 : 100.0 * count / total))
                .append("</td></tr>"));
        h.append("</table>");
    }

    /** The HdrHistogram percentile plot: latency against 1 - p on a log axis labelled 0%, 90%, 99%, 99.9%, ... */
    private static void percentiles(StringBuilder h, Histogram lat) {
        List<double[]> points = new ArrayList<>();
        if (lat.getTotalCount() > 0) {
            for (double nines = 0; nines <= 5.0001; nines += 0.05) {
                double p = 100 * (1 - Math.pow(10, -nines));
                points.add(new double[] {nines, lat.getValueAtPercentile(p) / 1000.0});
                if (p >= 100.0 * (lat.getTotalCount() - 1) / lat.getTotalCount()) {
                    break; // beyond the slowest request there is nothing more to plot
                }
            }
        }
        chart(h, "latency-by-percentile", points.stream().mapToDouble(p -> p[0]).toArray(), "percentile",
                "latency (ms)", List.of(new Series("latency", DISTRIBUTION, 2.5, null,
                        points.stream().mapToDouble(p -> p[1]).toArray())), true);
    }

    private record Series(String name, String color, double width, String dash, double[] values) {
    }

    private static double[] line(List<LoadGenerator.Second> points, ToDoubleFunction<LoadGenerator.Second> value) {
        return points.stream().mapToDouble(value).toArray();
    }

    /**
     * One chart: a plot area with grid lines at "nice" ticks on both axes, tick labels, axis titles and a legend.
     * {@code nines}: the x values are numbers of nines (0 = 0%, 1 = 90%, 2 = 99%, ...) and are labelled so.
     */
    private static void chart(StringBuilder h, String id, double[] xs, String xTitle, String yTitle,
                              List<Series> series, boolean nines) {
        double maxX = 1e-9;
        for (double x : xs) {
            maxX = Math.max(maxX, x);
        }
        double maxY = 1e-9;
        for (Series s : series) {
            for (double v : s.values()) {
                maxY = Math.max(maxY, v);
            }
        }
        double[] yTicks = ticks(maxY * 1.08); // headroom: a line at the maximum stays off the frame
        maxY = yTicks[yTicks.length - 1];
        double[] xTicks = nines ? ninesTicks(maxX) : ticks(maxX);
        maxX = Math.max(maxX, xTicks[xTicks.length - 1]);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        h.append("<svg id=\"").append(id).append("\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH)
                .append("\" height=\"").append(HEIGHT).append("\" font-family=\"sans-serif\" font-size=\"12\">")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>");
        for (double t : yTicks) {
            double y = TOP + plotH - plotH * t / maxY;
            h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                    + "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"%s\">%s</text>",
                    LEFT, y, LEFT + plotW, y, LEFT - 5, y, LEFT, y, AXIS, LEFT - 8, y + 4, AXIS, number(t)));
        }
        for (double t : xTicks) {
            double x = LEFT + plotW * t / maxX;
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e4e4\"/>"
                    + "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%s</text>",
                    x, TOP, x, TOP + plotH, x, TOP + plotH, x, TOP + plotH + 5, AXIS, x, TOP + plotH + 19, AXIS,
                    nines ? ninesLabel(t) : number(t)));
        }
        // the axes themselves, over the grid
        h.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                + "stroke-width=\"2\"/><line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                + "stroke-width=\"2\"/>", LEFT, TOP, LEFT, TOP + plotH, AXIS, LEFT, TOP + plotH, LEFT + plotW,
                TOP + plotH, AXIS));
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%s</text>",
                LEFT + plotW / 2, HEIGHT - 8, AXIS, escape(xTitle)));
        h.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\" "
                + "transform=\"rotate(-90 14 %d)\">%s</text>", TOP + plotH / 2, AXIS, TOP + plotH / 2, escape(yTitle)));
        int legend = LEFT + 10;
        for (Series s : series) {
            StringBuilder path = new StringBuilder();
            for (int i = 0; i < s.values().length && i < xs.length; i++) {
                double x = LEFT + plotW * xs[i] / maxX;
                double y = TOP + plotH - plotH * s.values()[i] / maxY;
                path.append(path.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
            }
            h.append("<polyline class=\"series\" data-name=\"").append(escape(s.name()))
                    .append("\" fill=\"none\" stroke=\"").append(s.color()).append("\" stroke-width=\"")
                    .append(s.width()).append('"').append(s.dash() == null ? "" : " stroke-dasharray=\"" + s.dash() + "\"")
                    .append(" points=\"").append(path).append("\"/>");
            if (series.size() > 1) {
                h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"14\" x2=\"%d\" y2=\"14\" stroke=\"%s\" "
                        + "stroke-width=\"3\"/><text x=\"%d\" y=\"18\" fill=\"%s\">%s</text>", legend, legend + 20,
                        s.color(), legend + 25, AXIS, escape(s.name())));
                legend += 100;
            }
        }
        h.append("</svg>");
    }

    /** Ticks from 0 to a round value at or above {@code max}, in steps of 1, 2 or 5 times a power of ten (4-10 ticks). */
    static double[] ticks(double max) {
        if (!(max > 0) || Double.isInfinite(max)) {
            max = 1;
        }
        double raw = max / 5;
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / power <= 1 ? power : raw / power <= 2 ? 2 * power : raw / power <= 5 ? 5 * power
                : 10 * power;
        int n = (int) Math.ceil(max / step - 1e-9);
        double[] ticks = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            ticks[i] = i * step;
        }
        return ticks;
    }

    private static double[] ninesTicks(double maxNines) {
        int n = Math.max(1, (int) Math.ceil(maxNines - 1e-9));
        double[] ticks = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            ticks[i] = i;
        }
        return ticks;
    }

    /** 0 → 0%, 1 → 90%, 2 → 99%, 3 → 99.9%, 4 → 99.99%. */
    static String ninesLabel(double nines) {
        int n = (int) Math.round(nines);
        return n == 0 ? "0%" : n == 1 ? "90%" : n == 2 ? "99%" : "99." + "9".repeat(n - 2) + "%";
    }

    private static String number(double v) {
        if (v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, Math.abs(v) < 0.1 ? "%.3f" : "%.2f", v).replaceAll("0+$", "");
    }

    private static void cell(StringBuilder h, double v) {
        h.append("<td>").append(v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, "%.2f", v)).append("</td>");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
