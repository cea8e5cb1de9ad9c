package dev.nabla.text;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level machinery: the byte ↔ printable-character table and the pre-tokenisation split.
 */
final class ByteLevel {
    private ByteLevel() {}

    /** BYTE_CHAR[b] is the character GPT-2 writes for byte b; ORDER lists the bytes in GPT-2's base-vocabulary order. */
    static final char[] BYTE_CHAR = new char[256];
    static final int[] ORDER = new int[256];
    /** CHAR_BYTE[c] = b for c = BYTE_CHAR[b], -1 for other characters below 0x144. */
    private static final int[] CHAR_BYTE = new int[0x144];

    static {
        // Printable bytes stand for themselves: '!'..'~', '¡'..'¬', '®'..'ÿ' (188 bytes); the other 68
        // bytes (control characters, space, DEL, NBSP, soft hyphen) take 256, 257, ... in byte order.
        int k = 0;
        for (int b = '!'; b <= '~'; b++) ORDER[k++] = b;
        for (int b = 0xA1; b <= 0xAC; b++) ORDER[k++] = b;
        for (int b = 0xAE; b <= 0xFF; b++) ORDER[k++] = b;
        for (int i = 0; i < k; i++) BYTE_CHAR[ORDER[i]] = (char) ORDER[i];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            if (!printable) {
                ORDER[k++] = b;
                BYTE_CHAR[b] = (char) (256 + extra++);
            }
        }
        java.util.Arrays.fill(CHAR_BYTE, -1);
        for (int b = 0; b < 256; b++) CHAR_BYTE[BYTE_CHAR[b]] = b;
    }

    /** The byte character c stands for, or -1 if c is not one of the 256. */
    static int byteOf(char c) {
        return c < CHAR_BYTE.length ? CHAR_BYTE[c] : -1;
    }

    static String toChars(byte[] bytes) {
        char[] c = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) c[i] = BYTE_CHAR[bytes[i] & 0xFF];
        return new String(c);
    }

    /**
     * GPT-2's split: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}, with
     * {@code \s} read as Unicode White_Space (as the {@code regex} module GPT-2 uses does, not Java's ASCII \s).
     */
    static final Pattern SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\p{IsWhite_Space}\\p{L}\\p{N}]+"
                    + "|\\p{IsWhite_Space}+(?!\\P{IsWhite_Space})|\\p{IsWhite_Space}+");

    /** Receives the byte range [from, to) of one pre-token. */
    interface SpanSink {
        void accept(int from, int to);
    }

    /**
     * Splits arbitrary bytes into pre-tokens covering them exactly. Valid UTF-8 is decoded to its characters;
     * each byte of an invalid sequence becomes its own lone surrogate U+DC80..U+DCFF (Python's surrogateescape),
     * which the pattern treats as punctuation. The spans are byte ranges, so no byte is ever altered.
     */
    static void split(byte[] bytes, SpanSink sink) {
        int n = bytes.length;
        char[] chars = new char[n];
        int[] off = new int[n + 1];
        int len = 0, i = 0;
        while (i < n) {
            int b = bytes[i] & 0xFF;
            int need, cp, min2 = 0x80, max2 = 0xBF;
            if (b < 0x80) {
                chars[len] = (char) b;
                off[len++] = i++;
                continue;
            } else if (b >= 0xC2 && b <= 0xDF) {
                need = 1; cp = b & 0x1F;
            } else if (b >= 0xE0 && b <= 0xEF) {
                need = 2; cp = b & 0x0F;
                if (b == 0xE0) min2 = 0xA0;
                if (b == 0xED) max2 = 0x9F; // no encoded surrogates
            } else if (b >= 0xF0 && b <= 0xF4) {
                need = 3; cp = b & 0x07;
                if (b == 0xF0) min2 = 0x90;
                if (b == 0xF4) max2 = 0x8F;
            } else {
                chars[len] = (char) (0xDC00 + b);
                off[len++] = i++;
                continue;
            }
            boolean ok = i + need < n; // all continuation bytes present
            if (ok) {
                for (int k = 1; k <= need; k++) {
                    int c = bytes[i + k] & 0xFF;
                    int lo = k == 1 ? min2 : 0x80, hi = k == 1 ? max2 : 0xBF;
                    if (c < lo || c > hi) {
                        ok = false;
                        break;
                    }
                    cp = (cp << 6) | (c & 0x3F);
                }
            }
            if (!ok) {
                chars[len] = (char) (0xDC00 + b);
                off[len++] = i++;
                continue;
            }
            if (cp >= 0x10000) {
                chars[len] = Character.highSurrogate(cp);
                off[len++] = i;
                chars[len] = Character.lowSurrogate(cp);
                off[len++] = i;
            } else {
                chars[len] = (char) cp;
                off[len++] = i;
            }
            i += need + 1;
        }
        off[len] = n;
        Matcher m = SPLIT.matcher(java.nio.CharBuffer.wrap(chars, 0, len));
        int last = 0;
        while (m.find()) {
            int s = m.start(), e = m.end();
            if (s != last) sink.accept(off[last], off[s]); // cannot happen (the alternatives cover every character)
            sink.accept(off[s], off[e]);
            last = e;
        }
        if (last != len) sink.accept(off[last], n);
    }
}
