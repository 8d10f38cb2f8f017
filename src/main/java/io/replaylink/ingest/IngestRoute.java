package io.replaylink.ingest;

/**
 * An ingest path, {@code /api/{project}/envelope/} or {@code /api/{project}/store/} (the trailing slash optional),
 * matched by hand: every request passes here.
 */
record IngestRoute(IngestEndpoint.Kind kind, String project) {
    private static final String PREFIX = "/api/";

    /** The route of {@code path} (slashes already collapsed), or null when it is not an ingest path. */
    static IngestRoute of(String path) {
        if (!path.startsWith(PREFIX)) {
            return null;
        }
        int slash = path.indexOf('/', PREFIX.length());
        if (slash <= PREFIX.length()) {
            return null;
        }
        int end = path.endsWith("/") ? path.length() - 1 : path.length();
        if (end <= slash) {
            return null;
        }
        IngestEndpoint.Kind kind;
        if (path.regionMatches(slash + 1, "envelope", 0, end - slash - 1) && end - slash - 1 == 8) {
            kind = IngestEndpoint.Kind.ENVELOPE;
        } else if (path.regionMatches(slash + 1, "store", 0, end - slash - 1) && end - slash - 1 == 5) {
            kind = IngestEndpoint.Kind.STORE;
        } else {
            return null;
        }
        return new IngestRoute(kind, path.substring(PREFIX.length(), slash));
    }
}
