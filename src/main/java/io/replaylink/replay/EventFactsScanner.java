package io.replaylink.replay;

import java.nio.charset.StandardCharsets;

/**
 * The fast path of {@link EventFactsReader}: one pass over an event's bytes that reads the few fields linking needs
 * and steps over everything else without tokenising it (no name lookups, no text buffers, no number parsing), while
 * checking that the whole event is JSON. It answers only for events it is sure of, and then exactly what the jackson
 * reader answers: anything it does not handle the same way (an escape in a name or a read value, a byte-order mark,
 * invalid JSON or UTF-8, nesting or numbers near jackson's limits) makes it give up ({@code null}), and the caller
 * reads the event with jackson, whose answer then stands. What it accepts is a subset of what jackson accepts, so a
 * slot it finds is one jackson would find.
 */
final class EventFactsScanner {
    /** Below jackson's limits (nesting 256 as set, numbers 1000 chars, names 50,000 bytes): near them, it decides. */
    private static final int MAX_DEPTH = 200;
    private static final int MAX_NUMBER = 900;
    private static final int MAX_NAME = 40_000;

    private static final byte[] EVENT_ID = ascii("event_id");
    private static final byte[] LEVEL = ascii("level");
    private static final byte[] PLATFORM = ascii("platform");
    private static final byte[] TIMESTAMP = ascii("timestamp");
    private static final byte[] CONTEXTS = ascii("contexts");
    private static final byte[] TAGS = ascii("tags");
    private static final byte[] REQUEST = ascii("request");
    private static final byte[] REPLAY = ascii("replay");
    private static final byte[] REPLAY_ID = ascii("replay_id");
    private static final byte[] TRACE = ascii("trace");
    private static final byte[] TRACE_ID = ascii("trace_id");
    private static final byte[] REPLAY_ID_TAG = ascii("replayId");
    private static final byte[] HEADERS = ascii("headers");
    private static final byte[] BAGGAGE = ascii("baggage");
    private static final byte[] SENTRY_TRACE = ascii("sentry-trace");

    /** Thrown (without a stack) where the scanner gives the event to jackson. */
    private static final class Unsure extends RuntimeException {
        static final Unsure INSTANCE = new Unsure();

        private Unsure() {
            super(null, null, false, false);
        }
    }

    private final byte[] b;
    private final int base;
    private final int end;
    private int i;
    /** The start and end of the last name read by {@link #name()}. */
    private int nameStart;
    private int nameEnd;

    private String eventId;
    private String level;
    private double timestamp = Double.NaN;
    private String platform;
    private String contextReplayId;
    private String tagReplayId;
    private String baggageReplayId;
    private String contextTraceId;
    private String sentryTrace;

    private EventFactsScanner(byte[] bytes, int from, int to) {
        this.b = bytes;
        this.base = from;
        this.end = to;
        this.i = from;
    }

    /**
     * The facts of the event in {@code bytes[from, to)}, or null when jackson must read it. {@code bytes[to]} must be
     * 0 (the scanner's loops stop there without checking for the end) and {@link #PADDING} bytes of any value must
     * follow it (strings are read eight bytes at a time).
     */
    static EventFacts read(byte[] bytes, int from, int to) {
        if (bytes[to] != 0 || bytes.length < to + 1 + PADDING) {
            throw new IllegalArgumentException("the byte after the event must be 0, and " + PADDING + " more follow");
        }
        try {
            return new EventFactsScanner(bytes, from, to).event();
        } catch (Unsure | ArrayIndexOutOfBoundsException e) {
            return null;
        }
    }

    private EventFacts event() {
        ws();
        if (at() != '{') {
            throw Unsure.INSTANCE;
        }
        i++;
        int rootStart = i - base;
        boolean rootEmpty = true;
        ReplaySlot slot = null;
        ws();
        if (at() == '}') {
            i++;
        } else {
            while (true) {
                rootEmpty = false;
                name();
                int ns = nameStart;
                int ne = nameEnd;
                colon();
                if (is(ns, ne, EVENT_ID)) {
                    eventId = text(1);
                } else if (is(ns, ne, LEVEL)) {
                    level = text(1);
                } else if (is(ns, ne, PLATFORM)) {
                    platform = text(1);
                } else if (is(ns, ne, TIMESTAMP)) {
                    timestamp = timestamp();
                } else if (is(ns, ne, CONTEXTS)) {
                    slot = contexts();
                } else if (is(ns, ne, TAGS)) {
                    tags();
                } else if (is(ns, ne, REQUEST)) {
                    request();
                } else {
                    value(1);
                }
                if (nextMember('}')) {
                    break;
                }
            }
        }
        ws();
        if (i != end) {
            throw Unsure.INSTANCE;
        }
        return new EventFacts(eventId, level == null ? "error" : level, timestamp, platform, contextReplayId,
                tagReplayId, baggageReplayId, contextTraceId, sentryTrace,
                slot != null ? slot : ReplaySlot.insert(rootStart, 0, !rootEmpty));
    }

    /** Reads contexts.replay and contexts.trace; where contexts.replay.replay_id goes in this value. */
    private ReplaySlot contexts() {
        if (at() != '{') {
            return replaced(1);
        }
        i++;
        int start = i - base;
        ReplaySlot slot = null;
        ws();
        if (at() == '}') {
            i++;
            return ReplaySlot.insert(start, 1, false);
        }
        while (true) {
            name();
            int ns = nameStart;
            int ne = nameEnd;
            colon();
            if (is(ns, ne, REPLAY)) {
                slot = at() == '{' ? replay() : replaced(2);
            } else if (is(ns, ne, TRACE) && at() == '{') {
                contextTraceId = stringMember(TRACE_ID, contextTraceId, 2);
            } else {
                value(2);
            }
            if (nextMember('}')) {
                break;
            }
        }
        return slot != null ? slot : ReplaySlot.insert(start, 1, true);
    }

    /** contexts.replay, an object: its replay_id, and the slot. */
    private ReplaySlot replay() {
        i++;
        int start = i - base;
        ws();
        if (at() == '}') {
            i++;
            return ReplaySlot.insert(start, 2, false);
        }
        boolean hasId = false;
        while (true) {
            name();
            boolean id = is(nameStart, nameEnd, REPLAY_ID);
            colon();
            if (id) {
                hasId = true;
                if (at() == '"') {
                    contextReplayId = string();
                } else {
                    value(3);
                }
            } else {
                value(3);
            }
            if (nextMember('}')) {
                break;
            }
        }
        return hasId ? ReplaySlot.PRESENT : ReplaySlot.insert(start, 2, true);
    }

    /** Steps over a value that is not an object; it is where an object goes. */
    private ReplaySlot replaced(int depth) {
        int start = i - base;
        value(depth);
        return ReplaySlot.replace(start, i - base - start, depth);
    }

    /** At an object's brace: steps in; false (and past its end) when it is empty. */
    private boolean enterObject() {
        i++;
        ws();
        if (at() == '}') {
            i++;
            return false;
        }
        return true;
    }

    /**
     * The object at the cursor: the string value of its member {@code wanted} (the last one; {@code current} when it
     * has none), the rest stepped over.
     */
    private String stringMember(byte[] wanted, String current, int depth) {
        String found = current;
        if (!enterObject()) {
            return found;
        }
        while (true) {
            name();
            boolean match = is(nameStart, nameEnd, wanted);
            colon();
            if (match && at() == '"') {
                found = string();
            } else {
                value(depth + 1);
            }
            if (nextMember('}')) {
                return found;
            }
        }
    }

    private void tags() {
        byte c = at();
        if (c == '{') {
            tagReplayId = stringMember(REPLAY_ID_TAG, tagReplayId, 1);
        } else if (c == '[') {
            pairs(true);
        } else {
            value(1);
        }
    }

    private void request() {
        if (at() != '{') {
            value(1);
            return;
        }
        if (!enterObject()) {
            return;
        }
        while (true) {
            name();
            boolean headers = is(nameStart, nameEnd, HEADERS);
            colon();
            byte c = at();
            if (headers && c == '{') {
                headerObject();
            } else if (headers && c == '[') {
                pairs(false);
            } else {
                value(2);
            }
            if (nextMember('}')) {
                return;
            }
        }
    }

    private void headerObject() {
        if (!enterObject()) {
            return;
        }
        while (true) {
            name();
            int ns = nameStart;
            int ne = nameEnd;
            colon();
            if (at() == '"') {
                String text = string();
                header(ns, ne, text);
            } else {
                value(3);
            }
            if (nextMember('}')) {
                return;
            }
        }
    }

    /** A request header as the jackson reader takes it: the first baggage with a replay id, the first sentry-trace. */
    private void header(int ns, int ne, String value) {
        for (int k = ns; k < ne; k++) {
            if (b[k] < 0) {
                // equalsIgnoreCase folds some letters outside ASCII onto ASCII ones (U+017F onto s): jackson decides
                throw Unsure.INSTANCE;
            }
        }
        if (isIgnoringCase(ns, ne, BAGGAGE)) {
            if (baggageReplayId == null) {
                baggageReplayId = Baggage.value(value, "sentry-replay_id").orElse(null);
            }
        } else if (isIgnoringCase(ns, ne, SENTRY_TRACE) && sentryTrace == null) {
            sentryTrace = value;
        }
    }

    /**
     * {@code [["k","v"], ...]}: each pair's first two elements when strings; the pairs end at the first element that
     * is not an array (what follows it is stepped over), as in the jackson reader.
     */
    private void pairs(boolean tags) {
        i++;
        ws();
        if (at() == ']') {
            i++;
            return;
        }
        boolean stopped = false;
        while (true) {
            if (!stopped && at() == '[') {
                i++;
                ws();
                String key = null;
                String value = null;
                int keyStart = 0;
                int keyEnd = 0;
                if (at() == ']') {
                    i++;
                } else {
                    int index = 0;
                    while (true) {
                        if (index < 2 && at() == '"') {
                            if (index == 0) {
                                keyStart = i + 1;
                                key = string();
                                keyEnd = i - 1;
                            } else {
                                value = string();
                            }
                        } else {
                            value(3);
                        }
                        index++;
                        if (nextMember(']')) {
                            break;
                        }
                    }
                }
                if (key != null && value != null) {
                    if (tags) {
                        if (is(keyStart, keyEnd, REPLAY_ID_TAG)) {
                            tagReplayId = value;
                        }
                    } else {
                        header(keyStart, keyEnd, value);
                    }
                }
            } else {
                stopped = true;
                value(2);
            }
            if (nextMember(']')) {
                return;
            }
        }
    }

    /** A string value's text (escapes: unsure), else the value is stepped over and the answer is null. */
    private String text(int depth) {
        if (at() == '"') {
            return string();
        }
        value(depth);
        return null;
    }

    private double timestamp() {
        byte c = at();
        if (c == '"') {
            return EventFactsReader.timestampText(string());
        }
        if (c == '-' || c >= '0' && c <= '9') {
            int start = i;
            i = number(b, i);
            String text = new String(b, start, i - start, StandardCharsets.ISO_8859_1);
            boolean integer = text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
            if (!integer) {
                return Double.parseDouble(text);
            }
            // jackson reads an integer as a long first (-0 is 0), a longer one as a BigInteger: that one it decides
            if (text.length() > 18) {
                throw Unsure.INSTANCE;
            }
            return (double) Long.parseLong(text);
        }
        value(1);
        return Double.NaN;
    }

    /**
     * Steps over any value, checking it is JSON: one loop over the bytes, the open containers as bits of a long (an
     * object 1, an array 0; more than 63 open at once: unsure), the cursor in a local. The byte after the event is a 0
     * (see {@link #read}): no JSON token continues over it, so the loops need no end checks.
     */
    private void value(int depth) {
        i = skip(b, i, depth);
    }

    private static int skip(byte[] b, int i, int depth) {
        int open = 0;
        long objects = 0;
        while (true) {
            // a value starts at i
            byte c = b[i];
            if (c == '"') {
                i = skipString(b, i);
            } else if (c == '{' || c == '[') {
                if (open == 63 || depth + open >= MAX_DEPTH) {
                    throw Unsure.INSTANCE;
                }
                objects = c == '{' ? objects | 1L << open : objects & ~(1L << open);
                open++;
                i = ws(b, i + 1);
                byte next = b[i];
                if (c == '{') {
                    if (next == '}') {
                        i++;
                        open--;
                    } else {
                        i = member(b, i);
                        continue;
                    }
                } else if (next == ']') {
                    i++;
                    open--;
                } else {
                    continue;
                }
            } else if (c == 't') {
                i = literal(b, i, TRUE);
            } else if (c == 'f') {
                i = literal(b, i, FALSE);
            } else if (c == 'n') {
                i = literal(b, i, NULL);
            } else {
                i = number(b, i);
            }
            // after a value: the next one in the innermost open container, or that container's end
            while (true) {
                if (open == 0) {
                    return i;
                }
                byte next = b[i];
                if (next == ' ' || next == '\n' || next == '\r' || next == '\t') {
                    i = ws(b, i);
                    next = b[i];
                }
                i++;
                boolean object = (objects & 1L << (open - 1)) != 0;
                if (next == ',') {
                    i = ws(b, i);
                    if (object) {
                        i = member(b, i);
                    }
                    break;
                }
                if (next != (object ? '}' : ']')) {
                    throw Unsure.INSTANCE;
                }
                open--;
            }
        }
    }

    /** A JSON number at {@code i} (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?); answers where it ends. */
    private static int number(byte[] b, int i) {
        int start = i;
        if (b[i] == '-') {
            i++;
        }
        byte c = b[i];
        if (c == '0') {
            i++;
        } else if (c >= '1' && c <= '9') {
            i = digits(b, i + 1);
        } else {
            throw Unsure.INSTANCE;
        }
        if (b[i] == '.') {
            i++;
            if (b[i] < '0' || b[i] > '9') {
                throw Unsure.INSTANCE;
            }
            i = digits(b, i + 1);
        }
        if (b[i] == 'e' || b[i] == 'E') {
            i++;
            if (b[i] == '+' || b[i] == '-') {
                i++;
            }
            if (b[i] < '0' || b[i] > '9') {
                throw Unsure.INSTANCE;
            }
            i = digits(b, i + 1);
        }
        if (i - start > MAX_NUMBER) {
            throw Unsure.INSTANCE;
        }
        return i;
    }

    private static int digits(byte[] b, int i) {
        while (b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        return i;
    }

    /** After a member: a comma (another follows, whitespace skipped) or the closing byte (consumed: true). */
    private boolean nextMember(char close) {
        ws();
        byte c = at();
        i++;
        if (c == ',') {
            ws();
            return false;
        }
        if (c == close) {
            return true;
        }
        throw Unsure.INSTANCE;
    }

    /** A member's name, with no escape in it (else unsure): its bytes are [nameStart, nameEnd). */
    private void name() {
        if (at() != '"') {
            throw Unsure.INSTANCE;
        }
        nameStart = i + 1;
        nameEnd = plainStringEnd(b, i);
        i = nameEnd + 1;
        if (nameEnd - nameStart > MAX_NAME) {
            throw Unsure.INSTANCE;
        }
    }

    private void colon() {
        ws();
        if (at() != ':') {
            throw Unsure.INSTANCE;
        }
        i++;
        ws();
    }

    /** A string with no escape in it (else unsure), decoded. */
    private String string() {
        int start = i + 1;
        int quote = plainStringEnd(b, i);
        i = quote + 1;
        return new String(b, start, quote - start, StandardCharsets.UTF_8);
    }

    private static final java.lang.invoke.VarHandle LONGS = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
            long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    /** Bytes the array must hold after the event's 0, for reads of eight bytes at a time. */
    static final int PADDING = 8;

    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    private static final byte[] NULL = ascii("null");

    /** A member's name and colon at {@code i}; answers where its value starts. */
    private static int member(byte[] b, int i) {
        if (b[i] != '"') {
            throw Unsure.INSTANCE;
        }
        int start = i;
        i = skipString(b, i);
        if (i - start > MAX_NAME) {
            throw Unsure.INSTANCE;
        }
        i = ws(b, i);
        if (b[i] != ':') {
            throw Unsure.INSTANCE;
        }
        return ws(b, i + 1);
    }

    private static int literal(byte[] b, int i, byte[] word) {
        for (byte w : word) {
            if (b[i++] != w) {
                throw Unsure.INSTANCE;
            }
        }
        return i;
    }

    private static int ws(byte[] b, int i) {
        while (true) {
            byte c = b[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return i;
            }
            i++;
        }
    }

    /** Steps over the string whose quote is at {@code i}, checking escapes, control characters and UTF-8. */
    private static int skipString(byte[] b, int i) {
        i++;
        while (true) {
            // eight bytes at a time while none of them is a quote, a backslash, a control character or not ASCII
            // (the array has 8 bytes to spare after the event's 0: see read)
            long x = special((long) LONGS.get(b, i));
            if (x == 0) {
                i += 8;
                continue;
            }
            // the lowest flagged byte is the first special one
            i += Long.numberOfTrailingZeros(x) >>> 3;
            byte c = b[i];
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\') {
                i = escape(b, i);
            } else if (c < 0) {
                i = utf8(b, i);
            } else {
                throw Unsure.INSTANCE;
            }
        }
    }

    /**
     * The bytes of {@code x} (eight, little-endian) that end a run of plain string bytes, as their high bits: a
     * control character (below 0x20), a quote, a backslash, or a byte that is not ASCII (its own high bit). Exact in
     * the lowest flagged byte: a subtraction borrows from the next byte only out of a byte that is itself flagged, so
     * bytes above the first one may be flagged wrongly, and they are not looked at.
     */
    private static long special(long x) {
        return ((x - 0x2020202020202020L) | ((x ^ 0x2222222222222222L) - 0x0101010101010101L)
                | ((x ^ 0x5c5c5c5c5c5c5c5cL) - 0x0101010101010101L) | x) & 0x8080808080808080L;
    }

    /** Where the string whose quote is at {@code i} ends (its closing quote); an escape in it: unsure. */
    private static int plainStringEnd(byte[] b, int i) {
        int quote = skipString(b, i) - 1;
        for (int k = i + 1; k < quote; k++) {
            if (b[k] == '\\') {
                throw Unsure.INSTANCE;
            }
        }
        return quote;
    }

    private static int escape(byte[] b, int i) {
        switch (b[i + 1]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                return i + 2;
            }
            case 'u' -> {
                for (int k = 2; k < 6; k++) {
                    if (Character.digit(b[i + k], 16) < 0) {
                        throw Unsure.INSTANCE;
                    }
                }
                return i + 6;
            }
            default -> throw Unsure.INSTANCE;
        }
    }

    /** One well-formed UTF-8 sequence at i (strict, as the envelope parser checks headers), else unsure. */
    private static int utf8(byte[] b, int i) {
        int next = io.replaylink.envelope.StrictUtf8.sequenceEnd(b, i, b.length);
        if (next < 0) {
            throw Unsure.INSTANCE;
        }
        return next;
    }

    private void ws() {
        i = ws(b, i);
    }

    /** The byte at the cursor; unsure at the end. */
    private byte at() {
        if (i >= end) {
            throw Unsure.INSTANCE;
        }
        return b[i];
    }

    private boolean is(int start, int stop, byte[] name) {
        if (stop - start != name.length) {
            return false;
        }
        for (int k = 0; k < name.length; k++) {
            if (b[start + k] != name[k]) {
                return false;
            }
        }
        return true;
    }

    private boolean isIgnoringCase(int start, int stop, byte[] name) {
        if (stop - start != name.length) {
            return false;
        }
        for (int k = 0; k < name.length; k++) {
            int c = b[start + k];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != name[k]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
