package dev.nabla.text;

import dev.nabla.data.Batch;
import dev.nabla.data.Dataset;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Next-token windows over a tokenized corpus: example i is a window of {@code window + 1} consecutive ids
 * starting at some position s; its input is ids[s .. s+T) and its target ids[s+1 .. s+T+1), both int64,
 * so a batch is x, y of shape [B, T].
 *
 * <p>Starts are 0, stride, 2·stride, ... as long as the whole window (T + 1 ids) fits: stride T gives the
 * non-overlapping windows (the target's last id is the next window's first input), stride 1 every start.
 *
 * <p>The corpus may be several segments (as {@link #split} makes); a window never crosses from one segment
 * into the next.
 */
public final class LanguageModelDataset implements Dataset {
    private final int[][] segments;
    private final int window, stride;
    /** firstIndex[k] = number of windows in segments before k; firstIndex[segments.length] = size. */
    private final int[] firstIndex;

    /** Non-overlapping windows (stride = window). */
    public LanguageModelDataset(int[] ids, int window) {
        this(ids, window, window);
    }

    public LanguageModelDataset(int[] ids, int window, int stride) {
        this(List.of(ids), window, stride);
    }

    /** Windows inside each of {@code segments} (none spans two). */
    public LanguageModelDataset(List<int[]> segments, int window, int stride) {
        if (window < 1) throw new IllegalArgumentException("LanguageModelDataset: window length must be at least 1, got " + window);
        if (stride < 1) throw new IllegalArgumentException("LanguageModelDataset: stride must be at least 1, got " + stride);
        this.segments = segments.toArray(new int[0][]);
        this.window = window;
        this.stride = stride;
        this.firstIndex = new int[this.segments.length + 1];
        long total = 0;
        int longest = 0;
        for (int k = 0; k < this.segments.length; k++) {
            firstIndex[k] = (int) total;
            total += windowsIn(this.segments[k].length);
            longest = Math.max(longest, this.segments[k].length);
            if (total > Integer.MAX_VALUE)
                throw new IllegalArgumentException("LanguageModelDataset: more than 2^31-1 windows; use a larger stride");
        }
        firstIndex[this.segments.length] = (int) total;
        if (total == 0)
            throw new IllegalArgumentException("LanguageModelDataset: no window of " + window + "+1 tokens fits (longest segment: "
                    + longest + " tokens)");
    }

    private long windowsIn(int length) {
        return length < window + 1 ? 0 : (length - window - 1) / stride + 1;
    }

    @Override
    public int size() {
        return firstIndex[segments.length];
    }

    public int window() { return window; }

    public int stride() { return stride; }

    /** Number of segments. */
    public int segmentCount() { return segments.length; }

    /** {segment, start position in it} of window {@code index}. */
    public int[] locate(int index) {
        if (index < 0 || index >= size()) throw new IndexOutOfBoundsException("batch: example " + index + " of " + size());
        int k = Arrays.binarySearch(firstIndex, index);
        if (k < 0) k = -k - 2;
        else while (k + 1 < firstIndex.length && firstIndex[k + 1] == index) k++; // skip empty segments
        return new int[] {k, (index - firstIndex[k]) * stride};
    }

    @Override
    public Batch batch(int[] indices) {
        int b = indices.length, t = window;
        long[] x = new long[b * t], y = new long[b * t];
        for (int r = 0; r < b; r++) {
            int[] loc = locate(indices[r]);
            int[] seg = segments[loc[0]];
            int s = loc[1], o = r * t;
            for (int j = 0; j < t; j++) {
                x[o + j] = seg[s + j];
                y[o + j] = seg[s + j + 1];
            }
        }
        return new Batch(Tensor.ofLongs(x, b, t), Tensor.ofLongs(y, b, t));
    }

    /**
     * Training and validation parts of a corpus split by contiguous blocks: the ids are cut into blocks of
     * {@code blockLength} (the last may be shorter), a seeded random {@code round(blocks · valFraction)} of
     * them (at least one, and not all) are held out. Consecutive blocks on the same side are joined again, so
     * each side is a list of contiguous segments of the original text in text order. Because windows never
     * cross segments, no training window (inputs or targets) contains a validation token and vice versa: the
     * validation text is unseen in training, up to repeats of the same text elsewhere in the corpus.
     */
    public static Split split(int[] ids, int blockLength, double valFraction, long seed) {
        if (blockLength < 1) throw new IllegalArgumentException("split: block length must be at least 1, got " + blockLength);
        if (!(valFraction > 0 && valFraction < 1))
            throw new IllegalArgumentException("split: the validation fraction must be in (0, 1), got " + valFraction);
        int blocks = (int) ((ids.length + (long) blockLength - 1) / blockLength);
        if (blocks < 2)
            throw new IllegalArgumentException("split: " + ids.length + " tokens make " + blocks + " block(s) of " + blockLength + "; need at least 2");
        int held = (int) Math.max(1, Math.min(blocks - 1, Math.round(blocks * valFraction)));
        int[] perm = new int[blocks];
        for (int i = 0; i < blocks; i++) perm[i] = i;
        Generator g = new Generator(seed);
        for (int i = blocks - 1; i > 0; i--) {
            int j = (int) g.nextLong(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        boolean[] val = new boolean[blocks];
        int[] valBlocks = Arrays.copyOf(perm, held);
        Arrays.sort(valBlocks);
        for (int v : valBlocks) val[v] = true;
        List<int[]> train = new ArrayList<>(), validation = new ArrayList<>();
        for (int k = 0; k < blocks; ) {
            int e = k;
            while (e < blocks && val[e] == val[k]) e++;
            int[] run = Arrays.copyOfRange(ids, k * blockLength, (int) Math.min((long) e * blockLength, ids.length));
            (val[k] ? validation : train).add(run);
            k = e;
        }
        return new Split(List.copyOf(train), List.copyOf(validation), valBlocks, blockLength);
    }

    /**
     * The two sides of {@link #split}: each a list of contiguous runs of the corpus, and the held-out block numbers.
     */
    public record Split(List<int[]> train, List<int[]> validation, int[] validationBlocks, int blockLength) {
        public LanguageModelDataset trainWindows(int window, int stride) {
            return new LanguageModelDataset(train, window, stride);
        }

        public LanguageModelDataset validationWindows(int window, int stride) {
            return new LanguageModelDataset(validation, window, stride);
        }
    }
}
