package io.replaylink.loadgen;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load report as a person sees it: rendered by headless Chromium (Debian's, which scripts/test installs) to a PNG,
 * and the picture looked at: three charts, each with a y axis and an x axis drawn as long dark lines, tick labels
 * beside them, and every series visible in its colour (p99 too, under max). The PNG is kept in target/ as an artefact.
 */
class HtmlReportPictureTest {

    static LoadGenerator.Result sampleRun() {
        Histogram latency = new Histogram(60_000_000L, 3);
        List<LoadGenerator.Second> timeline = new ArrayList<>();
        java.util.Random random = new java.util.Random(7);
        for (int second = 1; second <= 30; second++) {
            double p50 = 2 + random.nextDouble();
            double p99 = 9 + 4 * random.nextDouble();
            double max = p99 + 5 + 10 * random.nextDouble();
            timeline.add(new LoadGenerator.Second(second, 1000, second == 30 ? 990 : 1000, p50, p99, max, 0));
        }
        for (int i = 0; i < 29_990; i++) {
            latency.recordValue(i % 100 == 0 ? 9_000 + random.nextInt(20_000) : 1_500 + random.nextInt(2_000));
        }
        Map<Integer, Long> byStatus = new TreeMap<>(Map.of(200, 29_980L, 400, 10L));
        return new LoadGenerator.Result(30_000, byStatus, 10, latency, 30, Map.of(), timeline, 12,
                new Histogram(60_000_000L, 3), null, latency, 0);
    }

    @Test
    void theReportShowsThreeChartsWithAxesTicksAndEverySeries(@TempDir Path dir) throws Exception {
        String html = HtmlReport.render("picture test", sampleRun(), null);
        assertThat(html).doesNotContain("<script").doesNotContain("{200=")
                .contains("<td>200</td><td>29980</td><td>100.0%</td>", "<td>400</td><td>10</td>");
        Path page = dir.resolve("report.html");
        Files.writeString(page, html);
        Path png = Path.of("target", "load-report-screenshot.png").toAbsolutePath();
        Files.createDirectories(png.getParent());
        Files.deleteIfExists(png);
        Process chromium = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--user-data-dir=" + dir.resolve("profile"), "--window-size=1000,1500", "--screenshot=" + png,
                page.toUri().toString()).redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile())
                .start();
        assertThat(chromium.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(png).as(Files.readString(dir.resolve("chromium.log"))).exists();
        BufferedImage image = ImageIO.read(png.toFile());

        // every series is visible in its own colour
        for (var series : Map.of("p50", HtmlReport.P50, "p99", HtmlReport.P99, "max", HtmlReport.MAX,
                "sent", HtmlReport.SENT, "answered", HtmlReport.ANSWERED, "distribution", HtmlReport.DISTRIBUTION).entrySet()) {
            assertThat(pixelsOf(image, series.getValue())).as(series.getKey() + " pixels").isGreaterThan(150);
        }
        // axes: long runs of the axis colour, three vertical (y axes) and three horizontal (x axes)
        List<int[]> vertical = runs(image, true, 200);
        List<int[]> horizontal = runs(image, false, 700);
        assertThat(vertical).as("y axes").hasSize(3);
        assertThat(horizontal).as("x axes").hasSize(3);
        // tick labels: dark text left of each y axis at several heights, and under each x axis at several places
        for (int[] axis : vertical) {
            int x = axis[0];
            assertThat(textBands(image, Math.max(0, x - 60), x - 8, axis[1], axis[2], true))
                    .as("y tick labels beside the axis at x=" + x).isGreaterThanOrEqualTo(4);
        }
        for (int[] axis : horizontal) {
            int y = axis[0];
            assertThat(textBands(image, axis[1], axis[2], y + 8, Math.min(image.getHeight() - 1, y + 24), false))
                    .as("x tick labels under the axis at y=" + y).isGreaterThanOrEqualTo(4);
        }
    }

    private static int rgb(String hex) {
        return Integer.parseInt(hex.substring(1), 16);
    }

    private static boolean near(int pixel, int colour, int tolerance) {
        for (int shift = 0; shift <= 16; shift += 8) {
            if (Math.abs(((pixel >> shift) & 0xff) - ((colour >> shift) & 0xff)) > tolerance) {
                return false;
            }
        }
        return true;
    }

    private static int pixelsOf(BufferedImage image, String hex) {
        int colour = rgb(hex);
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if (near(image.getRGB(x, y), colour, 12)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static boolean dark(BufferedImage image, int x, int y) {
        return near(image.getRGB(x, y), rgb(HtmlReport.AXIS), 40);
    }

    /**
     * Runs of axis-coloured pixels at least {@code min} long: [position, from, to] per run, one per line (adjacent
     * columns or rows of a 2-px line count once).
     */
    private static List<int[]> runs(BufferedImage image, boolean vertical, int min) {
        List<int[]> found = new ArrayList<>();
        int lines = vertical ? image.getWidth() : image.getHeight();
        int length = vertical ? image.getHeight() : image.getWidth();
        for (int line = 0; line < lines; line++) {
            int start = -1;
            for (int i = 0; i <= length; i++) {
                boolean on = i < length && (vertical ? dark(image, line, i) : dark(image, i, line));
                if (on && start < 0) {
                    start = i;
                } else if (!on && start >= 0) {
                    if (i - start >= min) {
                        int[] run = {line, start, i - 1};
                        boolean adjacent = found.stream().anyMatch(r -> Math.abs(r[0] - run[0]) <= 2
                                && Math.abs(r[1] - run[1]) <= 3);
                        if (!adjacent) {
                            found.add(run);
                        }
                    }
                    start = -1;
                }
            }
        }
        return found;
    }

    /** Separate bands of dark pixels along the axis (rows for a y axis, columns for an x axis): one per label. */
    private static int textBands(BufferedImage image, int x0, int x1, int y0, int y1, boolean alongY) {
        int bands = 0;
        boolean inBand = false;
        int gap = 0;
        for (int i = alongY ? y0 : x0; i <= (alongY ? y1 : x1); i++) {
            boolean any = false;
            for (int j = alongY ? x0 : y0; j <= (alongY ? x1 : y1) && !any; j++) {
                any = alongY ? dark(image, j, i) : dark(image, i, j);
            }
            if (any) {
                if (!inBand) {
                    bands++;
                    inBand = true;
                }
                gap = 0;
            } else if (inBand && ++gap > (alongY ? 3 : 12)) {
                inBand = false; // a gap wider than between a label's own characters
            }
        }
        return bands;
    }
}
