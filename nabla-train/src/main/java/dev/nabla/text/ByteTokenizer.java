package dev.nabla.text;

import java.io.IOException;
import java.nio.file.Path;

/** Ids are the 256 byte values (0..255): any byte sequence, valid UTF-8 or not, round-trips exactly. */
public final class ByteTokenizer implements Tokenizer {
    static final String TYPE = "bytes";

    @Override
    public int vocabSize() {
        return 256;
    }

    @Override
    public int[] encode(byte[] bytes) {
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) ids[i] = bytes[i] & 0xFF;
        return ids;
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        byte[] out = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id > 255)
                throw new IllegalArgumentException("decode: id " + id + " at position " + i + " is outside the vocabulary of 256");
            out[i] = (byte) id;
        }
        return out;
    }

    /** Writes only the marker file: the vocabulary is fixed. */
    @Override
    public void save(Path directory) throws IOException {
        VocabFiles.writeType(directory, TYPE);
    }

    @Override
    public String toString() {
        return "ByteTokenizer(256)";
    }
}
