package io.replaylink.replay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.replaylink.envelope.JsonValues;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JsonSpliceTest {
    static final List<String> PATH = List.of("contexts", "replay");
    static final String R = "\"0123456789abcdef0123456789abcdef\"";

    static String splice(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        byte[] out = JsonSplice.ensureField(b, 0, b.length, PATH, "replay_id", R);
        return out == null ? null : new String(out, StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"a\":1}|{\"contexts\":{\"replay\":{\"replay_id\":" + R + "}},\"a\":1}",
            "{}|{\"contexts\":{\"replay\":{\"replay_id\":" + R + "}}}",
            "{\"contexts\":{}}|{\"contexts\":{\"replay\":{\"replay_id\":" + R + "}}}",
            "{\"contexts\":{\"trace\":{\"trace_id\":\"x\"}},\"b\":[1]}|{\"contexts\":{\"replay\":{\"replay_id\":" + R
                    + "},\"trace\":{\"trace_id\":\"x\"}},\"b\":[1]}",
            "{\"a\":{\"contexts\":{}},\"contexts\":{\"os\":{}}}|{\"a\":{\"contexts\":{}},\"contexts\":{\"replay\":"
                    + "{\"replay_id\":" + R + "},\"os\":{}}}",
            "{\"contexts\":{\"replay\":{\"x\":1}}}|{\"contexts\":{\"replay\":{\"replay_id\":" + R + ",\"x\":1}}}",
            "{\"contexts\":null,\"z\":2}|{\"contexts\":{\"replay\":{\"replay_id\":" + R + "}},\"z\":2}",
            "{\"contexts\":{\"replay\":[1,2]}}|{\"contexts\":{\"replay\":{\"replay_id\":" + R + "}}}",
            "{\"contexts\":{\"replay\":\"abc\",\"x\":1}}|{\"contexts\":{\"replay\":{\"replay_id\":" + R + "},\"x\":1}}",
            "{\"contexts\":\"a string\"}|{\"contexts\":{\"replay\":{\"replay_id\":" + R + "}}}",
            "{\"contexts\":12.5e3,\"y\":true}|{\"contexts\":{\"replay\":{\"replay_id\":" + R + "}},\"y\":true}",
            "{ \"msg\" : \"é \\\" }\" , \"contexts\" : { } }|{\"contexts\":{\"replay\":{\"replay_id\":" + R
                    + "}}, \"msg\" : \"é \\\" }\" , \"contexts\" : { } }",
    })
    void insertsTheFieldAndKeepsEveryOtherByte(String input, String expected) {
        if (input.startsWith("{ \"msg\"")) {
            // contexts present but last: inserted inside it, every other byte kept
            expected = "{ \"msg\" : \"é \\\" }\" , \"contexts\" : {\"replay\":{\"replay_id\":" + R + "} } }";
        }
        String out = splice(input);
        assertThat(out).isEqualTo(expected);
        assertThat(parse(out)).isNotNull();
    }

    @Test
    void existingFieldMeansNoChange() {
        assertThat(splice("{\"contexts\":{\"replay\":{\"replay_id\":\"x\"}}}")).isNull();
    }

    @Test
    void notAnObjectOrBrokenMeansNoChange() {
        assertThat(splice("[1]")).isNull();
        assertThat(splice("{\"a\":")).isNull();
        assertThat(splice("")).isNull();
    }

    @Test
    void worksOnASliceOfALargerArray() {
        byte[] buf = "xxxx{\"a\":1}yyyy".getBytes(StandardCharsets.UTF_8);
        byte[] out = JsonSplice.ensureField(buf, 4, 7, PATH, "replay_id", R);
        assertThat(new String(out, StandardCharsets.UTF_8))
                .isEqualTo("{\"contexts\":{\"replay\":{\"replay_id\":" + R + "}},\"a\":1}");
    }

    @Test
    void addsReplayIdToTheDscInAHeader() {
        byte[] header = "{\"event_id\":\"e\",\"trace\":{\"trace_id\":\"t\",\"sample_rate\":\"0.25\"}}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] out = JsonSplice.ensureField(header, 0, header.length, List.of("trace"), "replay_id", R);
        assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo("{\"event_id\":\"e\",\"trace\":{\"replay_id\":"
                + R + ",\"trace_id\":\"t\",\"sample_rate\":\"0.25\"}}");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String json) {
        try (JsonParser p = new JsonFactory().createParser(json)) {
            p.nextToken();
            Map<String, Object> m = (Map<String, Object>) JsonValues.read(p);
            assertThat(p.nextToken()).isNull();
            return m;
        } catch (Exception e) {
            throw new AssertionError("not valid JSON: " + json, e);
        }
    }

    static String append(String json, String... ids) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        byte[] out = JsonSplice.appendStrings(b, 0, b.length, "error_ids", List.of(ids));
        return out == null ? null : new String(out, StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"type\":\"replay_event\"}|{\"error_ids\":[\"a\",\"b\"],\"type\":\"replay_event\"}",
            "{}|{\"error_ids\":[\"a\",\"b\"]}",
            "{\"error_ids\":[],\"x\":1}|{\"error_ids\":[\"a\",\"b\"],\"x\":1}",
            "{\"error_ids\":[\"c\"]}|{\"error_ids\":[\"c\",\"a\",\"b\"]}",
            "{\"error_ids\": [ \"a\" , 7 ] }|{\"error_ids\": [ \"a\" , 7 ,\"b\"] }",
            "{\"error_ids\":null,\"y\":{\"error_ids\":[]}}|{\"error_ids\":[\"a\",\"b\"],\"y\":{\"error_ids\":[]}}",
            "{\"z\":{\"a\":[1]},\"error_ids\":{\"k\":1}}|{\"z\":{\"a\":[1]},\"error_ids\":[\"a\",\"b\"]}",
    })
    void appendsIdsToTheRootArrayLeavingEveryOtherByte(String in, String expected) {
        assertThat(append(in, "a", "b", "a")).isEqualTo(expected);
    }

    @Test
    void appendsNothingWhenEveryIdIsThereOrTheDocumentIsNotAnObject() {
        assertThat(append("{\"error_ids\":[\"a\",\"b\"]}", "b", "a")).isNull();
        assertThat(append("[1]", "a")).isNull();
        assertThat(append("{\"error_ids\":[\"a\"", "b")).isNull();
    }

    @Test
    void aKeyGivenTwiceGetsTheFieldInItsLastOccurrenceAsLastWinsParsersReadIt() {
        assertThat(splice("{\"contexts\":{\"a\":1},\"x\":2,\"contexts\":{\"b\":2}}"))
                .isEqualTo("{\"contexts\":{\"a\":1},\"x\":2,\"contexts\":{\"replay\":{\"replay_id\":" + R
                        + "},\"b\":2}}");
        assertThat(splice("{\"contexts\":{\"replay\":{\"replay_id\":\"x\"}},\"contexts\":{}}"))
                .as("the first has it, the last (the one kept) not")
                .isEqualTo("{\"contexts\":{\"replay\":{\"replay_id\":\"x\"}},\"contexts\":{\"replay\":"
                        + "{\"replay_id\":" + R + "}}}");
        assertThat(splice("{\"contexts\":{},\"contexts\":{\"replay\":{\"replay_id\":\"x\"}}}")).isNull();
    }

    @Test
    void payloadsThatAreNotUtf8AreLeftAlone() {
        byte[] utf16 = "{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_16);
        assertThat(JsonSplice.ensureField(utf16, 0, utf16.length, PATH, "replay_id", R)).isNull();
        byte[] utf16le = "{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_16LE);
        assertThat(JsonSplice.ensureField(utf16le, 0, utf16le.length, PATH, "replay_id", R)).isNull();
        assertThat(JsonSplice.appendStrings(utf16le, 0, utf16le.length, "error_ids", List.of("a"))).isNull();
    }
}
