package io.replaylink.metrics;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Links by project: one series per project up to {@link Metrics#MAX_PROJECT_SERIES}; beyond (`id: any` takes any
 * project id a client sends) they count under "other", so a client cannot grow the label set without bound.
 */
class ProjectLinkSeriesTest {
    @Test
    void projectSeriesAreBounded() {
        Metrics metrics = new Metrics();
        for (long project = 1; project <= Metrics.MAX_PROJECT_SERIES + 500; project++) {
            metrics.link("index", project);
        }
        metrics.link("dsc", 1);
        String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
        assertThat(text).contains("replaylink_project_links_total{project=\"1\"} 2.0")
                .contains("replaylink_project_links_total{project=\"1000\"} 1.0")
                .contains("replaylink_project_links_total{project=\"other\"} 500.0")
                .doesNotContain("replaylink_project_links_total{project=\"1001\"}");
        assertThat(text.lines().filter(l -> l.startsWith("replaylink_project_links_total{")).count())
                .isEqualTo(Metrics.MAX_PROJECT_SERIES + 1);
    }
}
