package io.replaylink.ingest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * A gzip body (RFC 1952) of one or more members, decoded member after member in a loop. The JDK's {@code
 * GZIPInputStream} reads the next member by calling itself, one stack frame per member, so a body of thousands of
 * empty members overflowed the stack. Every member's header, CRC-32 and size are checked; bytes after the last member
 * that are not another member are an error (trailing garbage).
 */
final class GzipMembers extends InputStream {
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final PushbackInputStream in;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] input;
    private boolean inMember;
    private boolean eof;
    private long members;
    private long memberSize;
    /** How many bytes of {@link #input} (from its start) were last handed to the inflater. */
    private int lastInput;

    GzipMembers(InputStream in, int bufferSize) {
        this.in = new PushbackInputStream(in, bufferSize);
        this.input = new byte[bufferSize];
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!eof) {
            if (!inMember && !startMember()) {
                eof = true;
                break;
            }
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                throw new ZipException("invalid deflate data: " + e.getMessage());
            }
            if (n > 0) {
                crc.update(b, off, n);
                memberSize += n;
                return n;
            }
            if (inflater.finished()) {
                endMember();
            } else if (inflater.needsDictionary()) {
                throw new ZipException("invalid deflate data: a preset dictionary");
            } else if (inflater.needsInput()) {
                int read = in.read(input, 0, input.length);
                if (read < 0) {
                    throw new EOFException("unexpected end of gzip data");
                }
                lastInput = read;
                inflater.setInput(input, 0, read);
            }
        }
        return -1;
    }

    /** Reads a member's header; false at the end of the body (after at least one member). */
    private boolean startMember() throws IOException {
        int id1 = in.read();
        if (id1 < 0) {
            if (members == 0) {
                throw new EOFException("empty gzip body");
            }
            return false;
        }
        if (id1 != 0x1f || readByte() != 0x8b) {
            throw new ZipException(members == 0 ? "not in gzip format" : "trailing data after the last gzip member");
        }
        if (readByte() != 8) {
            throw new ZipException("unsupported compression method");
        }
        int flags = readByte();
        skip(6); // mtime, extra flags, operating system
        if ((flags & FEXTRA) != 0) {
            skip(readByte() | readByte() << 8);
        }
        if ((flags & FNAME) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FCOMMENT) != 0) {
            skipZeroTerminated();
        }
        if ((flags & FHCRC) != 0) {
            skip(2);
        }
        inflater.reset();
        crc.reset();
        memberSize = 0;
        inMember = true;
        members++;
        return true;
    }

    /** After a member's deflate data: gives back what the inflater read beyond it, checks the trailer. */
    private void endMember() throws IOException {
        int remaining = inflater.getRemaining();
        if (remaining > 0) {
            in.unread(input, lastInput - remaining, remaining);
        }
        long expectedCrc = readIntLittleEndian();
        long expectedSize = readIntLittleEndian();
        if (expectedCrc != crc.getValue() || expectedSize != (memberSize & 0xffffffffL)) {
            throw new ZipException("corrupt gzip trailer");
        }
        inMember = false;
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("unexpected end of gzip header");
        }
        return b;
    }

    private void skip(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            readByte();
        }
    }

    private void skipZeroTerminated() throws IOException {
        while (readByte() != 0) {
            // a file name or comment
        }
    }

    private long readIntLittleEndian() throws IOException {
        return (readByte() | readByte() << 8 | readByte() << 16 | (long) readByte() << 24) & 0xffffffffL;
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }
}
