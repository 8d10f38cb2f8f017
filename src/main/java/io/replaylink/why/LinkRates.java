package io.replaylink.why;

import java.util.HashMap;
import java.util.Map;

/**
 * The share of backend errors linked to a replay over the last 5 minutes and hour, overall and per project, with a
 * late link counted in the window of its error (not of the moment the replay came): errors are counted in 10-second
 * buckets by arrival, and a link adds to the bucket of its error's time. One instance's view: with several sidecars,
 * each counts the errors it saw and the links it made. Bounded: 360 buckets; per bucket at most
 * {@link #MAX_PROJECTS} projects, the rest under project 0 ("other").
 */
public final class LinkRates {
    static final int BUCKET_SECS = 10;
    static final int BUCKETS = 360;
    static final int MAX_PROJECTS = 50;

    private final long[] start = new long[BUCKETS];
    private final long[] seen = new long[BUCKETS];
    private final long[] linked = new long[BUCKETS];
    @SuppressWarnings("unchecked")
    private final Map<Long, long[]>[] projects = new Map[BUCKETS];

    /** One window's counts. */
    public record Share(long seen, long linked) {
        public double ratio() {
            return seen == 0 ? Double.NaN : Math.min(1.0, (double) linked / seen);
        }
    }

    public synchronized void seen(long projectId, long atSecs) {
        int b = bucket(atSecs, true);
        if (b >= 0) {
            seen[b]++;
            project(b, projectId)[0]++;
        }
    }

    /** A link of an error that came at {@code errorAtSecs} (a late one: its own time; older than an hour: none). */
    public synchronized void linked(long projectId, long errorAtSecs, long nowSecs) {
        long at = Math.min(errorAtSecs, nowSecs);
        if (nowSecs - at >= (long) BUCKETS * BUCKET_SECS) {
            return;
        }
        int b = bucket(at, false);
        if (b >= 0) {
            linked[b]++;
            project(b, projectId)[1]++;
        }
    }

    /** The counts found last (one project's in one bucket: most envelopes in a row are alike), and where. */
    private Map<Long, long[]> lastMap;
    private long lastProject;
    private long[] lastCounts;

    private long[] project(int b, long projectId) {
        Map<Long, long[]> p = projects[b];
        if (p != null && p == lastMap && projectId == lastProject) {
            return lastCounts;
        }
        if (p == null) {
            p = projects[b] = new HashMap<>();
        }
        long[] counts = p.get(projectId);
        if (counts == null) {
            counts = p.computeIfAbsent(p.size() >= MAX_PROJECTS ? 0L : projectId, k -> new long[2]);
        }
        lastMap = p;
        lastProject = projectId;
        lastCounts = counts;
        return counts;
    }

    /** The slot of the bucket holding {@code atSecs}; a new bucket (arrivals only) clears its slot's old one. */
    private int bucket(long atSecs, boolean open) {
        long bucketStart = atSecs - Math.floorMod(atSecs, BUCKET_SECS);
        int slot = (int) Math.floorMod(bucketStart / BUCKET_SECS, BUCKETS);
        if (start[slot] != bucketStart) {
            if (!open && start[slot] > bucketStart) {
                return -1; // that bucket is gone already
            }
            start[slot] = bucketStart;
            seen[slot] = 0;
            linked[slot] = 0;
            projects[slot] = null;
        }
        return slot;
    }

    /** Overall share over the last {@code secs} seconds. */
    public synchronized Share share(long nowSecs, long secs) {
        long s = 0;
        long l = 0;
        for (int i = 0; i < BUCKETS; i++) {
            if (start[i] > nowSecs - secs && start[i] <= nowSecs) {
                s += seen[i];
                l += linked[i];
            }
        }
        return new Share(s, l);
    }

    /** Per project (0: "other") over the last {@code secs} seconds. */
    public synchronized Map<Long, Share> byProject(long nowSecs, long secs) {
        Map<Long, long[]> sum = new java.util.TreeMap<>();
        for (int i = 0; i < BUCKETS; i++) {
            if (projects[i] != null && start[i] > nowSecs - secs && start[i] <= nowSecs) {
                projects[i].forEach((p, c) -> {
                    long[] t = sum.computeIfAbsent(p, k -> new long[2]);
                    t[0] += c[0];
                    t[1] += c[1];
                });
            }
        }
        Map<Long, Share> out = new java.util.TreeMap<>();
        sum.forEach((p, c) -> out.put(p, new Share(c[0], c[1])));
        return out;
    }
}
