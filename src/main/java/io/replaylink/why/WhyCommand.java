package io.replaylink.why;

import io.replaylink.config.ConfigException;
import io.replaylink.config.ConfigLoader;
import io.replaylink.config.ReplayLinkConfig;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code replaylink why EVENT_ID} or {@code replaylink why --trace TRACE_ID}: asks a running sidecar's why-API (the
 * admin listener of the config, or {@code --admin URL}) and prints its answer as a sentence, then the details.
 * Exit status: 0 answered, 1 the event is not known, 2 a usage or connection error.
 */
public final class WhyCommand {
    static final String USAGE = """
            usage: replaylink why EVENT_ID | --trace TRACE_ID [--org N] [--config PATH] [--admin URL] [--token TOKEN]
              EVENT_ID          what became of this event: linked (to which replay, how, when) or why not
              --trace TRACE_ID  the trace's replay, how it was learned, its waiting events and its links
              --org N           the organisation (default 0: a config that names none)
              --config PATH     the config whose admin listener to ask (default config/replaylink.yaml)
              --admin URL       ask this admin listener instead (e.g. http://127.0.0.1:3001)
              --token TOKEN     admin.token, when it is set (default: the config's)""";

    private WhyCommand() {
    }

    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        String event = null;
        String trace = null;
        String org = "0";
        String admin = null;
        String token = null;
        Path config = Path.of("config/replaylink.yaml");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            boolean hasValue = i + 1 < args.length;
            switch (a) {
                case "--trace", "--org", "--config", "--admin", "--token" -> {
                    if (!hasValue) {
                        err.println(a + " needs a value\n" + USAGE);
                        return 2;
                    }
                    String v = args[++i];
                    switch (a) {
                        case "--trace" -> trace = v;
                        case "--org" -> org = v;
                        case "--config" -> config = Path.of(v);
                        case "--admin" -> admin = v;
                        default -> token = v;
                    }
                }
                case "-h", "--help" -> {
                    out.println(USAGE);
                    return 0;
                }
                default -> {
                    if (a.startsWith("-") || event != null) {
                        err.println("unexpected argument " + a + "\n" + USAGE);
                        return 2;
                    }
                    event = a;
                }
            }
        }
        if ((event == null) == (trace == null)) {
            err.println("name one event id or one --trace\n" + USAGE);
            return 2;
        }
        if (!org.matches("\\d{1,18}")) {
            err.println("--org must be an organisation id (a number), got " + org);
            return 2;
        }
        if (admin == null || token == null) {
            ReplayLinkConfig c;
            try {
                c = ConfigLoader.load(config, env);
            } catch (ConfigException e) {
                if (admin == null) {
                    err.println("cannot read " + config + " to find the admin listener (or give --admin URL): "
                            + e.getMessage());
                    return 2;
                }
                c = null;
            }
            if (c != null) {
                if (admin == null) {
                    if (!c.admin().enabled()) {
                        err.println("the admin listener is off in " + config + " (admin.enabled: true), or give --admin URL");
                        return 2;
                    }
                    String host = c.admin().host().equals("0.0.0.0") ? "127.0.0.1" : c.admin().host();
                    admin = "http://" + host + ":" + c.admin().port();
                }
                if (token == null && !c.admin().token().isEmpty()) {
                    token = c.admin().token();
                }
            }
        }
        String path = event != null ? "/api/v1/events/" + event : "/api/v1/traces/" + trace;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(admin + path + "?org=" + org))
                .timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> answer;
        try {
            answer = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            err.println("cannot reach the admin listener at " + admin + ": " + e);
            return 2;
        } 
        Map<String, Object> fields = LinkNote.flat(answer.body());
        if (answer.statusCode() != 200 && answer.statusCode() != 404 || fields == null) {
            err.println("the admin listener answered " + answer.statusCode() + ": " + answer.body());
            return 2;
        }
        String sentence = String.valueOf(fields.get("sentence"));
        out.println(sentence);
        out.println(answer.body());
        return answer.statusCode() == 404 ? 1 : 0;
    }
}
