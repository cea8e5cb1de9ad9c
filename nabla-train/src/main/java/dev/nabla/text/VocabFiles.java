package dev.nabla.text;

import dev.nabla.io.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reading and writing the tokenizer files: flat JSON objects token → id ({@code vocab.json}, {@code chars.json}),
 * GPT-2's {@code merges.txt}, and the marker naming the tokenizer kind. Every reading error is an IOException
 * naming the file and, where there is one, the line.
 */
final class VocabFiles {
    private VocabFiles() {}

    /** One "token": id member of a vocabulary file, with the line its key starts on. */
    record Entry(String token, int id, int line) {}

    /** One merge line of merges.txt. */
    record MergeLine(String left, String right, int line) {}

    static String readUtf8(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read (" + e + ")", e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not valid UTF-8 (" + e.getMessage() + ")", e);
        }
    }

    static void writeType(Path directory, String type) throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve(Tokenizer.TYPE_FILE), Json.write(Map.of("type", type)) + "\n");
    }

    static String readType(Path marker) throws IOException {
        Object v;
        try {
            v = Json.parse(readUtf8(marker));
        } catch (IllegalArgumentException e) {
            throw new IOException(marker + ": " + e.getMessage(), e);
        }
        if (v instanceof Map<?, ?> m && m.get("type") instanceof String s) return s;
        throw new IOException(marker + ": expected an object with a string \"type\"");
    }

    // ------------------------------------------------------------------ flat token → id JSON

    /** Writes {"token": id, ...} one member a line, in list order (ids are the list positions). */
    static void writeTokenMap(Path file, List<String> tokens) throws IOException {
        StringBuilder b = new StringBuilder(tokens.size() * 12 + 4);
        b.append("{\n");
        for (int id = 0; id < tokens.size(); id++) {
            b.append("  ");
            quote(b, tokens.get(id));
            b.append(": ").append(id).append(id + 1 < tokens.size() ? ",\n" : "\n");
        }
        b.append("}\n");
        Files.writeString(file, b, StandardCharsets.UTF_8);
    }

    /** JSON string with quotes, backslashes, control characters and lone surrogates escaped; the rest raw UTF-8. */
    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || c == 0x7F || Character.isSurrogate(c) && !validPairAt(s, i))
                b.append(String.format("\\u%04x", (int) c));
            else if (Character.isHighSurrogate(c)) b.append(c).append(s.charAt(++i));
            else b.append(c);
        }
        b.append('"');
    }

    private static boolean validPairAt(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }

    /** Reads a JSON object whose values are all non-negative integers, keeping file order and key lines. */
    static List<Entry> readTokenMap(Path file) throws IOException {
        return new FlatParser(file, readUtf8(file)).object();
    }

    /** A parser for exactly one shape: an object of string keys and integer values. */
    private static final class FlatParser {
        private final Path file;
        private final String s;
        private int i, line = 1;

        FlatParser(Path file, String s) {
            this.file = file;
            this.s = s;
        }

        private IOException error(String what) {
            return new IOException(file + " line " + line + ": " + what);
        }

        private void ws() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '\n') line++;
                else if (c != ' ' && c != '\t' && c != '\r' && c != '\uFEFF') break;
                i++;
            }
        }

        private void expect(char c, String context) throws IOException {
            ws();
            if (i >= s.length()) throw error("the file ends early, expected '" + c + "' " + context);
            if (s.charAt(i) != c) throw error("expected '" + c + "' " + context + ", found '" + s.charAt(i) + "'");
            i++;
        }

        List<Entry> object() throws IOException {
            List<Entry> out = new ArrayList<>();
            expect('{', "at the start of the vocabulary object");
            ws();
            if (i < s.length() && s.charAt(i) == '}') {
                i++;
            } else {
                while (true) {
                    ws();
                    int keyLine = line;
                    if (i >= s.length() || s.charAt(i) != '"') throw error("expected a quoted token");
                    String key = string();
                    expect(':', "after the token");
                    ws();
                    int id = integer();
                    out.add(new Entry(key, id, keyLine));
                    ws();
                    if (i >= s.length()) throw error("the file ends early, expected ',' or '}'");
                    char c = s.charAt(i++);
                    if (c == '}') break;
                    if (c != ',') throw error("expected ',' or '}' after an entry, found '" + c + "'");
                }
            }
            ws();
            if (i != s.length()) throw error("unexpected text after the vocabulary object");
            return out;
        }

        private int integer() throws IOException {
            if (i >= s.length()) throw error("the file ends early, expected an integer id");
            int start = i;
            if (i < s.length() && s.charAt(i) == '-') i++;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
            String digits = s.substring(start, i);
            if (digits.isEmpty() || digits.equals("-"))
                throw error("expected an integer id, found '" + (i < s.length() ? s.charAt(i) : ' ') + "'");
            if (i < s.length() && (s.charAt(i) == '.' || s.charAt(i) == 'e' || s.charAt(i) == 'E'))
                throw error("the id must be an integer, found a fraction or exponent after " + digits);
            long v;
            try {
                v = Long.parseLong(digits);
            } catch (NumberFormatException e) {
                v = Long.MAX_VALUE;
            }
            if (v < 0 || v >= Integer.MAX_VALUE) throw error("id " + digits + " is out of range [0, 2^31-1)");
            return (int) v;
        }

        private String string() throws IOException {
            i++; // opening quote
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) throw error("unterminated string");
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c == '\n' || c < 0x20) throw error("raw control character 0x" + Integer.toHexString(c) + " inside a string");
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (i >= s.length()) throw error("unterminated escape");
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) throw error("truncated \\u escape");
                        int v = 0;
                        for (int k = 0; k < 4; k++) {
                            int d = Character.digit(s.charAt(i + k), 16);
                            if (d < 0) throw error("bad \\u escape \\u" + s.substring(i, i + 4));
                            v = v * 16 + d;
                        }
                        i += 4;
                        b.append((char) v);
                    }
                    default -> throw error("unknown escape \\" + e);
                }
            }
        }
    }

    // ------------------------------------------------------------------ merges.txt

    static final String MERGES_HEADER = "#version: 0.2";

    static void writeMerges(Path file, List<String[]> merges) throws IOException {
        StringBuilder b = new StringBuilder(merges.size() * 10 + 16);
        b.append(MERGES_HEADER).append('\n');
        for (String[] m : merges) b.append(m[0]).append(' ').append(m[1]).append('\n');
        Files.writeString(file, b, StandardCharsets.UTF_8);
    }

    /**
     * Reads merges.txt: an optional first line starting with "#version", then one "left right" pair a line
     * (a trailing '\r' is dropped; blank lines are skipped).
     */
    static List<MergeLine> readMerges(Path file) throws IOException {
        String text = readUtf8(file);
        List<MergeLine> out = new ArrayList<>();
        int lineNo = 0, pos = 0;
        while (pos < text.length()) {
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? text.length() : nl;
            String ln = text.substring(pos, end);
            pos = end + 1;
            lineNo++;
            if (ln.endsWith("\r")) ln = ln.substring(0, ln.length() - 1);
            if (lineNo == 1 && ln.startsWith("\uFEFF")) ln = ln.substring(1);
            if (lineNo == 1 && ln.startsWith("#version")) continue;
            if (ln.isEmpty()) continue;
            int sp = ln.indexOf(' ');
            if (sp <= 0 || sp == ln.length() - 1 || ln.indexOf(' ', sp + 1) >= 0)
                throw new IOException(file + " line " + lineNo + ": expected two tokens separated by one space, found \"" + ln + "\"");
            out.add(new MergeLine(ln.substring(0, sp), ln.substring(sp + 1), lineNo));
        }
        return out;
    }
}
