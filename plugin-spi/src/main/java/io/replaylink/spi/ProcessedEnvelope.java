package io.replaylink.spi;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An envelope on its way through the pipeline, as processors see it.
 *
 * <p>JSON values are exposed as plain Java values: {@code Map<String, Object>} (insertion ordered), {@code
 * List<Object>}, {@code String}, {@code Boolean}, {@code Long} or {@code java.math.BigInteger} for integers, {@code
 * java.math.BigDecimal} for other numbers, and {@code null}. Header fields not changed by any stage are forwarded
 * byte for byte.
 *
 * @since 1
 */
public interface ProcessedEnvelope {

    /** The project id from the request path. */
    long projectId();

    /** The public key the request was authenticated with, if any. */
    Optional<String> publicKey();

    /** A header of the HTTP request that carried the envelope (case-insensitive name). */
    Optional<String> requestHeader(String name);

    /** The envelope header (first line), read-only. */
    Map<String, Object> header();

    /** Sets (or with {@code null} value removes) a top-level field of the envelope header. */
    void setHeader(String field, Object value);

    /** The items not dropped so far, in envelope order. */
    List<? extends ProcessedItem> items();

    /** Attributes stages pass on to later stages and to sinks; not forwarded. */
    Map<String, Object> attributes();
}
