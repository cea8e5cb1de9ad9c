package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.SoftmaxKernel;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * softmax, log_softmax and logsumexp, each a fused forward (maximum subtracted before {@code exp}) with a
 * direct backward. The reduced dim is handled as {@code [outer, n, inner]} over contiguous data: the
 * last dim of a contiguous tensor is the plain row loop; other dims walk slabs; a non-contiguous input is
 * read into one contiguous buffer first.
 */
public final class Softmax {
    private Softmax() {}

    /** exp(x) / Σ exp(x) along {@code dim}; a row of all -inf gives NaN, as in PyTorch. */
    public static Tensor softmax(Tensor x, int dim) {
        return fused("softmax", x, dim, false);
    }

    /** x - logsumexp(x) along {@code dim}, computed without forming softmax. */
    public static Tensor logSoftmax(Tensor x, int dim) {
        return fused("log_softmax", x, dim, true);
    }

    private static Tensor fused(String op, Tensor x, int dim, boolean log) {
        Elementwise.requireFloat(op, x);
        int[] shape = x.shape();
        int d = Shape.dim(op, dim, shape.length);
        int n = shape.length == 0 ? 1 : shape[d];
        int inner = inner(shape, d), outer = n == 0 || inner == 0 ? 0 : x.numel() / (n * inner);
        Tensor xc = dense(x);
        float[] y = Graph.buffer(x.numel());
        SoftmaxKernel.forward(xc.data(), xc.offset(), y, outer, n, inner, log);
        Tensor out = Tensor.of(y, shape);
        return Graph.record(op, out, g -> {
            Tensor gc = dense(g);
            float[] dx = Graph.buffer(y.length);
            SoftmaxKernel.backward(y, gc.data(), gc.offset(), dx, outer, n, inner, log);
            return new Tensor[] {Tensor.of(dx, shape)};
        }, x);
    }

    /**
     * log Σ exp(x) over {@code dims} (an empty list means all dims, as in recent PyTorch). Rows of -inf give
     * -inf and rows holding +inf give +inf (not NaN); the gradient is g·exp(x - out).
     */
    public static Tensor logsumexp(Tensor x, int[] dims, boolean keepdim) {
        Elementwise.requireFloat("logsumexp", x);
        int[] shape = x.shape();
        int rank = shape.length;
        boolean[] reduce = Reductions.flags("logsumexp", dims.length == 0 ? Reductions.allDims(x) : dims, rank);
        int first = -1, last = -1;
        for (int d = 0; d < rank; d++) if (reduce[d]) { if (first < 0) first = d; last = d; }
        for (int d = first + 1; d < last; d++) {
            if (!reduce[d]) return logsumexpPermuted(x, reduce, keepdim); // reduced dims are not one block
        }
        int n = 1, outer = 1, inner = 1;
        for (int d = 0; d < rank; d++) {
            if (reduce[d]) n *= shape[d];
            else if (first >= 0 && d > last) inner *= shape[d];
            else outer *= shape[d];
        }
        int[] kept = Reductions.keptShape(shape, reduce, true);
        Tensor xc = dense(x);
        float[] out = Graph.buffer(outer * inner);
        SoftmaxKernel.logsumexp(xc.data(), xc.offset(), out, outer, n, inner);
        Tensor y = Tensor.of(out, keepdim ? kept : Reductions.keptShape(shape, reduce, false));
        int fn = n, fo = outer, fi = inner;
        return Graph.record("logsumexp", y, g -> {
            Tensor gc = dense(g);
            float[] dx = Graph.buffer(xc.numel());
            SoftmaxKernel.logsumexpBackward(xc.data(), xc.offset(), out, gc.data(), gc.offset(), dx, fo, fn, fi);
            return new Tensor[] {Tensor.of(dx, shape)};
        }, x);
    }

    /** Reduced dims scattered (e.g. dims 0 and 2 of a 3-D tensor): move them to the end, then reduce. */
    private static Tensor logsumexpPermuted(Tensor x, boolean[] reduce, boolean keepdim) {
        int rank = reduce.length;
        int[] perm = new int[rank];
        int[] tail = new int[rank];
        int k = 0, r = 0;
        for (int d = 0; d < rank; d++) if (!reduce[d]) perm[k++] = d;
        for (int d = 0; d < rank; d++) if (reduce[d]) { tail[r] = k + r; perm[k + r++] = d; }
        Tensor y = logsumexp(x.permute(perm), java.util.Arrays.copyOf(tail, r), false);
        return keepdim ? y.reshape(Reductions.keptShape(x.shape(), reduce, true)) : y;
    }

    /** Product of the dims after {@code d} (1 for a 0-d tensor). */
    static int inner(int[] shape, int d) {
        int inner = 1;
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        return inner;
    }

    /** The tensor itself when its elements are in row-major order, else an unrecorded contiguous copy. */
    static Tensor dense(Tensor t) {
        return t.isContiguous() ? t : Tensor.of(t.toFloatArray(), t.shape());
    }
}
