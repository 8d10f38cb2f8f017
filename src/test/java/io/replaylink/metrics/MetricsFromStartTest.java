package io.replaylink.metrics;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The series dashboards and alerts divide by are exported from start-up, at 0, before any request. */
class MetricsFromStartTest {
    @Test
    void seriesExistBeforeTheFirstEvent() {
        String text = new String(new Metrics().scrape(), StandardCharsets.UTF_8);
        assertThat(text)
                .contains("replaylink_requests_total{endpoint=\"envelope\",outcome=\"accepted\",reason=\"ok\"} 0.0")
                .contains("replaylink_requests_total{endpoint=\"envelope\",outcome=\"rejected\",reason=\"overload\"} 0.0")
                .contains("replaylink_requests_total{endpoint=\"store\",outcome=\"rejected\",reason=\"spool_full\"} 0.0")
                .contains("replaylink_items_total{outcome=\"received\",reason=\"ok\",type=\"event\"} 0.0")
                .contains("replaylink_items_total{outcome=\"forwarded\",reason=\"ok\",type=\"replay_event\"} 0.0")
                .contains("replaylink_links_total{path=\"index\"} 0.0")
                .contains("replaylink_backend_error_events_linked_total{path=\"dsc\"} 0.0")
                .contains("replaylink_backend_error_events_total 0.0")
                .contains("replaylink_late_links_total{form=\"error_ids\"} 0.0")
                .contains("replaylink_index_operations_total{op=\"lookup\",outcome=\"timeout\"} 0.0")
                .contains("replaylink_index_duration_seconds_count{op=\"record\"} 0")
                .contains("replaylink_request_duration_seconds_count{endpoint=\"store\"} 0");
    }
}
