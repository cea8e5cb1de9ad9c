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
    private final int[] ids;
    private final int window, batchSize;
    private final Generator generator;

    public RandomWindows(int[] ids, int window, int batchSize, Generator generator) {
        if (window < 1) throw new IllegalArgumentException("RandomWindows: window length must be at least 1, got " + window);
        if (batchSize < 1) throw new IllegalArgumentException("RandomWindows: batch size must be at least 1, got " + batchSize);
        if (ids.length < window + 2)
            throw new IllegalArgumentException("RandomWindows: " + ids.length + " tokens are too few for windows of " + window + "+1 (need " + (window + 2) + ")");
        this.ids = ids;
        this.window = window;
        this.batchSize = batchSize;
        this.generator = generator;
    }

    public int window() { return window; }

    public int batchSize() { return batchSize; }

    /** The next B start positions (advances the generator). */
    public int[] nextStarts() {
        int[] s = new int[batchSize];
        long bound = ids.length - window - 1;
        for (int i = 0; i < batchSize; i++) s[i] = (int) generator.nextLong(bound);
        return s;
    }

    /** The next batch: x, y int64 [B, T]. */
    public Batch next() {
        return windows(nextStarts());
    }

    /** The batch of windows at these starts. */
    public Batch windows(int[] starts) {
        int b = starts.length, t = window;
        long[] x = new long[b * t], y = new long[b * t];
        for (int r = 0; r < b; r++) {
            int s = starts[r];
            if (s < 0 || s + t + 1 > ids.length)
                throw new IndexOutOfBoundsException("RandomWindows: start " + s + " leaves no room for " + t + "+1 tokens in " + ids.length);
            int o = r * t;
            for (int j = 0; j < t; j++) {
                x[o + j] = ids[s + j];
                y[o + j] = ids[s + j + 1];
            }
        }
        return new Batch(Tensor.ofLongs(x, b, t), Tensor.ofLongs(y, b, t));
    }
}
