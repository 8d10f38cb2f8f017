package io.replaylink.ingest;

import java.io.ByteArrayInputStream;
import java.io.InputStream;

/** Test access to the gzip decoder, for the fuzz targets. */
public final class ContentDecodingAccess {
    private ContentDecodingAccess() {
    }

    public static InputStream gzip(byte[] body) {
        return new GzipMembers(new ByteArrayInputStream(body), 8192);
    }
}
