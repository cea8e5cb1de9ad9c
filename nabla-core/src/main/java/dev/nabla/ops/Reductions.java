package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.Reduce;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/** Sum, mean and variance over any dims, with keepdim. Gradients broadcast the output gradient back. */
public final class Reductions {
    private Reductions() {}

    /** Sum of all elements as a 0-d tensor. */
    public static Tensor sumAll(Tensor x) {
        return sum(x, allDims(x), false);
    }

    public static Tensor meanAll(Tensor x) {
        return mean(x, allDims(x), false);
    }

    public static Tensor sum(Tensor x, int[] dims, boolean keepdim) {
        Elementwise.requireFloat("sum", x);
        int[] inShape = x.shape();
        boolean[] reduce = flags("sum", dims, inShape.length);
        int[] kept = keptShape(inShape, reduce, true);
        Tensor xc = x.contiguous();
        float[] out = Graph.buffer(Shape.numel(kept));
        Reduce.sum(xc.data(), xc.offset(), inShape, reduce, out);
        Tensor y = Tensor.of(out, keepdim ? kept : keptShape(inShape, reduce, false));
        // d(sum)/dx = 1 everywhere: the gradient, with the reduced dims restored as size 1, broadcast back.
        return Graph.record("sum", y, g -> new Tensor[] {g.reshape(kept).expand(inShape)}, x);
    }

    public static Tensor mean(Tensor x, int[] dims, boolean keepdim) {
        boolean[] reduce = flags("mean", dims, x.rank());
        long count = 1;
        int[] s = x.shape();
        for (int d = 0; d < s.length; d++) if (reduce[d]) count *= s[d];
        return sum(x, dims, keepdim).div((float) count);
    }

    /** Variance over {@code dims}; divides by n-1 when {@code unbiased}. A composition of primitives. */
    public static Tensor var(Tensor x, int[] dims, boolean unbiased, boolean keepdim) {
        boolean[] reduce = flags("var", dims, x.rank());
        long count = 1;
        int[] s = x.shape();
        for (int d = 0; d < s.length; d++) if (reduce[d]) count *= s[d];
        Tensor centered = x.sub(mean(x, dims, true));
        long denom = unbiased ? count - 1 : count;
        return sum(centered.mul(centered), dims, keepdim).div((float) Math.max(denom, 0));
    }

    static int[] allDims(Tensor x) {
        int[] d = new int[x.rank()];
        for (int i = 0; i < d.length; i++) d[i] = i;
        return d;
    }

    /** Which dims are reduced; an empty list means none (as PyTorch's dim=[]), duplicates are errors. */
    static boolean[] flags(String op, int[] dims, int rank) {
        boolean[] reduce = new boolean[rank];
        for (int dim : dims) {
            int d = Shape.dim(op, dim, rank);
            if (rank == 0) continue;
            if (reduce[d]) throw new IllegalArgumentException(op + ": dim " + dim + " appears more than once");
            reduce[d] = true;
        }
        return reduce;
    }

    /** The output shape: reduced dims kept as 1 or dropped. */
    static int[] keptShape(int[] shape, boolean[] reduce, boolean keepdim) {
        int n = 0;
        for (int d = 0; d < shape.length; d++) if (keepdim || !reduce[d]) n++;
        int[] out = new int[n];
        for (int d = 0, j = 0; d < shape.length; d++) {
            if (!reduce[d]) out[j++] = shape[d];
            else if (keepdim) out[j++] = 1;
        }
        return out;
    }
}
