package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * max, min, argmax, argmin over all elements or one dim, with PyTorch's semantics: NaN wins (a NaN
 * anywhere in the reduction gives NaN, and its index is the first NaN's); among equal values the first
 * index wins; over one dim the gradient goes to that index, over all elements it is shared evenly among
 * the tied elements (PyTorch's {@code evenly_distribute_backward}). int64 inputs are accepted (no gradient).
 */
public final class Extrema {
    private Extrema() {}

    public static Tensor maxAll(Tensor x) { return all("max", x, true); }

    public static Tensor minAll(Tensor x) { return all("min", x, false); }

    /** The maximum along {@code dim} (PyTorch's {@code max(dim).values}). */
    public static Tensor max(Tensor x, int dim, boolean keepdim) { return along("max", x, dim, keepdim, true, false); }

    public static Tensor min(Tensor x, int dim, boolean keepdim) { return along("min", x, dim, keepdim, false, false); }

    /** Index of the maximum of the flattened tensor, as a 0-d int64 tensor. */
    public static Tensor argmaxAll(Tensor x) {
        if (x.numel() == 0)
            throw new IllegalArgumentException("argmax: the input of shape " + Shape.str(x.shape())
                    + " is empty; an empty tensor has no maximum");
        return along("argmax", x.reshape(-1), 0, false, true, true).reshape();
    }

    /** Indices (int64) of the maxima along {@code dim}; not differentiable. */
    public static Tensor argmax(Tensor x, int dim, boolean keepdim) { return along("argmax", x, dim, keepdim, true, true); }

    public static Tensor argmin(Tensor x, int dim, boolean keepdim) { return along("argmin", x, dim, keepdim, false, true); }

    // ------------------------------------------------------------------ whole tensor

    private static Tensor all(String op, Tensor x, boolean max) {
        if (x.numel() == 0)
            throw new IllegalArgumentException(op + ": the input of shape " + Shape.str(x.shape())
                    + " is empty; give a dim to reduce over, an empty tensor has no " + (max ? "maximum" : "minimum"));
        if (x.dtype() == DType.INT64) {
            long[] v = x.toLongArray();
            long best = v[0];
            for (long e : v) best = max ? Math.max(best, e) : Math.min(best, e);
            return Tensor.ofLongs(new long[] {best});
        }
        Tensor xc = Softmax.dense(x);
        float[] d = xc.data();
        int off = xc.offset(), n = xc.numel();
        float best = d[off];
        for (int i = 1; i < n; i++) {
            float v = d[off + i];
            if (max ? v > best : v < best) best = v;
            else if (v != v) { best = v; break; }
        }
        Tensor out = Tensor.scalar(best);
        float value = best;
        int[] shape = x.shape();
        return Graph.record(op, out, g -> {
            boolean nan = value != value;
            int ties = 0;
            for (int i = 0; i < n; i++) { float v = d[off + i]; if (nan ? v != v : v == value) ties++; }
            float share = g.item() / ties;
            float[] dx = Graph.buffer(n);
            for (int i = 0; i < n; i++) { float v = d[off + i]; if (nan ? v != v : v == value) dx[i] = share; }
            return new Tensor[] {Tensor.of(dx, shape)};
        }, x);
    }

    // ------------------------------------------------------------------ along one dim

    /** Values (or indices when {@code indices}) of the extreme along {@code dim}. */
    private static Tensor along(String op, Tensor x, int dim, boolean keepdim, boolean max, boolean indices) {
        int[] shape = x.shape();
        int d = Shape.dim(op, dim, shape.length);
        int n = shape.length == 0 ? 1 : shape[d];
        int inner = Softmax.inner(shape, d);
        int[] outShape = reducedShape(shape, d, keepdim);
        int count = Shape.numel(outShape);
        if (n == 0)
            throw new IllegalArgumentException(op + ": dim " + dim + " of the input of shape " + Shape.str(shape)
                    + " has size 0; an empty dim has no " + (max ? "maximum" : "minimum"));
        int outer = inner == 0 ? 0 : count / inner;
        int[] idx = new int[count];
        if (x.dtype() == DType.INT64) {
            long[] v = longScan(x.toLongArray(), outer, n, inner, max, idx);
            return indices ? Tensor.ofLongs(widen(idx), outShape) : Tensor.ofLongs(v, outShape);
        }
        Tensor xc = Softmax.dense(x);
        float[] vals = Graph.buffer(count);
        scan(xc.data(), xc.offset(), outer, n, inner, max, vals, idx);
        if (indices) return Tensor.ofLongs(widen(idx), outShape);
        Tensor out = Tensor.of(vals, outShape);
        return Graph.record(op, out, g -> {
            Tensor gc = Softmax.dense(g);
            float[] gd = gc.data();
            int go = gc.offset();
            float[] dx = Graph.buffer(x.numel());
            for (int o = 0; o < outer; o++) {
                int base = o * n * inner, q = o * inner;
                for (int i = 0; i < inner; i++) dx[base + idx[q + i] * inner + i] = gd[go + q + i];
            }
            return new Tensor[] {Tensor.of(dx, shape)};
        }, x);
    }

    /**
     * For each (o, i), the extreme of x[o, ·, i] and its first index over {@code [outer, n, inner]}. A NaN
     * replaces a number and is never replaced itself, so the first NaN wins.
     */
    static void scan(float[] x, int off, int outer, int n, int inner, boolean max, float[] vals, int[] idx) {
        for (int o = 0; o < outer; o++) {
            int p = off + o * n * inner, q = o * inner;
            if (inner == 1) {
                float best = x[p];
                int at = 0;
                for (int j = 1; j < n && best == best; j++) {
                    float v = x[p + j];
                    if ((max ? v > best : v < best) || v != v) { best = v; at = j; }
                }
                vals[q] = best;
                idx[q] = at;
                continue;
            }
            System.arraycopy(x, p, vals, q, inner);
            for (int j = 1; j < n; j++) {
                int pj = p + j * inner;
                for (int i = 0; i < inner; i++) {
                    float v = x[pj + i], best = vals[q + i];
                    if ((max ? v > best : v < best) || (v != v && best == best)) { vals[q + i] = v; idx[q + i] = j; }
                }
            }
        }
    }

    private static long[] longScan(long[] x, int outer, int n, int inner, boolean max, int[] idx) {
        long[] vals = new long[idx.length];
        for (int o = 0; o < outer; o++) {
            int p = o * n * inner, q = o * inner;
            for (int i = 0; i < inner; i++) {
                long best = x[p + i];
                int at = 0;
                for (int j = 1; j < n; j++) {
                    long v = x[p + j * inner + i];
                    if (max ? v > best : v < best) { best = v; at = j; }
                }
                vals[q + i] = best;
                idx[q + i] = at;
            }
        }
        return vals;
    }

    private static long[] widen(int[] idx) {
        long[] out = new long[idx.length];
        for (int i = 0; i < idx.length; i++) out[i] = idx[i];
        return out;
    }

    /** The shape with {@code d} kept as 1 or dropped (a 0-d input stays 0-d). */
    private static int[] reducedShape(int[] shape, int d, boolean keepdim) {
        if (shape.length == 0) return new int[0];
        if (keepdim) {
            int[] s = shape.clone();
            s[d] = 1;
            return s;
        }
        int[] s = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) if (i != d) s[j++] = shape[i];
        return s;
    }
}
