package io.replaylink.loadgen;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Turns a {@link Scenario} into a {@link Stream}: deterministic (one {@link Random} seeded by the scenario, so the
 * same scenario gives the same bytes), shaped like what Sentry SDKs send (browser replay events and buffer-mode
 * errors, backend errors and transactions with or without the replay id in their DSC), and with the outcome it must
 * have: every backend error of a session with a replay linked to that replay exactly once, the others never.
 * Sessions overlap: up to 20 are open at a time and their requests interleave, each session's in its order.
 */
public final class StreamGenerator {
    static final String KEY = "0123456789abcdef0123456789abcdef";
    private static final int OPEN_SESSIONS = 20;

    private final Scenario scenario;
    private final Random random;

    private StreamGenerator(Scenario scenario) {
        this.scenario = scenario;
        this.random = new Random(scenario.seed());
    }

    public static Stream generate(Scenario scenario) {
        return new StreamGenerator(scenario).run();
    }

    private record Message(String path, String contentType, byte[] body, int expectedStatus) {
    }

    private Stream run() {
        Map<String, String> links = new LinkedHashMap<>();
        List<String> unlinked = new ArrayList<>();
        List<List<Message>> sessions = new ArrayList<>();
        for (int s = 0; s < scenario.sessions(); s++) {
            sessions.add(session(links, unlinked));
        }
        List<Message> ordered = interleave(sessions);
        List<Stream.Request> requests = new ArrayList<>(ordered.size());
        Map<Integer, Integer> status = new LinkedHashMap<>();
        double t = 0;
        for (int i = 0; i < ordered.size(); i++) {
            Message m = ordered.get(i);
            requests.add(new Stream.Request((long) t, m.path(), m.contentType(), m.body()));
            if (m.expectedStatus() != 200) {
                status.put(i, m.expectedStatus());
            }
            t += 1_000_000.0 / scenario.rateAt((double) i / ordered.size());
        }
        return new Stream(requests, links, unlinked, status);
    }

    private List<Message> interleave(List<List<Message>> sessions) {
        List<Message> out = new ArrayList<>();
        List<List<Message>> open = new ArrayList<>();
        int next = 0;
        while (next < sessions.size() || !open.isEmpty()) {
            while (open.size() < OPEN_SESSIONS && next < sessions.size()) {
                open.add(new ArrayList<>(sessions.get(next++)));
            }
            List<Message> s = open.get(random.nextInt(open.size()));
            out.add(s.remove(0));
            if (s.isEmpty()) {
                open.remove(s);
            }
        }
        return out;
    }

    private List<Message> session(Map<String, String> links, List<String> unlinked) {
        String trace = id();
        boolean hasReplay = random.nextDouble() < scenario.replayShare();
        boolean buffer = hasReplay && random.nextDouble() < scenario.bufferModeShare();
        String replay = hasReplay ? id() : null;
        List<Message> browser = new ArrayList<>();
        List<Message> backend = new ArrayList<>();
        if (buffer) {
            browser.add(envelope(browserError(trace, replay)));
        }
        for (int service = 0; service < scenario.backendServices(); service++) {
            boolean baggage = random.nextDouble() < scenario.baggageShare();
            String dscReplay = hasReplay && !buffer && baggage ? replay : null;
            for (int e = 0; e < scenario.errorsPerService(); e++) {
                String eventId = id();
                if (hasReplay) {
                    links.put(eventId, replay);
                } else {
                    unlinked.add(eventId);
                }
                backend.add(backendError(eventId, trace, dscReplay));
            }
            for (int x = 0; x < scenario.transactionsPerService(); x++) {
                backend.add(envelope(header(id(), trace, dscReplay) + item("transaction", transaction(trace))));
            }
        }
        Message replayEvent = hasReplay ? envelope(header(replay, null, null) + item("replay_event",
                "{\"type\":\"replay_event\",\"replay_id\":\"" + replay + "\",\"segment_id\":0,\"replay_type\":\""
                        + (buffer ? "buffer" : "session") + "\",\"trace_ids\":[\"" + trace + "\"]}")
                + item("replay_recording", "{\"segment_id\":0}\n" + "r".repeat(200))) : null;
        List<Message> out = new ArrayList<>();
        switch (scenario.order()) {
            case "replay_first" -> {
                if (replayEvent != null) {
                    out.add(replayEvent);
                }
                out.addAll(browser);
                out.addAll(backend);
            }
            case "interleaved" -> {
                out.addAll(browser);
                out.addAll(backend);
                if (replayEvent != null) {
                    out.add(replayEvent);
                }
                Collections.shuffle(out, random);
            }
            default -> {
                out.addAll(backend);
                out.addAll(browser);
                if (replayEvent != null) {
                    out.add(replayEvent);
                }
            }
        }
        if (random.nextDouble() < scenario.malformedShare()) {
            out.add(new Message("/api/1/envelope/", "application/x-sentry-envelope",
                    ("{}\n{\"type\":\"event\",\"length\":999}\n{}").getBytes(StandardCharsets.UTF_8), 400));
        }
        return out;
    }

    private Message backendError(String eventId, String trace, String dscReplay) {
        String level = random.nextDouble() < scenario.fatalShare() ? "fatal"
                : random.nextDouble() < scenario.warningShare() ? "warning" : "error";
        int size = scenario.minEventBytes() + random.nextInt(scenario.maxEventBytes() - scenario.minEventBytes() + 1);
        String event = event(eventId, level, trace, size);
        if (random.nextDouble() < scenario.storeShare()) {
            return new Message("/api/1/store/", "application/json", event.getBytes(StandardCharsets.UTF_8), 200);
        }
        StringBuilder body = new StringBuilder(header(eventId, trace, dscReplay)).append(item("event", event));
        if (random.nextDouble() < scenario.attachmentShare()) {
            body.append(item("attachment", "a".repeat(64 + random.nextInt(2048))));
        }
        if (random.nextDouble() < scenario.unknownItemShare()) {
            body.append(item("x_future_item", "{\"v\":1}"));
        }
        return envelope(body.toString());
    }

    private static Message envelope(String text) {
        return new Message("/api/1/envelope/", "application/x-sentry-envelope", text.getBytes(StandardCharsets.UTF_8),
                200);
    }

    private static String header(String eventId, String trace, String dscReplay) {
        StringBuilder h = new StringBuilder("{\"event_id\":\"").append(eventId).append("\",\"sent_at\":"
                + "\"2026-11-26T10:00:00.000Z\",\"dsn\":\"http://" + KEY + "@127.0.0.1/1\"");
        if (trace != null) {
            h.append(",\"trace\":{\"trace_id\":\"").append(trace).append("\",\"public_key\":\"").append(KEY)
                    .append("\",\"sample_rate\":\"1\",\"sampled\":\"true\"");
            if (dscReplay != null) {
                h.append(",\"replay_id\":\"").append(dscReplay).append('"');
            }
            h.append('}');
        }
        return h.append("}\n").toString();
    }

    private static String item(String type, String payload) {
        return "{\"type\":\"" + type + "\",\"length\":" + payload.getBytes(StandardCharsets.UTF_8).length + "}\n"
                + payload + "\n";
    }

    private String browserError(String trace, String replay) {
        String id = id();
        return "{\"event_id\":\"" + id + "\",\"trace\":{\"trace_id\":\"" + trace + "\",\"public_key\":\"" + KEY
                + "\",\"sampled\":\"false\"}}\n" + item("event", "{\"event_id\":\"" + id + "\",\"level\":\"error\","
                + "\"platform\":\"javascript\",\"tags\":{\"replayId\":\"" + replay + "\"},\"contexts\":{\"trace\":"
                + "{\"trace_id\":\"" + trace + "\",\"span_id\":\"a0e6f15b45c36b12\"}}}");
    }

    private String event(String eventId, String level, String trace, int size) {
        StringBuilder e = new StringBuilder("{\"event_id\":\"").append(eventId).append("\",\"level\":\"").append(level)
                .append("\",\"platform\":\"java\",\"timestamp\":1795687200.5,\"contexts\":{\"trace\":{\"trace_id\":\"")
                .append(trace).append("\",\"span_id\":\"b0e6f15b45c36b12\"}},\"exception\":{\"values\":[{\"type\":"
                        + "\"IllegalStateException\",\"value\":\"");
        while (e.length() < size - 8) {
            e.append('x');
        }
        return e.append("\"}]}}").toString();
    }

    private String transaction(String trace) {
        return "{\"event_id\":\"" + id() + "\",\"type\":\"transaction\",\"platform\":\"java\",\"transaction\":"
                + "\"GET /checkout\",\"contexts\":{\"trace\":{\"trace_id\":\"" + trace + "\",\"span_id\":"
                + "\"c0e6f15b45c36b12\",\"op\":\"http.server\"}},\"spans\":[]}";
    }

    private String id() {
        return String.format("%016x%016x", random.nextLong(), random.nextLong() | 1);
    }
}
