package io.replaylink.testing;

import io.sentry.Sentry;

/** The real Java SDK set up as the tests use it: every transaction sampled, no client reports, no global handler. */
public final class SentrySdk {
    private SentrySdk() {
    }

    public static void init(String dsn) {
        Sentry.init(options -> {
            options.setDsn(dsn);
            options.setTracesSampleRate(1.0);
            options.setRelease("replaylink-test@1.0.0");
            options.setEnvironment("test");
            options.setSendClientReports(false);
            options.setEnableUncaughtExceptionHandler(false);
        });
    }
}
