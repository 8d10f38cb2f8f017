package io.replaylink.testing;

import java.nio.file.Path;

/** Pieces of the private nginx configurations tests and benches run (nginx writes only under their directory). */
public final class NginxConfigs {
    private NginxConfigs() {
    }

    /** The {@code http {}} lines that keep access logs off and every temporary file under {@code dir}. */
    public static String privatePaths(Path dir) {
        return """
                  access_log off;
                  client_body_temp_path %s/body;
                  proxy_temp_path %s/proxy;
                  fastcgi_temp_path %s/fastcgi;
                  uwsgi_temp_path %s/uwsgi;
                  scgi_temp_path %s/scgi;
                """.formatted(dir, dir, dir, dir, dir);
    }
}
