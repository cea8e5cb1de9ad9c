package dev.nabla.text;

import dev.nabla.tensor.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Byte and character tokenizers, and the errors of malformed tokenizer files. */
class TokenizerFilesTest {
    @Test
    void bytesRoundTripAnything(@TempDir Path dir) throws IOException {
        ByteTokenizer t = new ByteTokenizer();
        Generator g = new Generator(3);
        for (int trial = 0; trial < 50; trial++) {
            byte[] b = BpeTokenizerTest.awkwardBytes(g, (int) g.nextLong(200));
            int[] ids = t.encode(b);
            assertEquals(b.length, ids.length);
            for (int i = 0; i < b.length; i++) assertEquals(b[i] & 0xFF, ids[i]);
            assertArrayEquals(b, t.decodeBytes(ids));
            assertArrayEquals(b, t.decodeBytes(t.encodeLongs(b)));
        }
        assertArrayEquals(new int[] {0xC3, 0xA9}, t.encode("é"));
        assertEquals("é", t.decode(new int[] {0xC3, 0xA9}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {1, 256}));
        assertTrue(e.getMessage().contains("256") && e.getMessage().contains("position 1"), e.getMessage());
        t.save(dir);
        assertInstanceOf(ByteTokenizer.class, Tokenizer.load(dir));
    }

    @Test
    void charsAreSortedCodePointsAndRoundTrip(@TempDir Path dir) throws IOException {
        CharTokenizer t = CharTokenizer.fromCorpus("hello wörld 😀!");
        // sorted distinct: ' ' '!' 'd' 'e' 'h' 'l' 'o' 'r' 'w' 'ö' '😀'
        assertArrayEquals(new int[] {' ', '!', 'd', 'e', 'h', 'l', 'o', 'r', 'w', 'ö', 0x1F600}, t.codePoints());
        assertEquals(11, t.vocabSize());
        assertArrayEquals(new int[] {4, 3, 5, 5, 6, 10, 1}, t.encode("hello😀!"));
        assertEquals("wörld 😀", t.decode(t.encode("wörld 😀")));
        assertArrayEquals(t.encode("wörld"), t.encode("wörld".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals("wö".getBytes(StandardCharsets.UTF_8), t.decodeBytes(t.encode("wö")));
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> t.encode("hex"));
        assertTrue(e2.getMessage().contains("'x' (U+0078)") && e2.getMessage().contains("index 2"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.encode(new byte[] {(byte) 0xFF}));
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {11}));

        CharTokenizer u = CharTokenizer.fromCorpus("abc", true);
        assertEquals(4, u.vocabSize());
        assertEquals(3, u.unknownId());
        assertArrayEquals(new int[] {0, 3, 2}, u.encode("azc"));
        assertEquals("a\uFFFDc", u.decode(new int[] {0, 3, 2}));

        for (CharTokenizer c : new CharTokenizer[] {t, u}) {
            Path d = dir.resolve(c.unknownId() < 0 ? "plain" : "unk");
            c.save(d);
            Tokenizer back = Tokenizer.load(d);
            assertInstanceOf(CharTokenizer.class, back);
            assertArrayEquals(c.codePoints(), ((CharTokenizer) back).codePoints());
            assertEquals(c.unknownId(), ((CharTokenizer) back).unknownId());
        }
        // Control characters, quotes and backslashes survive the JSON file.
        CharTokenizer odd = CharTokenizer.fromCorpus("\u0000\"\\\n\t\u007f\u2028x");
        odd.save(dir.resolve("odd"));
        assertArrayEquals(odd.codePoints(), ((CharTokenizer) Tokenizer.load(dir.resolve("odd"))).codePoints());
    }

    private static Path write(Path dir, String name, String text) throws IOException {
        Files.createDirectories(dir);
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    /** The tiny GPT-2 vocab.json text with {@code from} replaced by {@code to}. */
    private static String tinyVocab(String from, String to) throws IOException {
        String v = Files.readString(BpeTokenizerTest.resource("gpt2-tiny/vocab.json"));
        assertTrue(v.contains(from), from);
        return v.replace(from, to);
    }

    private static String tinyMerges() throws IOException {
        return Files.readString(BpeTokenizerTest.resource("gpt2-tiny/merges.txt"));
    }

    private static void expectError(Path dir, String... fragments) {
        IOException e = assertThrows(IOException.class, () -> BpeTokenizer.load(dir));
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
    }

    @Test
    void malformedBpeFilesNameFileAndLine(@TempDir Path dir) throws IOException {
        // Pretty-printed copy of the vocabulary (one entry a line) so that errors have line numbers to report.
        BpeTokenizerTest.tiny().save(dir.resolve("ok"));
        String vocab = Files.readString(dir.resolve("ok/vocab.json")), merges = tinyMerges();
        assertTrue(vocab.startsWith("{\n  \"!\": 0,\n  \"\\\"\": 1,\n"), vocab.substring(0, 40));

        Path d = dir.resolve("syntax");
        write(d, "vocab.json", vocab.replace("\"#\": 2,", "\"#\": 2"));
        write(d, "merges.txt", merges);
        expectError(d, "vocab.json line 5", "expected ',' or '}'"); // where the next key starts

        d = dir.resolve("badid");
        write(d, "vocab.json", vocab.replace("\"$\": 3", "\"$\": 3.5"));
        write(d, "merges.txt", merges);
        expectError(d, "vocab.json line 5", "integer");

        d = dir.resolve("dupid");
        write(d, "vocab.json", vocab.replace("\"$\": 3", "\"$\": 2"));
        write(d, "merges.txt", merges);
        expectError(d, "vocab.json line 5", "id 2 is already used on line 4");

        d = dir.resolve("notbytechar");
        write(d, "vocab.json", vocab.replace("\"he\": 257", "\"h e\": 257"));
        write(d, "merges.txt", merges);
        expectError(d, "vocab.json line 259", "U+0020");

        d = dir.resolve("missingbyte");
        write(d, "vocab.json", vocab.replace("\"A\": 32", "\"AA\": 32"));
        write(d, "merges.txt", merges);
        expectError(d, "vocab.json", "byte 0x41");

        d = dir.resolve("truncated");
        write(d, "vocab.json", vocab.substring(0, 100));
        write(d, "merges.txt", merges);
        expectError(d, "vocab.json line", "ends early");

        d = dir.resolve("onetoken");
        write(d, "vocab.json", vocab);
        write(d, "merges.txt", merges.replace("h e\n", "he\n"));
        expectError(d, "merges.txt line 3", "two tokens");

        d = dir.resolve("unknowntoken");
        write(d, "vocab.json", vocab);
        write(d, "merges.txt", merges.replace("i n\n", "i nx\n"));
        expectError(d, "merges.txt line 5", "\"nx\" is not in");

        d = dir.resolve("nomergedtoken");
        write(d, "vocab.json", vocab);
        write(d, "merges.txt", merges + "x y\n");
        expectError(d, "merges.txt line 13", "\"xy\"");

        d = dir.resolve("duplicate");
        write(d, "vocab.json", vocab);
        write(d, "merges.txt", merges + "\nl l\n");
        expectError(d, "merges.txt line 14", "repeats line 7");

        d = dir.resolve("notutf8");
        write(d, "vocab.json", vocab);
        Files.write(d.resolve("merges.txt"), new byte[] {'#', (byte) 0xFF, '\n'});
        expectError(d, "merges.txt", "UTF-8");

        d = dir.resolve("missing");
        write(d, "vocab.json", vocab);
        expectError(d, "merges.txt");

        // The single-line (GPT-2 encoder.json style) file reports line 1; CRLF merges are fine.
        d = dir.resolve("crlf");
        write(d, "vocab.json", tinyVocab("\"he\": 257", "\"he\" 257"));
        write(d, "merges.txt", merges);
        expectError(d, "vocab.json line 1", "expected ':'");
        write(d, "vocab.json", tinyVocab("\"he\": 257", "\"he\": 257"));
        write(d, "merges.txt", merges.replace("\n", "\r\n"));
        assertArrayEquals(new int[] {258}, BpeTokenizer.load(d).encode(" the"));
    }

    @Test
    void malformedCharFilesNameFileAndLine(@TempDir Path dir) throws IOException {
        write(dir.resolve("two"), "chars.json", "{\n  \"a\": 0,\n  \"bc\": 1\n}\n");
        IOException e = assertThrows(IOException.class, () -> CharTokenizer.load(dir.resolve("two")));
        assertTrue(e.getMessage().contains("chars.json line 3") && e.getMessage().contains("exactly one character"), e.getMessage());

        write(dir.resolve("gap"), "chars.json", "{\n  \"a\": 0,\n  \"b\": 5\n}\n");
        e = assertThrows(IOException.class, () -> CharTokenizer.load(dir.resolve("gap")));
        assertTrue(e.getMessage().contains("chars.json line 3") && e.getMessage().contains("dense"), e.getMessage());

        write(dir.resolve("unk"), "chars.json", "{\n  \"<unk>\": 0,\n  \"b\": 1\n}\n");
        e = assertThrows(IOException.class, () -> CharTokenizer.load(dir.resolve("unk")));
        assertTrue(e.getMessage().contains("last id"), e.getMessage());

        write(dir.resolve("dup"), "chars.json", "{\n  \"a\": 0,\n  \"\\u0061\": 1\n}\n");
        e = assertThrows(IOException.class, () -> CharTokenizer.load(dir.resolve("dup")));
        assertTrue(e.getMessage().contains("chars.json line 3") && e.getMessage().contains("twice"), e.getMessage());

        write(dir.resolve("marker"), Tokenizer.TYPE_FILE, "{\"type\": \"words\"}");
        e = assertThrows(IOException.class, () -> Tokenizer.load(dir.resolve("marker")));
        assertTrue(e.getMessage().contains("words"), e.getMessage());
        Files.createDirectories(dir.resolve("empty"));
        assertThrows(IOException.class, () -> Tokenizer.load(dir.resolve("empty")));
    }
}
