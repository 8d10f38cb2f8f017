package io.replaylink.ingest;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-written ingest route against the regex it replaced. */
class IngestRouteTest {
    private static final Pattern ORACLE = Pattern.compile("/api/([^/]+)/(envelope|store)/?");

    @Test
    void agreesWithTheRegex() {
        List<String> paths = List.of("/api/1/envelope/", "/api/1/envelope", "/api/42/store/", "/api/42/store",
                "/api/1/envelope//", "/api//envelope/", "/api/1/", "/api/1", "/api/", "/api/1/envelopes/",
                "/api/1/envelop/", "/api/1/store/x", "/api/a/b/envelope/", "/api/abc/envelope/", "/apix/1/envelope/",
                "/api/1/Envelope/", "/api/1/storeenvelope/", "/api/1/envelope/store/", "/", "", "/api/1/store//");
        for (String path : paths) {
            Matcher m = ORACLE.matcher(path);
            IngestRoute route = IngestRoute.of(path);
            assertThat(route != null).as(path).isEqualTo(m.matches());
            if (route != null) {
                assertThat(route.project()).as(path).isEqualTo(m.group(1));
                assertThat(route.kind().label).as(path).isEqualTo(m.group(2));
            }
        }
    }
}
