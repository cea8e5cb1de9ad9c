package dev.nabla.text;

import dev.nabla.data.Batch;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

/**
 * Batches of windows at uniform random start positions, the sampling of the reference {@code gpt} and
 * {@code lstm} workloads: each call draws B starts, inputs ids[s .. s+T) and targets ids[s+1 .. s+T+1) as
 * int64 [B, T].
 *
 * <p>Starts are uniform in [0, n - T - 1), exactly the range of the reference script's
 * {@code torch.randint(0, n - T - 1)} (so the very last possible start, n - T - 1, is never drawn), which
 * needs n ≥ T + 2. The stream depends only on the generator's state: the same seed gives the same batches.
 */
public final class RandomWindows {
    private final int[] ids;      // token ids, or null when the tokens are bytes
    private final byte[] bytes;   // byte-level tokens 0..255 (a quarter of the memory of int ids), or null
    private final int length;
    private final int window, batchSize;
    private final Generator generator;

    public RandomWindows(int[] ids, int window, int batchSize, Generator generator) {
        this(ids, null, ids.length, window, batchSize, generator);
    }

    /** Windows over byte-level tokens (ids 0..255, each byte read unsigned), held as the bytes themselves. */
    public static RandomWindows ofBytes(byte[] tokens, int window, int batchSize, Generator generator) {
        return new RandomWindows(null, tokens, tokens.length, window, batchSize, generator);
    }

    private RandomWindows(int[] ids, byte[] bytes, int length, int window, int batchSize, Generator generator) {
        if (window < 1) throw new IllegalArgumentException("RandomWindows: window length must be at least 1, got " + window);
        if (batchSize < 1) throw new IllegalArgumentException("RandomWindows: batch size must be at least 1, got " + batchSize);
        if (length < window + 2)
            throw new IllegalArgumentException("RandomWindows: " + length + " tokens are too few for windows of " + window + "+1 (need " + (window + 2) + ")");
        this.ids = ids;
        this.bytes = bytes;
        this.length = length;
        this.window = window;
        this.batchSize = batchSize;
        this.generator = generator;
    }

    public int window() { return window; }

    public int batchSize() { return batchSize; }

    /** The next B start positions (advances the generator). */
    public int[] nextStarts() {
        int[] s = new int[batchSize];
        long bound = length - window - 1;
        for (int i = 0; i < batchSize; i++) s[i] = (int) generator.nextLong(bound);
        return s;
    }

    /** The next batch: x, y int64 [B, T]. */
    public Batch next() {
        return windows(nextStarts());
    }

    private int id(int i) {
        return ids != null ? ids[i] : bytes[i] & 0xFF;
    }

    /** The batch of windows at these starts. */
    public Batch windows(int[] starts) {
        int b = starts.length, t = window;
        long[] x = new long[b * t], y = new long[b * t];
        for (int r = 0; r < b; r++) {
            int s = starts[r];
            if (s < 0 || s + t + 1 > length)
                throw new IndexOutOfBoundsException("RandomWindows: start " + s + " leaves no room for " + t + "+1 tokens in " + length);
            int o = r * t;
            for (int j = 0; j < t; j++) {
                x[o + j] = id(s + j);
                y[o + j] = id(s + j + 1);
            }
        }
        return new Batch(Tensor.ofLongs(x, b, t), Tensor.ofLongs(y, b, t));
    }
}
