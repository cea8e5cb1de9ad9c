package dev.nabla.kernel;

/** Summation over a set of dims of a contiguous float array. */
public final class Reduce {
    private Reduce() {}

    /**
     * Sums {@code x} (contiguous, shape {@code shape}, from {@code off}) over the dims flagged in
     * {@code reduce}, into {@code out} laid out as the kept dims in order. Trailing reductions sum each
     * row in double; other layouts add each input row into the output row it maps to.
     */
    public static void sum(float[] x, int off, int[] shape, boolean[] reduce, float[] out) {
        // Size-1 dims change neither the layout nor the sums. Dropping them sends a [N, 1] -> [1, 1] sum (a
        // broadcast bias's gradient) to the one-block path below instead of N one-element rows through the
        // strided walk, which ran interpreted for the linear-regression workload's first ~100 epochs.
        int ones = 0;
        for (int d : shape) if (d == 1) ones++;
        if (ones > 0) {
            int[] s = new int[shape.length - ones];
            boolean[] r = new boolean[s.length];
            for (int d = 0, j = 0; d < shape.length; d++) {
                if (shape[d] != 1) { s[j] = shape[d]; r[j++] = reduce[d]; }
            }
            shape = s;
            reduce = r;
        }
        int rank = shape.length;
        int suffix = rank; // first dim of the trailing run of reduced dims
        while (suffix > 0 && reduce[suffix - 1]) suffix--;
        boolean others = false;
        for (int d = 0; d < suffix; d++) others |= reduce[d];
        if (!others) { // only trailing dims reduced: each output is the sum of one contiguous block
            int block = 1;
            for (int d = suffix; d < rank; d++) block *= shape[d];
            int outer = out.length;
            int b = block;
            Parallel.forRange(outer, Math.max(1, (1 << 15) / Math.max(b, 1)), (from, to) -> {
                for (int o = from; o < to; o++) {
                    double acc = 0;
                    int p = off + o * b;
                    for (int i = 0; i < b; i++) acc += x[p + i];
                    out[o] = (float) acc;
                }
            });
            return;
        }
        // General case: output strides over the input's dims (0 on reduced dims), rows of the last dim.
        int[] outStrides = new int[rank];
        int s = 1;
        for (int d = rank - 1; d >= 0; d--) {
            if (!reduce[d]) { outStrides[d] = s; s *= shape[d]; }
        }
        java.util.Arrays.fill(out, 0f);
        int n = rank == 0 ? 1 : shape[rank - 1];
        int rows = Strided.rows(shape);
        if (n == 0 || rows == 0) return;
        int so = rank == 0 ? 0 : outStrides[rank - 1];
        int[] idx = new int[rank];
        int o = 0;
        for (int r = 0, p = off; r < rows; r++, p += n) {
            if (so == 0) {
                double acc = 0;
                for (int i = 0; i < n; i++) acc += x[p + i];
                out[o] += (float) acc;
            } else {
                for (int i = 0; i < n; i++) out[o + i] += x[p + i];
            }
            o = Strided.advance(idx, shape, outStrides, o);
        }
    }
}
