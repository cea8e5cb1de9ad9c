package dev.nabla.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPT-2-style byte-level BPE.
 *
 * <p>Text is handled as bytes: each byte is written as one of GPT-2's 256 printable characters
 * (byte ↔ unicode table), so the tokens of {@code vocab.json} are strings of those characters. Encoding
 * splits the bytes with GPT-2's pre-tokenisation pattern (see {@link ByteLevel#SPLIT}; invalid UTF-8 bytes
 * count as punctuation), then within each piece starts from single bytes and applies merges by rank, lowest
 * first (equal ranks left to right), as GPT-2 does. Pieces' encodings are cached. Since every byte has a
 * token and pieces are byte ranges, encode/decode round-trips any bytes exactly.
 *
 * <p>Files: {@code vocab.json} (token → id) and {@code merges.txt} ({@code #version: 0.2} then "left right"
 * per line, in rank order), GPT-2's format. Tokens of the vocabulary that no merge produces (such as GPT-2's
 * {@code <|endoftext|>}) are never emitted by {@link #encode}; decoding them gives their literal bytes.
 *
 * <p>Training: {@link #train(byte[], int)}.
 */
public final class BpeTokenizer implements Tokenizer {
    static final String TYPE = "bpe";
    public static final String VOCAB_FILE = "vocab.json", MERGES_FILE = "merges.txt";
    private static final int CACHE_LIMIT = 1 << 17, MAX_CACHED_PIECE = 256;

    /** Bytes of each id; null for ids the vocabulary skips. */
    private final byte[][] tokenBytes;
    private final int[] byteId = new int[256];
    /** Merge ranks: left id, right id and result id of rank r. */
    private final int[] mergeLeft, mergeRight, mergeResult;
    private final PairIndex rankOf;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private BpeTokenizer(byte[][] tokenBytes, int[] mergeLeft, int[] mergeRight, int[] mergeResult) {
        this.tokenBytes = tokenBytes;
        this.mergeLeft = mergeLeft;
        this.mergeRight = mergeRight;
        this.mergeResult = mergeResult;
        Arrays.fill(byteId, -1);
        for (int id = 0; id < tokenBytes.length; id++)
            if (tokenBytes[id] != null && tokenBytes[id].length == 1) byteId[tokenBytes[id][0] & 0xFF] = id;
        rankOf = new PairIndex(mergeLeft.length);
        for (int r = 0; r < mergeLeft.length; r++) rankOf.putIfAbsent(mergeLeft[r], mergeRight[r], r);
    }

    /** Built by training: ids 0..255 are the bytes in GPT-2's order, merge r makes id 256 + r. */
    static BpeTokenizer fromMerges(int[] left, int[] right, byte[][] tokenBytes) {
        int[] result = new int[left.length];
        for (int r = 0; r < left.length; r++) result[r] = 256 + r;
        return new BpeTokenizer(tokenBytes, left, right, result);
    }

    /**
     * Trains on {@code corpus} until the vocabulary has {@code vocabSize} tokens (256 bytes + merges), or no
     * adjacent pair is left. See {@link BpeTrainer} for the tie-break.
     */
    public static BpeTokenizer train(byte[] corpus, int vocabSize) {
        return BpeTrainer.train(corpus, vocabSize, 1);
    }

    /** As {@link #train(byte[], int)}, stopping early once the most frequent pair occurs fewer than {@code minFrequency} times. */
    public static BpeTokenizer train(byte[] corpus, int vocabSize, int minFrequency) {
        return BpeTrainer.train(corpus, vocabSize, minFrequency);
    }

    @Override
    public int vocabSize() {
        return tokenBytes.length;
    }

    /** Number of merges. */
    public int mergeCount() {
        return mergeLeft.length;
    }

    /** The bytes of token {@code id}. */
    public byte[] tokenBytes(int id) {
        check(id, 0);
        return tokenBytes[id].clone();
    }

    /** The token as written in vocab.json (GPT-2's byte characters). */
    public String token(int id) {
        check(id, 0);
        return ByteLevel.toChars(tokenBytes[id]);
    }

    private void check(int id, int pos) {
        if (id < 0 || id >= tokenBytes.length || tokenBytes[id] == null)
            throw new IllegalArgumentException("decode: id " + id + " at position " + pos
                    + (id >= 0 && id < tokenBytes.length ? " is not in the vocabulary" : " is outside the vocabulary of " + tokenBytes.length));
    }

    @Override
    public int[] encode(byte[] bytes) {
        IntList out = new IntList(Math.max(16, bytes.length / 3));
        ByteLevel.split(bytes, (from, to) -> encodePiece(bytes, from, to, out));
        return out.toArray();
    }

    private void encodePiece(byte[] bytes, int from, int to, IntList out) {
        int n = to - from;
        if (n == 1) {
            out.add(byteId[bytes[from] & 0xFF]);
            return;
        }
        if (n > MAX_CACHED_PIECE) { // rare long runs: not worth keeping
            out.addAll(mergePiece(bytes, from, n));
            return;
        }
        String key = new String(bytes, from, n, StandardCharsets.ISO_8859_1);
        int[] ids = cache.get(key);
        if (ids == null) {
            ids = mergePiece(bytes, from, n);
            if (cache.size() >= CACHE_LIMIT) cache.clear();
            cache.put(key, ids);
        }
        out.addAll(ids);
    }

    /** Applies merges by rank to one piece: a linked list of symbols and a heap of (rank, position). */
    private int[] mergePiece(byte[] bytes, int from, int n) {
        int[] sym = new int[n], next = new int[n], prev = new int[n];
        for (int i = 0; i < n; i++) {
            sym[i] = byteId[bytes[from + i] & 0xFF];
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            int r = rankOf.get(sym[i], sym[i + 1]);
            if (r >= 0) heap.push(((long) r << 32) | i);
        }
        int count = n;
        while (heap.size() > 0) {
            long e = heap.pop();
            int r = (int) (e >>> 32), i = (int) e;
            int j = next[i];
            if (sym[i] < 0 || j < 0 || rankOf.get(sym[i], sym[j]) != r) continue; // stale entry
            sym[i] = mergeResult[r];
            sym[j] = -1;
            int k = next[j];
            next[i] = k;
            if (k >= 0) prev[k] = i;
            count--;
            int p = prev[i];
            if (p >= 0) {
                int r2 = rankOf.get(sym[p], sym[i]);
                if (r2 >= 0) heap.push(((long) r2 << 32) | p);
            }
            if (k >= 0) {
                int r2 = rankOf.get(sym[i], sym[k]);
                if (r2 >= 0) heap.push(((long) r2 << 32) | i);
            }
        }
        int[] out = new int[count];
        for (int i = 0, c = 0; i >= 0; i = next[i]) out[c++] = sym[i];
        return out;
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        int total = 0;
        for (int p = 0; p < ids.length; p++) {
            check(ids[p], p);
            total += tokenBytes[ids[p]].length;
        }
        byte[] out = new byte[total];
        int o = 0;
        for (int id : ids) {
            byte[] t = tokenBytes[id];
            System.arraycopy(t, 0, out, o, t.length);
            o += t.length;
        }
        return out;
    }

    /** Writes vocab.json, merges.txt and the marker file. Ids the vocabulary skips are not written. */
    @Override
    public void save(Path directory) throws IOException {
        VocabFiles.writeType(directory, TYPE);
        StringBuilder b = new StringBuilder(tokenBytes.length * 14);
        b.append("{\n");
        boolean first = true;
        for (int id = 0; id < tokenBytes.length; id++) {
            if (tokenBytes[id] == null) continue;
            if (!first) b.append(",\n");
            first = false;
            b.append("  ");
            VocabFiles.quote(b, ByteLevel.toChars(tokenBytes[id]));
            b.append(": ").append(id);
        }
        b.append("\n}\n");
        Files.writeString(directory.resolve(VOCAB_FILE), b, StandardCharsets.UTF_8);
        List<String[]> merges = new ArrayList<>(mergeLeft.length);
        for (int r = 0; r < mergeLeft.length; r++) merges.add(new String[] {token(mergeLeft[r]), token(mergeRight[r])});
        VocabFiles.writeMerges(directory.resolve(MERGES_FILE), merges);
    }

    /** Reads {@code vocab.json} and {@code merges.txt} from a directory. */
    public static BpeTokenizer load(Path directory) throws IOException {
        return load(directory.resolve(VOCAB_FILE), directory.resolve(MERGES_FILE));
    }

    /**
     * Reads GPT-2-format files. The vocabulary must give every one of the 256 byte tokens an id, ids must be
     * distinct (gaps are allowed; {@link #vocabSize()} is the largest id + 1), every token must be made of
     * GPT-2's byte characters, and each merge's two tokens and their concatenation must be in the vocabulary.
     */
    public static BpeTokenizer load(Path vocabFile, Path mergesFile) throws IOException {
        List<VocabFiles.Entry> entries = VocabFiles.readTokenMap(vocabFile);
        Map<String, Integer> idOf = new HashMap<>(entries.size() * 2);
        Map<Integer, Integer> lineOfId = new HashMap<>(entries.size() * 2);
        int maxId = -1;
        for (VocabFiles.Entry e : entries) {
            String where = vocabFile + " line " + e.line() + ": ";
            if (e.token().isEmpty()) throw new IOException(where + "empty token");
            for (int i = 0; i < e.token().length(); i++) {
                char c = e.token().charAt(i);
                if (ByteLevel.byteOf(c) < 0)
                    throw new IOException(where + "token \"" + e.token() + "\" has character U+"
                            + String.format("%04X", (int) c) + ", which is not one of GPT-2's 256 byte characters");
            }
            if (idOf.putIfAbsent(e.token(), e.id()) != null) throw new IOException(where + "token \"" + e.token() + "\" appears twice");
            Integer other = lineOfId.putIfAbsent(e.id(), e.line());
            if (other != null) throw new IOException(where + "id " + e.id() + " is already used on line " + other);
            maxId = Math.max(maxId, e.id());
        }
        byte[][] tokenBytes = new byte[maxId + 1][];
        for (VocabFiles.Entry e : entries) {
            String t = e.token();
            byte[] bs = new byte[t.length()];
            for (int i = 0; i < bs.length; i++) bs[i] = (byte) ByteLevel.byteOf(t.charAt(i));
            tokenBytes[e.id()] = bs;
        }
        for (int b = 0; b < 256; b++) {
            String t = String.valueOf(ByteLevel.BYTE_CHAR[b]);
            if (!idOf.containsKey(t))
                throw new IOException(vocabFile + ": no token for byte 0x" + String.format("%02X", b) + " (\"" + t + "\"), every byte needs one");
        }
        List<VocabFiles.MergeLine> lines = VocabFiles.readMerges(mergesFile);
        int m = lines.size();
        int[] left = new int[m], right = new int[m], result = new int[m];
        PairIndex seen = new PairIndex(m);
        for (int r = 0; r < m; r++) {
            VocabFiles.MergeLine ml = lines.get(r);
            String where = mergesFile + " line " + ml.line() + ": ";
            Integer a = idOf.get(ml.left()), b = idOf.get(ml.right()), ab = idOf.get(ml.left() + ml.right());
            if (a == null) throw new IOException(where + "token \"" + ml.left() + "\" is not in " + vocabFile.getFileName());
            if (b == null) throw new IOException(where + "token \"" + ml.right() + "\" is not in " + vocabFile.getFileName());
            if (ab == null) throw new IOException(where + "the merged token \"" + ml.left() + ml.right() + "\" is not in " + vocabFile.getFileName());
            if (seen.get(a, b) >= 0)
                throw new IOException(where + "the merge \"" + ml.left() + " " + ml.right() + "\" repeats line " + lines.get(seen.get(a, b)).line());
            seen.putIfAbsent(a, b, r);
            left[r] = a;
            right[r] = b;
            result[r] = ab;
        }
        return new BpeTokenizer(tokenBytes, left, right, result);
    }

    @Override
    public String toString() {
        return "BpeTokenizer(vocab " + vocabSize() + ", " + mergeCount() + " merges)";
    }

    // ------------------------------------------------------------------ small primitive collections

    /** Open-addressing map (int, int) → int with -1 for absent; keys packed into a long. */
    static final class PairIndex {
        private long[] keys;
        private int[] vals;
        private int size, mask;

        PairIndex(int expected) {
            int cap = Integer.highestOneBit(Math.max(4, expected * 2 + 1)) << 1;
            keys = new long[cap];
            vals = new int[cap];
            Arrays.fill(keys, -1L);
            mask = cap - 1;
        }

        private static int slot(long k, int mask) {
            long h = k * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 29)) & mask;
        }

        int get(int a, int b) {
            long k = ((long) a << 32) | (b & 0xFFFFFFFFL);
            for (int s = slot(k, mask); ; s = (s + 1) & mask) {
                long kk = keys[s];
                if (kk == k) return vals[s];
                if (kk == -1L) return -1;
            }
        }

        void putIfAbsent(int a, int b, int v) {
            if ((size + 1) * 2 > keys.length) grow();
            long k = ((long) a << 32) | (b & 0xFFFFFFFFL);
            for (int s = slot(k, mask); ; s = (s + 1) & mask) {
                if (keys[s] == k) return;
                if (keys[s] == -1L) {
                    keys[s] = k;
                    vals[s] = v;
                    size++;
                    return;
                }
            }
        }

        private void grow() {
            long[] ok = keys;
            int[] ov = vals;
            keys = new long[ok.length * 2];
            vals = new int[ok.length * 2];
            Arrays.fill(keys, -1L);
            mask = keys.length - 1;
            for (int i = 0; i < ok.length; i++) {
                if (ok[i] == -1L) continue;
                int s = slot(ok[i], mask);
                while (keys[s] != -1L) s = (s + 1) & mask;
                keys[s] = ok[i];
                vals[s] = ov[i];
            }
        }
    }

    /** Binary min-heap of longs. */
    static final class LongHeap {
        private long[] a;
        private int n;

        LongHeap(int cap) {
            a = new long[Math.max(4, cap)];
        }

        int size() { return n; }

        void push(long v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            int i = n++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (a[p] <= v) break;
                a[i] = a[p];
                i = p;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0], v = a[--n];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= n) break;
                if (c + 1 < n && a[c + 1] < a[c]) c++;
                if (a[c] >= v) break;
                a[i] = a[c];
                i = c;
            }
            if (n > 0) a[i] = v;
            return top;
        }
    }

    /** Growable int array. */
    static final class IntList {
        int[] a;
        int n;

        IntList(int cap) {
            a = new int[Math.max(4, cap)];
        }

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        void addAll(int[] v) {
            if (n + v.length > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, n + v.length));
            System.arraycopy(v, 0, a, n, v.length);
            n += v.length;
        }

        int last() {
            return n == 0 ? -1 : a[n - 1];
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
