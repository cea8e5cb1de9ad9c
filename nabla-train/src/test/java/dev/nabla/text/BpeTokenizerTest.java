package dev.nabla.text;

import dev.nabla.tensor.Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class BpeTokenizerTest {
    static Path resource(String name) {
        try {
            return Path.of(BpeTokenizerTest.class.getResource("/text/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    static BpeTokenizer tiny() throws IOException {
        return BpeTokenizer.load(resource("gpt2-tiny"));
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    /** Pseudo-text: words from a small list, spaces, punctuation, newlines, the odd digit run. */
    static byte[] pseudoText(int words, long seed) {
        String[] vocab = {"the", "of", "license", "software", "copyright", "and", "to", "in", "GNU", "you", "may",
                "distribute", "modify", "it's", "we've", "Free", "Foundation", "héllo", "naïve", "日本語", "über"};
        String[] seps = {" ", " ", " ", " ", ", ", ".\n", "\n\n", "  ", "\t", "; ", " (", ") ", "\r\n"};
        Generator g = new Generator(seed);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words; i++) {
            b.append(vocab[(int) g.nextLong(vocab.length)]);
            if (g.nextLong(20) == 0) b.append(' ').append(g.nextLong(100000));
            b.append(seps[(int) g.nextLong(seps.length)]);
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Random bytes biased towards awkward ones: invalid UTF-8, NUL, emoji, CRLF, ASCII letters, spaces. */
    static byte[] awkwardBytes(Generator g, int n) {
        byte[][] pieces = {"😀".getBytes(StandardCharsets.UTF_8), "\r\n".getBytes(StandardCharsets.UTF_8), bytes(0),
                bytes(0xFF), bytes(0xC3), bytes(0xE2, 0x82), bytes(0xED, 0xA0, 0x80), bytes(0xF4, 0x90, 0x80, 0x80),
                " the".getBytes(StandardCharsets.UTF_8), "  ".getBytes(StandardCharsets.UTF_8), "é".getBytes(StandardCharsets.UTF_8),
                "'s".getBytes(StandardCharsets.UTF_8), "123".getBytes(StandardCharsets.UTF_8)};
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (out.size() < n) {
            if (g.nextLong(3) == 0) out.writeBytes(pieces[(int) g.nextLong(pieces.length)]);
            else out.write((int) g.nextLong(256));
        }
        return out.toByteArray();
    }

    @Test
    void byteLevelTableIsGpt2s() {
        // Spot checks against GPT-2's encoder.json: "!" 0, "Ġ" (space) 220, "Ċ" (newline) 198, "ÿ" 187, "Ł" 253.
        assertEquals('Ġ', ByteLevel.BYTE_CHAR[' ']);
        assertEquals('Ċ', ByteLevel.BYTE_CHAR['\n']);
        assertEquals('ā', ByteLevel.BYTE_CHAR[1]);
        assertEquals('Ł', ByteLevel.BYTE_CHAR[0x9F]);
        assertEquals('Ń', ByteLevel.BYTE_CHAR[0xAD]);
        assertEquals('A', ByteLevel.BYTE_CHAR['A']);
        assertEquals('!', ByteLevel.ORDER[0]);
        assertEquals(' ', ByteLevel.ORDER[220]);
        assertEquals('\n', ByteLevel.ORDER[198]);
        assertEquals(0xFF, ByteLevel.ORDER[187]);
        boolean[] seen = new boolean[0x200];
        for (int b = 0; b < 256; b++) {
            assertFalse(seen[ByteLevel.BYTE_CHAR[b]]);
            seen[ByteLevel.BYTE_CHAR[b]] = true;
            assertEquals(b, ByteLevel.byteOf(ByteLevel.BYTE_CHAR[b]));
        }
    }

    @Test
    void preTokenisationFollowsGpt2Pattern() {
        assertEquals(java.util.List.of("Hello", ",", " world", "'s", " 42", "!!", "  ", " x", "\r", "\n", "y", "\n\n"),
                pieces("Hello, world's 42!!   x\r\ny\n\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(java.util.List.of("we", "'ve", " ", "\t", "😀😀", " 日本語"),
                pieces("we've \t😀😀 日本語".getBytes(StandardCharsets.UTF_8)));
        // Invalid bytes are punctuation; a truncated sequence splits per byte but stays with its neighbours.
        assertEquals(java.util.List.of("a", "\u00ff\u00fe", " b"), piecesLatin1(bytes('a', 0xFF, 0xFE, ' ', 'b')));
    }

    /** The hand-written scanner splits exactly as GPT-2's pattern (run by java.util.regex) on awkward text. */
    @Test
    void scannerAgreesWithThePattern() {
        String[] atoms = {"a", "Z", "é", "日", "s", "t", "re", "ve", "m", "ll", "d", "l", "r", "v", "'", "'", " ", " ", "  ",
                "\t", "\n", "\r\n", "\u00a0", "\u2028", "\u0085", "\u001c", "7", "٣", "Ⅻ", "½", "!", "...", "-", "\u0301",
                "😀", "𝐀", "\u0000", "_", "$"};
        Generator g = new Generator(21);
        for (int trial = 0; trial < 2000; trial++) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            int len = (int) g.nextLong(30);
            for (int k = 0; k < len; k++) {
                if (g.nextLong(8) == 0) out.write(0x80 + (int) g.nextLong(128)); // stray or partial UTF-8
                else out.writeBytes(atoms[(int) g.nextLong(atoms.length)].getBytes(StandardCharsets.UTF_8));
            }
            byte[] b = out.toByteArray();
            java.util.List<Integer> fast = new java.util.ArrayList<>(), slow = new java.util.ArrayList<>();
            ByteLevel.split(b, (f, t) -> { fast.add(f); fast.add(t); });
            ByteLevel.splitWithPattern(b, (f, t) -> { slow.add(f); slow.add(t); });
            assertEquals(slow, fast, () -> "bytes " + java.util.HexFormat.of().formatHex(b));
        }
    }

    private static java.util.List<String> pieces(byte[] b) {
        java.util.List<String> out = new java.util.ArrayList<>();
        ByteLevel.split(b, (f, t) -> out.add(new String(b, f, t - f, StandardCharsets.UTF_8)));
        return out;
    }

    private static java.util.List<String> piecesLatin1(byte[] b) {
        java.util.List<String> out = new java.util.ArrayList<>();
        ByteLevel.split(b, (f, t) -> out.add(new String(b, f, t - f, StandardCharsets.ISO_8859_1)));
        return out;
    }

    @Test
    void handWrittenGpt2FilesGiveHandDerivedIds() throws IOException {
        BpeTokenizer t = tiny();
        assertEquals(268, t.vocabSize());
        assertEquals(11, t.mergeCount());
        // "the": t h e -> (h e) rank 1 -> t + he.
        assertArrayEquals(new int[] {83, 257}, t.encode("the"));
        // " the": (Ġ t) rank 0, then (h e) rank 1, then (Ġt he) rank 2 -> one token.
        assertArrayEquals(new int[] {258}, t.encode(" the"));
        // "Hello" + " world": only (l l) applies.
        assertArrayEquals(new int[] {39, 68, 261, 78, 220, 86, 78, 81, 75, 67}, t.encode("Hello world"));
        // contraction piece "'s" is separate; no merges apply.
        assertArrayEquals(new int[] {72, 83, 6, 82}, t.encode("it's"));
        // (b c) has a lower rank than (a b): "abc" -> a + bc, while "abab" -> ab + ab.
        assertArrayEquals(new int[] {64, 263}, t.encode("abc"));
        assertArrayEquals(new int[] {264, 264}, t.encode("abab"));
        assertArrayEquals(new int[] {260, 77}, t.encode(" an"));
        assertArrayEquals(new int[] {259, 77, 262}, t.encode("inner"));
        // CRLF before a letter splits into "\r", "\n" (the \s+(?!\S) rule backs off); at the end it is one piece.
        assertArrayEquals(new int[] {87, 201, 198, 88}, t.encode("x\r\ny"));
        assertArrayEquals(new int[] {265, 265}, t.encode("\r\n\r\n"));
        // 😀 = F0 9F 98 80: (ð Ł) merges the first two bytes.
        assertArrayEquals(new int[] {266, 246, 222}, t.encode("😀"));
        assertArrayEquals(new int[] {187, 64}, t.encode(bytes(0xFF, 'a')));
        assertArrayEquals(new int[] {188}, t.encode(bytes(0)));
        // Special tokens are plain vocabulary entries: never produced by encode, decoded literally.
        assertEquals("<|endoftext|>", t.decode(new int[] {267}));
        assertFalse(Arrays.stream(t.encode("<|endoftext|>")).anyMatch(id -> id == 267));
        assertEquals("Ġthe", t.token(258));
        assertEquals(" the", t.decode(new long[] {258}));
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {268}));
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {-1}));
    }

    @Test
    void roundTripsArbitraryBytes() throws IOException {
        BpeTokenizer trained = BpeTokenizer.train(pseudoText(4000, 1), 600);
        assertEquals(600, trained.vocabSize());
        Generator g = new Generator(7);
        for (BpeTokenizer t : new BpeTokenizer[] {tiny(), trained}) {
            for (int trial = 0; trial < 200; trial++) {
                byte[] b = awkwardBytes(g, (int) g.nextLong(300));
                int[] ids = t.encode(b);
                assertArrayEquals(b, t.decodeBytes(ids), "trial " + trial);
                for (int id : ids) assertTrue(id >= 0 && id < t.vocabSize());
                assertArrayEquals(ids, t.encode(b), "cached encoding differs"); // second time through the cache
            }
        }
        String s = "naïve café 😀\u0000 \r\n\tend";
        assertEquals(s, trained.decode(trained.encode(s)));
        assertArrayEquals(new int[0], trained.encode(new byte[0]));
    }

    @Test
    void trainedTokenizerCompressesItsCorpus() {
        byte[] text = pseudoText(3000, 2);
        BpeTokenizer t = BpeTokenizer.train(text, 512);
        int[] ids = t.encode(text);
        assertArrayEquals(text, t.decodeBytes(ids));
        assertTrue(ids.length * 2.5 < text.length, ids.length + " tokens for " + text.length + " bytes");
        // Whole frequent words became tokens.
        int[] the = t.encode(" the");
        assertEquals(1, the.length);
        assertEquals("Ġthe", t.token(the[0]));
    }

    @Test
    void trainingMergesTheMostFrequentPairWithDocumentedTieBreak() {
        // Pieces "aaab", " aaab", " aaab". Counts: (a a) 6 -> merge 0 "aa" (words become aa a b).
        // Then (aa a) 3 and (a b) 3 tie: the smaller left token bytes "a" < "aa" wins -> "ab".
        // Then (aa ab) 3 -> "aaab"; then (Ġ aaab) 2 -> " aaab"; then no pair is left.
        BpeTokenizer t = BpeTokenizer.train("aaab aaab aaab".getBytes(StandardCharsets.UTF_8), 1000);
        assertEquals(4, t.mergeCount());
        assertEquals(260, t.vocabSize());
        assertEquals("aa", t.token(256));
        assertEquals("ab", t.token(257));
        assertEquals("aaab", t.token(258));
        assertEquals("Ġaaab", t.token(259));
        assertArrayEquals(new int[] {258, 259, 259}, t.encode("aaab aaab aaab"));
        // min frequency stops before the pair that occurs only twice.
        assertEquals(3, BpeTokenizer.train("aaab aaab aaab".getBytes(StandardCharsets.UTF_8), 1000, 3).mergeCount());
        assertEquals(0, BpeTokenizer.train("aaab aaab aaab".getBytes(StandardCharsets.UTF_8), 256).mergeCount());
        assertThrows(IllegalArgumentException.class, () -> BpeTokenizer.train(new byte[10], 255));
    }

    @Test
    void trainingIsDeterministicAndSaveLoadRoundTrips(@TempDir Path dir) throws IOException {
        byte[] text = pseudoText(3000, 3);
        BpeTokenizer a = BpeTokenizer.train(text, 700), b = BpeTokenizer.train(text, 700);
        a.save(dir.resolve("a"));
        b.save(dir.resolve("b"));
        for (String f : new String[] {"vocab.json", "merges.txt"})
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b").resolve(f)), f);
        assertTrue(Files.readString(dir.resolve("a/merges.txt")).startsWith("#version: 0.2\n"));
        assertEquals(700 - 256 + 1, Files.readAllLines(dir.resolve("a/merges.txt")).size());

        Tokenizer loaded = Tokenizer.load(dir.resolve("a"));
        assertInstanceOf(BpeTokenizer.class, loaded);
        assertEquals(700, loaded.vocabSize());
        Generator g = new Generator(11);
        for (int trial = 0; trial < 50; trial++) {
            byte[] x = trial % 2 == 0 ? awkwardBytes(g, 200) : pseudoText(50, trial);
            assertArrayEquals(a.encode(x), loaded.encode(x));
        }
        for (int id = 0; id < 700; id++) assertEquals(a.token(id), ((BpeTokenizer) loaded).token(id));

        // A GPT-2 directory without our marker loads too; saving the hand-written one and reloading is stable.
        BpeTokenizer t = tiny();
        t.save(dir.resolve("tiny"));
        Files.delete(dir.resolve("tiny").resolve(Tokenizer.TYPE_FILE));
        Tokenizer t2 = Tokenizer.load(dir.resolve("tiny"));
        assertArrayEquals(t.encode("Hello the abc 😀\r\n"), t2.encode("Hello the abc 😀\r\n"));
        assertEquals("<|endoftext|>", t2.decode(new int[] {267}));
    }

    @Test
    void trainsOneMegabyteToAThousandMergesQuickly() {
        byte[] text = pseudoText(170_000, 5);
        assertTrue(text.length > 1_000_000, "" + text.length);
        long t0 = System.nanoTime();
        BpeTokenizer t = BpeTokenizer.train(text, 1256);
        double s = (System.nanoTime() - t0) / 1e9;
        assertEquals(1000, t.mergeCount());
        assertTrue(s < 15, "training took " + s + " s");
        long t1 = System.nanoTime();
        int[] ids = t.encode(text);
        double e = (System.nanoTime() - t1) / 1e9;
        assertArrayEquals(text, t.decodeBytes(ids));
        assertTrue(e < 10, "encoding took " + e + " s");
        System.out.printf("BPE: %d bytes -> 1000 merges in %.2f s, encoded in %.2f s (%d tokens)%n", text.length, s, e, ids.length);
    }

    @Test
    void longPiecesEncodeWithoutQuadraticBlowUp() {
        BpeTokenizer t = BpeTokenizer.train("==== ---- ==== ----\n".repeat(50).getBytes(StandardCharsets.UTF_8), 300);
        byte[] b = "=".repeat(200_000).getBytes(StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        int[] ids = t.encode(b);
        assertTrue((System.nanoTime() - t0) / 1e9 < 5);
        assertArrayEquals(b, t.decodeBytes(ids));
        assertTrue(ids.length < 100_000);
    }
}
