package io.replaylink.loadgen;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.util.Map;
import java.util.Set;

/**
 * A scripted envelope stream (a file in {@code scripts/scenarios/}): browser sessions, their replays, the backend
 * services each trace reaches, what those send, in which order, at what rate. Every key is optional.
 *
 * @param seed             random seed: the same seed gives the same bytes; default 1
 * @param sessions         browser sessions (one trace each); default 100
 * @param replayShare      share of sessions with a replay; default 0.3
 * @param bufferModeShare  share of replays in buffer mode (no replay id in the DSC or baggage: known only through
 *                         the browser error's replayId tag and the replay event's trace_ids); default 0.5
 * @param backendServices  backend services each trace reaches; default 2
 * @param baggageShare     share of backend services that propagate baggage (a session-mode replay id reaches their
 *                         DSC); default 0.5
 * @param errorsPerService backend error events per service and trace; default 1
 * @param transactionsPerService backend transactions per service and trace; default 1
 * @param fatalShare       share of backend errors at level fatal (the rest: error, and warning at warningShare)
 * @param warningShare     share of backend errors at level warning
 * @param order            {@code replay_first}, {@code events_first} or {@code interleaved}; default events_first
 * @param minEventBytes    smallest event payload; default 1024
 * @param maxEventBytes    largest event payload; default 4096
 * @param attachmentShare  share of backend errors sent with an attachment; default 0.05
 * @param storeShare       share of backend errors sent to /store/; default 0.05
 * @param unknownItemShare share of envelopes carrying an item of a type Sentry does not know; default 0.02
 * @param malformedShare   malformed envelopes added, per session; default 0.01
 * @param rateProfile      {@code constant}, {@code steps} or {@code ramp}; default constant
 * @param rps              requests per second (constant; the start of a ramp; the first step); default 200
 * @param rpsTo            the end of a ramp, or the last step; default rps
 * @param steps            number of equal steps from rps to rpsTo; default 4
 */
public record Scenario(long seed, int sessions, double replayShare, double bufferModeShare, int backendServices,
                       double baggageShare, int errorsPerService, int transactionsPerService, double fatalShare,
                       double warningShare, String order, int minEventBytes, int maxEventBytes,
                       double attachmentShare, double storeShare, double unknownItemShare, double malformedShare,
                       String rateProfile, double rps, double rpsTo, int steps) {

    private static final Set<String> KEYS = Set.of("seed", "sessions", "replay_share", "buffer_mode_share",
            "backend_services", "baggage_share", "errors_per_service", "transactions_per_service", "fatal_share",
            "warning_share", "order", "min_event_bytes", "max_event_bytes", "attachment_share", "store_share",
            "unknown_item_share", "malformed_share", "rate");

    @SuppressWarnings("unchecked")
    public static Scenario parse(String yaml) {
        Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        Map<String, Object> m = root instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
        for (String k : m.keySet()) {
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException(k + ": unknown scenario key (" + KEYS + ")");
            }
        }
        Map<String, Object> rate = m.get("rate") instanceof Map<?, ?> r ? (Map<String, Object>) r : Map.of();
        double rps = num(rate, "rps", 200);
        String order = str(m, "order", "events_first");
        if (!Set.of("replay_first", "events_first", "interleaved").contains(order)) {
            throw new IllegalArgumentException("order: replay_first, events_first or interleaved, got " + order);
        }
        String profile = str(rate, "profile", "constant");
        if (!Set.of("constant", "steps", "ramp").contains(profile)) {
            throw new IllegalArgumentException("rate.profile: constant, steps or ramp, got " + profile);
        }
        Scenario s = new Scenario((long) num(m, "seed", 1), (int) num(m, "sessions", 100), num(m, "replay_share", 0.3),
                num(m, "buffer_mode_share", 0.5), (int) num(m, "backend_services", 2), num(m, "baggage_share", 0.5),
                (int) num(m, "errors_per_service", 1), (int) num(m, "transactions_per_service", 1),
                num(m, "fatal_share", 0.05), num(m, "warning_share", 0.15), order,
                (int) num(m, "min_event_bytes", 1024), (int) num(m, "max_event_bytes", 4096),
                num(m, "attachment_share", 0.05), num(m, "store_share", 0.05), num(m, "unknown_item_share", 0.02),
                num(m, "malformed_share", 0.01), profile, rps, num(rate, "rps_to", rps), (int) num(rate, "steps", 4));
        if (s.rps <= 0 || s.rpsTo <= 0 || s.sessions < 1 || s.minEventBytes > s.maxEventBytes) {
            throw new IllegalArgumentException("rates and sessions must be positive, min_event_bytes <= max_event_bytes");
        }
        return s;
    }

    private static double num(Map<String, Object> m, String key, double def) {
        Object v = m.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException(key + ": must be a number, got " + v);
    }

    private static String str(Map<String, Object> m, String key, String def) {
        Object v = m.get(key);
        return v == null ? def : v.toString();
    }

    /** The rate at a point of the stream, {@code progress} from 0 to 1. */
    double rateAt(double progress) {
        return switch (rateProfile) {
            case "ramp" -> rps + (rpsTo - rps) * progress;
            case "steps" -> {
                int step = Math.min(steps - 1, (int) (progress * steps));
                yield steps <= 1 ? rps : rps + (rpsTo - rps) * step / (steps - 1);
            }
            default -> rps;
        };
    }
}
