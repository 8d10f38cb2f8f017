package io.replaylink.why;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Link rates per window and project, against a plain recount of the same calls: projects alternating and in runs
 * (the last project's counts are remembered), buckets reused after an hour, late links in their error's bucket.
 */
class LinkRatesTest {
    @Test
    void countsAsAPlainRecountDoes() {
        LinkRates rates = new LinkRates();
        Random random = new Random(5);
        long now = 1_796_378_400L;
        // project -> {seen, linked} within the last 300 s, recounted by hand
        java.util.List<long[]> calls = new java.util.ArrayList<>();
        for (int n = 0; n < 20_000; n++) {
            now += random.nextInt(3);
            long project = random.nextInt(4) == 0 ? random.nextInt(3) + 1 : 7;
            if (random.nextBoolean()) {
                rates.seen(project, now);
                calls.add(new long[] {project, now, 0});
            } else {
                long errorAt = now - random.nextInt(200);
                rates.linked(project, errorAt, now);
                calls.add(new long[] {project, errorAt - Math.floorMod(errorAt, 10), 1});
            }
        }
        long windowStart = now - 300;
        Map<Long, LinkRates.Share> byProject = rates.byProject(now, 300);
        for (long project : new long[] {1, 2, 3, 7}) {
            long seen = 0;
            long linked = 0;
            for (long[] c : calls) {
                long bucket = c[1] - Math.floorMod(c[1], 10);
                if (c[0] == project && bucket > windowStart && bucket <= now) {
                    if (c[2] == 0) {
                        seen++;
                    } else {
                        linked++;
                    }
                }
            }
            assertThat(byProject.get(project)).as("project %d", project)
                    .isEqualTo(new LinkRates.Share(seen, linked));
        }
        // an hour later the same slots are other buckets: nothing of the old ones is left in them
        rates.seen(7, now + 3600);
        assertThat(rates.byProject(now + 3600, 300)).containsOnly(Map.entry(7L, new LinkRates.Share(1, 0)));
    }
}
