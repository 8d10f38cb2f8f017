package io.replaylink.plugin;

import java.util.Optional;
import java.util.function.Function;

/** What processors may know of the HTTP request that carried an envelope. */
public record ProcessingRequest(long projectId, long organizationId, Optional<String> publicKey,
                                Function<String, String> header) {
}
