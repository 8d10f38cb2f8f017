package io.replaylink.testing;

import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Values read from Prometheus text (what {@code /metrics} and {@code Metrics.scrape()} answer). */
public final class MetricsText {
    private MetricsText() {
    }

    /** The value of {@code series} (name and labels as written, e.g. {@code x_total{a="b"}}), if it is there. */
    public static OptionalDouble value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)").matcher(metrics);
        return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
    }
}
