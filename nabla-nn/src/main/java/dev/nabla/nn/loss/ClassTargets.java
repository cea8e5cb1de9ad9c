package dev.nabla.nn.loss;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * The constant side of a class-index loss: for input [N, C, d...] and int64 target [N, d...], a tensor of the
 * input's shape holding w[target] at each position's target class (0 elsewhere and at ignored positions), the
 * per-position mask of non-ignored targets, and Σ w[target] over them (PyTorch's divisor for mean reduction).
 * No gradient flows through any of it.
 */
record ClassTargets(Tensor weightedOneHot, Tensor keep, double weightSum) {

    /**
     * @param input  [N, C, d...] (rank ≥ 2; callers turn an unbatched [C] into [1, C])
     * @param target int64 [N, d...]
     * @param weight class weights [C], or null for all ones
     */
    static ClassTargets of(String loss, Tensor input, Tensor target, Tensor weight, long ignoreIndex) {
        if (target.dtype() != DType.INT64)
            throw new IllegalArgumentException(loss + ": class-index target must be int64, got " + target.dtype());
        int[] in = input.shape(), tg = target.shape();
        int n = in[0], c = in[1], spatial = 1;
        boolean ok = tg.length == in.length - 1 && tg[0] == n;
        for (int d = 2; d < in.length && ok; d++) {
            ok = tg[d - 1] == in[d];
            spatial *= in[d];
        }
        if (!ok)
            throw new IllegalArgumentException(loss + ": input of shape " + Shape.str(in) + " needs a target of shape "
                    + Shape.str(expected(in)) + ", got " + Shape.str(tg));
        float[] w = weight == null ? null : weight.toFloatArray();
        long[] t = target.toLongArray();
        float[] onehot = new float[n * c * spatial], keep = new float[t.length];
        double sum = 0;
        for (int i = 0; i < n; i++)
            for (int s = 0; s < spatial; s++) {
                int p = i * spatial + s;
                long k = t[p];
                if (k == ignoreIndex) continue;
                if (k < 0 || k >= c)
                    throw new IndexOutOfBoundsException(loss + ": target " + k + " at position " + p
                            + " is out of bounds for " + c + " classes");
                float wk = w == null ? 1f : w[(int) k];
                onehot[(i * c + (int) k) * spatial + s] = wk;
                keep[p] = 1f;
                sum += wk;
            }
        return new ClassTargets(Tensor.of(onehot, in), Tensor.of(keep, tg), sum);
    }

    private static int[] expected(int[] in) {
        int[] e = new int[in.length - 1];
        e[0] = in[0];
        System.arraycopy(in, 2, e, 1, in.length - 2);
        return e;
    }

    /** Checks a class-weight tensor: float32 of shape [C]. */
    static void checkWeight(String loss, Tensor weight) {
        if (weight == null) return;
        if (weight.rank() != 1 || weight.dtype() != DType.FLOAT32)
            throw new IllegalArgumentException(loss + ": weight must be a float32 vector of one weight per class, got "
                    + weight.dtype() + " of shape " + Shape.str(weight.shape()));
    }

    /** Checks the class count of {@code input} [N, C, ...] against the weight. */
    static void checkClasses(String loss, Tensor input, Tensor weight) {
        if (input.rank() < 2)
            throw new IllegalArgumentException(loss + ": expected input of shape [C], [N, C] or [N, C, d...], got "
                    + Shape.str(input.shape()));
        if (weight != null && weight.size(0) != input.size(1))
            throw new IllegalArgumentException(loss + ": weight has " + weight.size(0) + " entries but the input of shape "
                    + Shape.str(input.shape()) + " has " + input.size(1) + " classes");
    }

    /** [1, C, 1, ...] for broadcasting class weights over an input of rank {@code rank}. */
    static int[] classShape(int c, int rank) {
        int[] s = new int[rank];
        java.util.Arrays.fill(s, 1);
        s[1] = c;
        return s;
    }
}
