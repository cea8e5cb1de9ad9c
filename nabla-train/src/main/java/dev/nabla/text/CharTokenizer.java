package dev.nabla.text;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Ids are the distinct code points of a training corpus in ascending order (id 0 is the smallest code point).
 *
 * <p>A character outside the vocabulary is an IllegalArgumentException naming it and its position, unless
 * the tokenizer was built {@linkplain #fromCorpus(String, boolean) with an unknown token}: then it is the last
 * id ({@code vocabSize() - 1}), which decodes to U+FFFD. Bytes are decoded as strict UTF-8 first (invalid
 * UTF-8 is an error: use {@link ByteTokenizer} or {@link BpeTokenizer} for arbitrary bytes).
 *
 * <p>Saved as {@code chars.json}: {"a": 0, "b": 1, ...}, one code point per key, plus {"<unk>": n} when
 * there is an unknown token (a key of several characters cannot clash with a vocabulary character).
 */
public final class CharTokenizer implements Tokenizer {
    static final String TYPE = "chars";
    public static final String FILE = "chars.json";
    public static final String UNK = "<unk>";

    private final int[] codePoints; // by id
    private final Map<Integer, Integer> idOf;
    private final int unk; // -1 without an unknown token

    private CharTokenizer(int[] codePoints, boolean withUnk) {
        this.codePoints = codePoints;
        this.idOf = new HashMap<>(codePoints.length * 2);
        for (int i = 0; i < codePoints.length; i++) idOf.put(codePoints[i], i);
        this.unk = withUnk ? codePoints.length : -1;
    }

    /** The sorted distinct code points of {@code corpus}; unknown characters are errors. */
    public static CharTokenizer fromCorpus(String corpus) {
        return fromCorpus(corpus, false);
    }

    /** As {@link #fromCorpus(String)}; with {@code unknownToken}, characters outside it map to an extra last id. */
    public static CharTokenizer fromCorpus(String corpus, boolean unknownToken) {
        int[] cps = corpus.codePoints().distinct().sorted().toArray();
        return new CharTokenizer(cps, unknownToken);
    }

    /** Trains on UTF-8 bytes (which must be valid UTF-8). */
    public static CharTokenizer fromCorpus(byte[] utf8, boolean unknownToken) {
        return fromCorpus(decodeStrict(utf8), unknownToken);
    }

    /** The vocabulary: code point of each id (without the unknown token). */
    public int[] codePoints() {
        return codePoints.clone();
    }

    /** The unknown token's id, or -1 if unknown characters are errors. */
    public int unknownId() {
        return unk;
    }

    @Override
    public int vocabSize() {
        return codePoints.length + (unk >= 0 ? 1 : 0);
    }

    @Override
    public int[] encode(String text) {
        int[] out = new int[text.codePointCount(0, text.length())];
        int k = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            Integer id = idOf.get(cp);
            if (id == null) {
                if (unk < 0)
                    throw new IllegalArgumentException("CharTokenizer.encode: character " + describe(cp) + " at index " + i
                            + " is not in the vocabulary of " + codePoints.length + " characters (build with an unknown token to map such characters to it)");
                out[k++] = unk;
            } else {
                out[k++] = id;
            }
            i += Character.charCount(cp);
        }
        return out;
    }

    @Override
    public int[] encode(byte[] bytes) {
        return encode(decodeStrict(bytes));
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder b = new StringBuilder(ids.length);
        for (int p = 0; p < ids.length; p++) {
            int id = ids[p];
            if (id >= 0 && id < codePoints.length) b.appendCodePoint(codePoints[id]);
            else if (id == unk && unk >= 0) b.append('\uFFFD');
            else throw new IllegalArgumentException("decode: id " + id + " at position " + p + " is outside the vocabulary of " + vocabSize());
        }
        return b.toString();
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        return decode(ids).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void save(Path directory) throws IOException {
        VocabFiles.writeType(directory, TYPE);
        List<String> tokens = new ArrayList<>(vocabSize());
        for (int cp : codePoints) tokens.add(new String(Character.toChars(cp)));
        if (unk >= 0) tokens.add(UNK);
        VocabFiles.writeTokenMap(directory.resolve(FILE), tokens);
    }

    /**
     * Reads {@code chars.json} from a directory: ids must be 0..n-1, each key one code point, except an optional
     * {@code "<unk>"} which must have the last id.
     */
    public static CharTokenizer load(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        List<VocabFiles.Entry> entries = VocabFiles.readTokenMap(file);
        int n = entries.size();
        int[] cps = new int[n];
        boolean[] used = new boolean[n];
        int unkId = -1;
        for (VocabFiles.Entry e : entries) {
            String where = file + " line " + e.line() + ": ";
            if (e.id() >= n) throw new IOException(where + "id " + e.id() + " is outside 0.." + (n - 1) + " (ids must be dense)");
            if (used[e.id()]) throw new IOException(where + "id " + e.id() + " is used twice");
            used[e.id()] = true;
            String t = e.token();
            if (t.equals(UNK)) {
                unkId = e.id();
                continue;
            }
            if (t.isEmpty() || t.codePointCount(0, t.length()) != 1)
                throw new IOException(where + "key \"" + t + "\" must be exactly one character (or \"" + UNK + "\")");
            cps[e.id()] = t.codePointAt(0);
        }
        if (unkId >= 0 && unkId != n - 1) throw new IOException(file + ": \"" + UNK + "\" must have the last id " + (n - 1) + ", has " + unkId);
        int[] vocab = unkId >= 0 ? Arrays.copyOf(cps, n - 1) : cps;
        CharTokenizer t = new CharTokenizer(vocab, unkId >= 0);
        if (t.idOf.size() != vocab.length) {
            Map<Integer, Integer> seen = new HashMap<>();
            for (VocabFiles.Entry e : entries)
                if (!e.token().equals(UNK) && seen.put(e.token().codePointAt(0), e.line()) != null)
                    throw new IOException(file + " line " + e.line() + ": character " + describe(e.token().codePointAt(0)) + " appears twice");
        }
        return t;
    }

    private static String describe(int cp) {
        String name = Character.isISOControl(cp) || Character.isSurrogate((char) cp) && cp < 0x10000 ? "" : "'" + new String(Character.toChars(cp)) + "' ";
        return name + "(U+" + String.format("%04X", cp) + ")";
    }

    private static String decodeStrict(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("CharTokenizer.encode: the bytes are not valid UTF-8 (" + e.getMessage()
                    + "); use ByteTokenizer or BpeTokenizer for arbitrary bytes", e);
        }
    }

    @Override
    public String toString() {
        return "CharTokenizer(" + vocabSize() + (unk >= 0 ? ", with <unk>)" : ")");
    }
}
