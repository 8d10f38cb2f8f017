package io.replaylink.ingest;

import io.replaylink.testing.CapturingUpstream;
import io.replaylink.testing.TestSidecar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import static io.replaylink.testing.TestSidecar.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A corpus of envelopes with the answer Relay gives them, as its source decides it ({@code relay-server/src/envelope}
 * typed headers, {@code utils/sizes.rs} per-type budgets, the request decoder), sent over real HTTP. Each case names
 * the rule it checks; a 200 must also reach the upstream. The answers Relay gives that ReplayLink does not, on
 * purpose, are listed in src/site/markdown/reliability.md ("Differences from Relay").
 */
class RelayValidationTest {
    static final String ID = "9ec79c33ec9942ab8353589fcb2e04dc";
    static CapturingUpstream upstream;
    static TestSidecar sidecar;

    @BeforeAll
    static void start() {
        upstream = CapturingUpstream.start();
        sidecar = TestSidecar.start(TestSidecar.httpConfig(upstream.url(), ""));
    }

    @AfterAll
    static void stop() {
        sidecar.close();
        upstream.close();
    }

    record Case(String rule, byte[] body, String encoding, int status, String detail) {
        @Override
        public String toString() {
            return rule;
        }
    }

    static Case ok(String rule, String body) {
        return new Case(rule, utf8(body), null, 200, null);
    }

    static Case bad(String rule, String body, String detail) {
        return new Case(rule, utf8(body), null, 400, detail);
    }

    static Case tooLarge(String rule, String body, String type) {
        return new Case(rule, utf8(body), null, 413, "envelope exceeded size limits for type '" + type + "'");
    }

    static Stream<Arguments> corpus() throws Exception {
        String event = "{\"type\":\"event\"}\n{}\n";
        List<Case> cases = new ArrayList<>(List.of(
                // how the header is read: a JSON stream, not a line
                ok("a header spread over several lines", "{\n  \"event_id\": \"" + ID + "\"\n}\n" + event),
                ok("whitespace before the header", "\n \t{}\n" + event),
                ok("a header line of 1 MiB", "{\"x\":\"" + "a".repeat(1 << 20) + "\"}\n" + event),
                ok("a header nested 100 deep", "{\"x\":" + "[".repeat(99) + "]".repeat(99) + "}\n" + event),
                ok("1,001 items", "{}\n" + "{\"type\":\"x\"}\n{}\n".repeat(1001)),
                ok("a header without items", "{\"event_id\":\"" + ID + "\"}\n"),
                bad("a byte order mark before the header", "\uFEFF{}\n" + event, "byte order mark"),
                bad("a carriage return after the header", "{}\r\n" + event, "missing newline"),
                bad("a blank line after the last item", "{}\n" + event + "\n", "unexpected end of file"),
                bad("a header nested 129 deep", "{\"x\":" + "[".repeat(128) + "]".repeat(128) + "}\n" + event,
                        "invalid envelope header"),
                // typed envelope-header fields
                ok("event_id in braces", "{\"event_id\":\"{9EC79C33-EC99-42AB-8353-589FCB2E04DC}\"}\n" + event),
                ok("event_id as a URN", "{\"event_id\":\"urn:uuid:9ec79c33-ec99-42ab-8353-589fcb2e04dc\"}\n" + event),
                ok("event_id null", "{\"event_id\":null}\n" + event),
                bad("event_id a number", "{\"event_id\":123}\n" + event, "event_id"),
                bad("event_id not a UUID", "{\"event_id\":\"not-a-uuid\"}\n" + event, "event_id"),
                ok("sent_at with an offset and no colon", "{\"sent_at\":\"2020-01-01 10:00:00.5+0200\"}\n" + event),
                bad("sent_at a unix timestamp", "{\"sent_at\":1577836800}\n" + event, "sent_at"),
                bad("sent_at without a time zone", "{\"sent_at\":\"2020-01-01T00:00:00\"}\n" + event, "sent_at"),
                bad("sent_at on February 30th", "{\"sent_at\":\"2020-02-30T00:00:00Z\"}\n" + event, "sent_at"),
                bad("retention negative", "{\"retention\":-1}\n" + event, "retention"),
                bad("retention over u16", "{\"retention\":70000}\n" + event, "retention"),
                bad("retention a string", "{\"retention\":\"30\"}\n" + event, "retention"),
                bad("remote_addr not an address", "{\"remote_addr\":\"not-an-ip\"}\n" + event, "remote_addr"),
                ok("remote_addr IPv6", "{\"remote_addr\":\"2001:db8::1\"}\n" + event),
                bad("origin not a URL", "{\"origin\":\"not a url\"}\n" + event, "origin"),
                bad("version a string", "{\"version\":\"7\"}\n" + event, "version"),
                bad("no_cache null", "{\"no_cache\":null}\n" + event, "no_cache"),
                bad("forwarded_for null", "{\"forwarded_for\":null}\n" + event, "forwarded_for"),
                bad("client a number", "{\"client\":5}\n" + event, "client"),
                bad("user_agent a boolean", "{\"user_agent\":true}\n" + event, "user_agent"),
                bad("client_hints a string", "{\"client_hints\":\"x\"}\n" + event, "client_hints"),
                bad("sdk a string", "{\"sdk\":\"x\"}\n" + event, "sdk"),
                bad("sdk.version a number", "{\"sdk\":{\"name\":\"a\",\"version\":1}}\n" + event, "sdk"),
                ok("trace malformed (Relay ignores it)", "{\"trace\":\"garbage\"}\n" + event),
                bad("an unknown field null", "{\"x\":null}\n" + event, "null"),
                ok("an unknown field twice (the last wins)", "{\"x\":1,\"x\":2}\n" + event),
                bad("event_id twice", "{\"event_id\":\"" + ID + "\",\"event_id\":\"" + ID + "\"}\n" + event,
                        "duplicate field `event_id`"),
                bad("invalid UTF-8: an overlong slash", "{\"x\":\"\u00c0\u00af\"}\n" + event, "UTF-8"),
                // typed item-header fields
                bad("type missing", "{}\n{\"length\":2}\n{}\n", "missing field `type`"),
                bad("type twice", "{}\n{\"type\":\"event\",\"type\":\"event\"}\n{}\n", "duplicate field `type`"),
                bad("filename a number", "{}\n{\"type\":\"attachment\",\"filename\":5}\nabc\n", "filename"),
                bad("content_type a number", "{}\n{\"type\":\"attachment\",\"content_type\":1}\nabc\n",
                        "content_type"),
                bad("attachment_type a number", "{}\n{\"type\":\"attachment\",\"attachment_type\":2}\nabc\n",
                        "attachment_type"),
                bad("item_count negative", "{}\n{\"type\":\"log\",\"item_count\":-1}\n{}\n", "item_count"),
                bad("platform a list", "{}\n{\"type\":\"event\",\"platform\":[]}\n{}\n", "platform"),
                bad("routing_hint not a UUID", "{}\n{\"type\":\"event\",\"routing_hint\":\"x\"}\n{}\n",
                        "routing_hint"),
                bad("sampled a string", "{}\n{\"type\":\"event\",\"sampled\":\"true\"}\n{}\n", "sampled"),
                bad("metrics_extracted null", "{}\n{\"type\":\"event\",\"metrics_extracted\":null}\n{}\n",
                        "metrics_extracted"),
                bad("meta_length a fraction", "{}\n{\"type\":\"event\",\"meta_length\":1.5}\n{}\n", "meta_length"),
                bad("length over u32", "{}\n{\"type\":\"event\",\"length\":4294967296}\n{}\n", "length"),
                ok("length null (read to the newline)", "{}\n{\"type\":\"event\",\"length\":null}\n{}\n"),
                // Relay's per-type budgets
                tooLarge("an event and a transaction", "{}\n" + event + "{\"type\":\"transaction\"}\n{}\n",
                        "transaction"),
                tooLarge("31 attachments", "{}\n" + "{\"type\":\"attachment\"}\na\n".repeat(31),
                        "attachment:attachment"),
                tooLarge("31 minidumps", "{}\n"
                        + "{\"type\":\"attachment\",\"attachment_type\":\"event.minidump\"}\na\n".repeat(31),
                        "attachment:minidump"),
                tooLarge("101 sessions", "{}\n" + "{\"type\":\"session\"}\n{}\n".repeat(101), "session"),
                tooLarge("101 client reports", "{}\n" + "{\"type\":\"client_report\"}\n{}\n".repeat(101),
                        "client_report"),
                tooLarge("two check-ins", "{}\n" + "{\"type\":\"check_in\"}\n{}\n".repeat(2), "check_in"),
                tooLarge("a profile and a profile chunk", "{}\n{\"type\":\"profile\"}\n{}\n"
                        + "{\"type\":\"profile_chunk\"}\n{}\n", "profile_chunk"),
                tooLarge("two replay recordings", "{}\n" + "{\"type\":\"replay_recording\"}\na\n".repeat(2),
                        "replay_recording"),
                tooLarge("two statsd items", "{}\n" + "{\"type\":\"statsd\"}\na:1|c\n".repeat(2), "statsd"),
                tooLarge("two metric bucket items", "{}\n" + "{\"type\":\"metric_buckets\"}\n[]\n".repeat(2),
                        "metric_buckets"),
                tooLarge("two log containers", "{}\n" + ("{\"type\":\"log\",\"item_count\":1,\"content_type\":"
                        + "\"application/vnd.sentry.items.log+json\"}\n{\"items\":[]}\n").repeat(2), "log"),
                tooLarge("26 standalone spans", "{}\n" + "{\"type\":\"span\"}\n{}\n".repeat(26), "span"),
                tooLarge("two feedback items", "{}\n" + "{\"type\":\"feedback\"}\n{}\n".repeat(2), "user_report_v2"),
                ok("100 sessions and 30 attachments", "{}\n" + "{\"type\":\"session\"}\n{}\n".repeat(100)
                        + "{\"type\":\"attachment\"}\na\n".repeat(30)),
                bad("a malformed header is a 400 before a budget is a 413", "{}\n" + event + event
                        + "{\"type\":5}\n{}\n", "invalid item header")));
        // content decoding
        byte[] envelope = utf8("{}\n" + event);
        ByteArrayOutputStream gzipTrailing = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(gzipTrailing)) {
            gz.write(envelope);
        }
        gzipTrailing.write(utf8("garbage"));
        cases.add(new Case("gzip with trailing garbage", gzipTrailing.toByteArray(), "gzip", 400, "invalid gzip"));
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(raw, new Deflater(Deflater.DEFAULT_COMPRESSION, true))) {
            d.write(envelope);
        }
        cases.add(new Case("raw deflate without a zlib header", raw.toByteArray(), "deflate", 400, "zlib"));
        cases.add(new Case("invalid UTF-8: an encoded surrogate",
                concat(utf8("{\"x\":\""), new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, utf8("\"}\n" + event)),
                null, 400, "UTF-8"));
        return cases.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void answersAsRelayDoes(Case c) throws Exception {
        HttpResponse<String> r = c.encoding == null
                ? sidecar.post("/api/1/envelope/?sentry_key=" + KEY, c.body)
                : sidecar.post("/api/1/envelope/?sentry_key=" + KEY, c.body, "Content-Encoding", c.encoding);
        assertThat(r.statusCode()).as(c.rule + ": " + r.body()).isEqualTo(c.status);
        if (c.detail != null) {
            assertThat(r.body()).as(c.rule).startsWith("{\"detail\":").contains(c.detail);
        }
        if (c.status == 200 && new String(c.body, StandardCharsets.UTF_8).contains("\"type\"")) {
            assertThat(upstream.take(10)).as(c.rule + ": forwarded").isNotNull();
        }
    }

    static byte[] utf8(String s) {
        // the overlong-slash case writes U+00C0 U+00AF as the two raw bytes C0 AF
        if (s.contains("\u00c0\u00af")) {
            return concat(s.substring(0, s.indexOf('\u00c0')).getBytes(StandardCharsets.UTF_8),
                    new byte[] {(byte) 0xc0, (byte) 0xaf},
                    s.substring(s.indexOf('\u00c0') + 2).getBytes(StandardCharsets.UTF_8));
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
