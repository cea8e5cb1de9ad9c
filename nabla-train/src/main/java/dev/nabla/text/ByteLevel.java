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
     * Encoding and training use the equivalent hand-written scanner {@link #split}; this pattern is its reference.
     */
    static final Pattern SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\p{IsWhite_Space}\\p{L}\\p{N}]+"
                    + "|\\p{IsWhite_Space}+(?!\\P{IsWhite_Space})|\\p{IsWhite_Space}+");

    /** Receives the byte range [from, to) of one pre-token. */
    interface SpanSink {
        void accept(int from, int to);
    }

    private static final byte LETTER = 0, NUMBER = 1, SPACE = 2, OTHER = 3;
    private static final byte[] ASCII_CLASS = new byte[128];

    static {
        for (int c = 0; c < 128; c++) ASCII_CLASS[c] = classOf(c);
    }

    /** \p{L}, \p{N}, White_Space (as java.util.regex defines \p{IsWhite_Space}) or anything else. */
    private static byte classOf(int cp) {
        if (Character.isLetter(cp)) return LETTER;
        int t = Character.getType(cp);
        if (t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER) return NUMBER;
        if (t == Character.SPACE_SEPARATOR || t == Character.LINE_SEPARATOR || t == Character.PARAGRAPH_SEPARATOR
                || (cp >= 0x9 && cp <= 0xD) || cp == 0x85) return SPACE;
        return OTHER;
    }

    /**
     * Splits arbitrary bytes into pre-tokens covering them exactly, as {@link #SPLIT} would split their text.
     * Valid UTF-8 is decoded to code points; each byte of an invalid sequence counts as one character of the
     * "other" class (as Python's surrogateescape would make it a lone surrogate, which the pattern treats as
     * punctuation). The spans are byte ranges, so no byte is ever altered.
     *
     * <p>A hand-written scanner equivalent to the pattern (tested against it), several times faster than
     * java.util.regex: at each position the first alternative that matches wins, exactly as in the pattern.
     */
    static void split(byte[] bytes, SpanSink sink) {
        int n = bytes.length;
        int[] cps = new int[n];
        byte[] cls = new byte[n];
        int[] off = new int[n + 1];
        int len = 0, i = 0;
        while (i < n) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                cps[len] = b;
                cls[len] = ASCII_CLASS[b];
                off[len++] = i++;
                continue;
            }
            int need, cp, min2 = 0x80, max2 = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
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
                need = -1; cp = 0;
            }
            boolean ok = need > 0 && i + need < n; // all continuation bytes present
            for (int k = 1; ok && k <= need; k++) {
                int c = bytes[i + k] & 0xFF;
                if (c < (k == 1 ? min2 : 0x80) || c > (k == 1 ? max2 : 0xBF)) ok = false;
                else cp = (cp << 6) | (c & 0x3F);
            }
            if (!ok) {
                cps[len] = 0xDC00 + b;
                cls[len] = OTHER;
                off[len++] = i++;
                continue;
            }
            cps[len] = cp;
            cls[len] = classOf(cp);
            off[len++] = i;
            i += need + 1;
        }
        off[len] = n;
        i = 0;
        while (i < len) {
            int c = cps[i], j = -1;
            if (c == '\'' && i + 1 < len) { // 's|'t|'re|'ve|'m|'ll|'d
                int c1 = cps[i + 1], c2 = i + 2 < len ? cps[i + 2] : -1;
                if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') j = i + 2;
                else if ((c1 == 'r' || c1 == 'v') && c2 == 'e' || c1 == 'l' && c2 == 'l') j = i + 3;
            }
            if (j < 0) {
                int p = c == ' ' && i + 1 < len && cls[i + 1] != SPACE ? i + 1 : i;
                byte k = cls[p];
                if (k != SPACE) { // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+'
                    j = p + 1;
                    while (j < len && cls[j] == k) j++;
                } else { // '\s+(?!\S)' leaves the last space of a run before a non-space; else '\s+'
                    j = i + 1;
                    while (j < len && cls[j] == SPACE) j++;
                    if (j < len && j - i > 1) j--;
                }
            }
            sink.accept(off[i], off[j]);
            i = j;
        }
    }

    /** The same split with {@link #SPLIT} (slow; the reference the scanner is tested against). */
    static void splitWithPattern(byte[] bytes, SpanSink sink) {
        int n = bytes.length;
        StringBuilder chars = new StringBuilder(n);
        int[] off = new int[2 * n + 1];
        int i = 0;
        while (i < n) {
            int b = bytes[i] & 0xFF;
            int len = b < 0x80 ? 1 : b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
            String s = null;
            if (len > 0 && i + len <= n) {
                try {
                    s = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                            .decode(java.nio.ByteBuffer.wrap(bytes, i, len)).toString();
                } catch (java.nio.charset.CharacterCodingException e) {
                    s = null;
                }
            }
            if (s == null) {
                off[chars.length()] = i;
                chars.append((char) (0xDC00 + b));
                i++;
            } else {
                for (int k = 0; k < s.length(); k++) off[chars.length() + k] = i;
                chars.append(s);
                i += len;
            }
        }
        off[chars.length()] = n;
        Matcher m = SPLIT.matcher(chars);
        int last = 0;
        while (m.find()) {
            if (m.start() != last) sink.accept(off[last], off[m.start()]);
            sink.accept(off[m.start()], off[m.end()]);
            last = m.end();
        }
        if (last != chars.length()) sink.accept(off[last], n);
    }
}
