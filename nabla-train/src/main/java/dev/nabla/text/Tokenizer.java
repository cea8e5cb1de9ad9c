package dev.nabla.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Text to token ids and back. Three kinds: {@link ByteTokenizer} (the 256 byte values),
 * {@link CharTokenizer} (the code points of a training corpus) and {@link BpeTokenizer} (GPT-2-style byte-level BPE).
 *
 * <p>Strings are encoded as their UTF-8 bytes, except by the character tokenizer, which works on code points.
 * {@link #save(Path)} writes the tokenizer into a directory; {@link #load(Path)} reads any of the three back.
 */
public interface Tokenizer {
    /** Ids are in [0, vocabSize()): the size of an embedding table for this tokenizer. */
    int vocabSize();

    /** The ids of these bytes. */
    int[] encode(byte[] bytes);

    /**
     * The ids of this text (its UTF-8 bytes unless the tokenizer says otherwise; as with
     * {@link String#getBytes}, an unpaired surrogate becomes '?'; pass bytes to keep arbitrary data exact).
     */
    default int[] encode(String text) {
        return encode(text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #encode(byte[])} widened to int64, the index type of embeddings and cross-entropy targets. */
    default long[] encodeLongs(byte[] bytes) {
        return toLongs(encode(bytes));
    }

    default long[] encodeLongs(String text) {
        return toLongs(encode(text));
    }

    /** The bytes these ids stand for; an id outside the vocabulary is an IllegalArgumentException. */
    byte[] decodeBytes(int[] ids);

    default byte[] decodeBytes(long[] ids) {
        return decodeBytes(toInts(ids, vocabSize()));
    }

    /** The text these ids stand for (bytes that are not valid UTF-8 become U+FFFD). */
    default String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    default String decode(long[] ids) {
        return decode(toInts(ids, vocabSize()));
    }

    /** Writes this tokenizer into {@code directory} (created if missing), to be read back by {@link #load(Path)}. */
    void save(Path directory) throws IOException;

    /** The name of the marker file naming the tokenizer kind in a saved directory. */
    String TYPE_FILE = "nabla-tokenizer.json";

    /**
     * Reads a tokenizer saved by {@link #save(Path)}. A directory without the marker file but with GPT-2's
     * {@code vocab.json} and {@code merges.txt} is read as a BPE tokenizer.
     */
    static Tokenizer load(Path directory) throws IOException {
        Path marker = directory.resolve(TYPE_FILE);
        String type;
        if (Files.isRegularFile(marker)) {
            type = VocabFiles.readType(marker);
        } else if (Files.isRegularFile(directory.resolve(BpeTokenizer.VOCAB_FILE))
                && Files.isRegularFile(directory.resolve(BpeTokenizer.MERGES_FILE))) {
            type = BpeTokenizer.TYPE;
        } else {
            throw new IOException(directory + ": no " + TYPE_FILE + ", and not a GPT-2 tokenizer directory (vocab.json + merges.txt)");
        }
        return switch (type) {
            case ByteTokenizer.TYPE -> new ByteTokenizer();
            case CharTokenizer.TYPE -> CharTokenizer.load(directory);
            case BpeTokenizer.TYPE -> BpeTokenizer.load(directory);
            default -> throw new IOException(marker + ": unknown tokenizer type \"" + type + "\"");
        };
    }

    static long[] toLongs(int[] ids) {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = ids[i];
        return out;
    }

    private static int[] toInts(long[] ids, int vocab) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            long v = ids[i];
            if (v < 0 || v >= vocab)
                throw new IllegalArgumentException("decode: id " + v + " at position " + i + " is outside the vocabulary of " + vocab);
            out[i] = (int) v;
        }
        return out;
    }
}
