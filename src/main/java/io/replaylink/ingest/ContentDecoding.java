package io.replaylink.ingest;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.BrotliInputStream;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Request body decompression for {@code Content-Encoding} identity, gzip, deflate (zlib-wrapped only: raw deflate
 * is refused, as Relay's decoder refuses it), br and zstd, as Relay accepts them. Output is counted while it is produced and stops at the limit, so no
 * compression bomb can take more than {@code max_envelope_size} of memory; every decoded chunk is charged to the
 * request's share of the in-flight memory budget as it is produced. The first {@link #INLINE_OUTPUT_BYTES}
 * are decoded on the calling event loop; a body that inflates beyond that continues on a worker thread, so a large
 * body never stalls the event loop.
 */
final class ContentDecoding {
    static final int INLINE_OUTPUT_BYTES = 1 << 20;
    private static final int CHUNK = 64 * 1024;

    enum Encoding {
        IDENTITY, GZIP, DEFLATE, BR, ZSTD;

        /** The metrics' label, made once (a label made per request misses the metrics' cache of label values). */
        final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    private ContentDecoding() {
    }

    /** The encoding named by a {@code Content-Encoding} value; empty and {@code UTF-8} count as identity (Relay). */
    static Encoding parse(String header) throws UnsupportedEncodingError {
        if (header == null) {
            return Encoding.IDENTITY;
        }
        String v = header.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "", "utf-8", "identity" -> Encoding.IDENTITY;
            case "gzip", "x-gzip" -> Encoding.GZIP;
            case "deflate" -> Encoding.DEFLATE;
            case "br" -> Encoding.BR;
            case "zstd" -> Encoding.ZSTD;
            default -> throw new UnsupportedEncodingError(header.trim());
        };
    }

    static final class UnsupportedEncodingError extends Exception {
        final String encoding;

        UnsupportedEncodingError(String encoding) {
            super(encoding, null, false, false);
            this.encoding = encoding;
        }
    }

    /** Signals a body over the limit or not decodable; carries the client's answer. */
    static final class DecodeFailure extends RuntimeException {
        final IngestError error;

        DecodeFailure(IngestError error) {
            super(error.detail(), null, false, false);
            this.error = error;
        }
    }

    /**
     * Decodes {@code body} (not released here) into a new buffer owned by the caller, failing with {@link
     * DecodeFailure} when the output would exceed {@code limit} bytes or the input is corrupt.
     */
    static Future<ByteBuf> decode(Vertx vertx, Encoding encoding, ByteBuf body, long limit,
                                  InflightBudget.Reservation budget) {
        if (encoding == Encoding.IDENTITY) {
            return Future.succeededFuture(body.retainedDuplicate());
        }
        Decompression d;
        try {
            ByteBufInputStream raw = new ByteBufInputStream(body.duplicate());
            d = new Decompression(open(encoding, raw), raw, limit, budget);
        } catch (IOException e) {
            return Future.failedFuture(corrupt(encoding, e));
        }
        try {
            if (d.run(INLINE_OUTPUT_BYTES)) {
                return Future.succeededFuture(d.out);
            }
        } catch (DecodeFailure e) {
            d.abort();
            return Future.failedFuture(e);
        } catch (IOException e) {
            d.abort();
            return Future.failedFuture(corrupt(encoding, e));
        }
        return vertx.executeBlocking(() -> {
            try {
                d.run(Long.MAX_VALUE);
                return (ByteBuf) d.out;
            } catch (IOException e) {
                d.abort();
                throw corrupt(encoding, e);
            } catch (RuntimeException e) {
                d.abort();
                throw e;
            }
        }, false);
    }

    private static DecodeFailure corrupt(Encoding encoding, IOException e) {
        return new DecodeFailure(new IngestError.BadRequest(
                "invalid " + encoding.name().toLowerCase(Locale.ROOT) + " body: " + e.getMessage(), "compression"));
    }

    private static InputStream open(Encoding encoding, InputStream in) throws IOException {
        return switch (encoding) {
            case GZIP -> new GzipMembers(in, CHUNK);
            case DEFLATE -> {
                in.mark(2);
                int cmf = in.read();
                int flg = in.read();
                in.reset();
                boolean zlib = cmf >= 0 && flg >= 0 && (cmf & 0x0f) == 8 && ((cmf << 8) | flg) % 31 == 0;
                if (!zlib) {
                    throw new java.util.zip.ZipException("not a zlib stream (raw deflate is not accepted)");
                }
                yield new InflaterInputStream(in, new Inflater(false), CHUNK);
            }
            case BR -> {
                Brotli4jLoader.ensureAvailability();
                yield new BrotliInputStream(in);
            }
            case ZSTD -> new ZstdInputStreamNoFinalizer(in);
            case IDENTITY -> in;
        };
    }

    private static final class Decompression {
        final InputStream in;
        final ByteBufInputStream raw;
        final long limit;
        final InflightBudget.Reservation reservation;
        final CompositeByteBuf out = Unpooled.compositeBuffer(Integer.MAX_VALUE);

        Decompression(InputStream in, ByteBufInputStream raw, long limit, InflightBudget.Reservation budget) {
            this.in = in;
            this.raw = raw;
            this.limit = limit;
            this.reservation = budget;
        }

        /**
         * Decodes up to {@code budget} more output bytes, or until as much input was consumed (input that yields
         * nothing, such as empty gzip members, must not keep the event loop busy either); true when finished.
         */
        boolean run(long budget) throws IOException {
            long produced = 0;
            long consumedAtStart = raw.readBytes();
            while (produced < budget && raw.readBytes() - consumedAtStart < budget) {
                ByteBuf chunk = Unpooled.buffer(CHUNK, CHUNK);
                boolean eof = false;
                while (chunk.isWritable()) {
                    if (chunk.writeBytes(in, chunk.writableBytes()) < 0) {
                        eof = true;
                        break;
                    }
                }
                int n = chunk.readableBytes();
                if (out.readableBytes() + (long) n > limit) {
                    chunk.release();
                    throw new DecodeFailure(new IngestError.TooLarge(
                            "decompressed body exceeds max_envelope_size (" + limit + " bytes)", "envelope_size"));
                }
                if (n > 0 && !reservation.grow(n)) {
                    chunk.release();
                    throw new DecodeFailure(new IngestError.Unavailable(
                            "too many request bodies in memory, retry later", java.time.Duration.ofSeconds(1),
                            "memory"));
                }
                if (n > 0) {
                    out.addComponent(true, chunk);
                } else {
                    chunk.release();
                }
                produced += n;
                if (eof) {
                    in.close();
                    return true;
                }
            }
            return false;
        }

        void abort() {
            out.release();
            try {
                in.close();
            } catch (IOException ignored) {
                // the input is an in-memory buffer; nothing to clean up
            }
        }
    }
}
