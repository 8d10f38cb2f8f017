package io.replaylink.loadgen;

import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * A self-contained HTML report of a load run (no scripts, no external files): the summary, the correctness check,
 * and two inline SVG charts, latency over time (p50, p99, max per second) and the rates sent and answered.
 */
public final class HtmlReport {
    private HtmlReport() {
    }

    public static String render(String title, LoadGenerator.Result result, CorrectnessReport correctness) {
        StringBuilder h = new StringBuilder(8192);
        h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title><style>body{font-family:sans-serif;margin:2em;max-width:960px}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
                        + ".ok{color:#080}.bad{color:#b00}</style></head><body>");
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
        h.append("</tr></table><p>Answers by status: ").append(escape(result.byStatus().toString())).append("</p>");
        if (correctness != null) {
            h.append("<p class=\"").append(correctness.ok() ? "ok" : "bad").append("\">Correctness: ")
                    .append(escape(correctness.summary())).append("</p>");
        }
        h.append("<h2>Latency per second (ms, from the scheduled send time)</h2>");
        chart(h, result.timeline(), List.of(new Series("p50", "#1f77b4", LoadGenerator.Second::p50),
                new Series("p99", "#ff7f0e", LoadGenerator.Second::p99),
                new Series("max", "#d62728", LoadGenerator.Second::max)));
        h.append("<h2>Requests per second</h2>");
        chart(h, result.timeline(), List.of(new Series("sent", "#2ca02c", LoadGenerator.Second::sent),
                new Series("answered", "#9467bd", LoadGenerator.Second::answered)));
        return h.append("</body></html>\n").toString();
    }

    private record Series(String name, String color, ToDoubleFunction<LoadGenerator.Second> value) {
    }

    private static void chart(StringBuilder h, List<LoadGenerator.Second> points, List<Series> series) {
        int w = 900;
        int ht = 260;
        int pad = 40;
        double maxY = 1e-9;
        for (LoadGenerator.Second p : points) {
            for (Series s : series) {
                maxY = Math.max(maxY, s.value().applyAsDouble(p));
            }
        }
        double maxX = points.isEmpty() ? 1 : Math.max(1, points.get(points.size() - 1).at());
        h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(ht)
                .append("\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\" stroke=\"#ccc\"/>");
        h.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"14\" font-size=\"11\">%.1f</text>", maxY));
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%.0f s</text>", w - pad, ht - 4,
                maxX));
        int legend = pad;
        for (Series s : series) {
            StringBuilder path = new StringBuilder();
            for (LoadGenerator.Second p : points) {
                double x = pad + (w - 2 * pad) * p.at() / maxX;
                double y = ht - pad - (ht - 2 * pad) * s.value().applyAsDouble(p) / maxY;
                path.append(path.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
            }
            h.append("<polyline fill=\"none\" stroke=\"").append(s.color()).append("\" stroke-width=\"2\" points=\"")
                    .append(path).append("\"/>");
            h.append("<text x=\"").append(legend).append("\" y=\"14\" font-size=\"12\" fill=\"").append(s.color())
                    .append("\">").append(s.name()).append("</text>");
            legend += 70;
        }
        h.append("</svg>");
    }

    private static void cell(StringBuilder h, double v) {
        h.append("<td>").append(v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, "%.2f", v)).append("</td>");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
