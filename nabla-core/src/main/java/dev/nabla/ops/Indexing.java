package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.autograd.NoGrad;
import dev.nabla.kernel.Parallel;
import dev.nabla.kernel.Strided;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * Ops that pick elements by int64 indices: index_select, gather, scatter_add, embedding and one_hot.
 *
 * <p>Every index is checked before anything is read: an index outside {@code [0, size)} is reported with
 * the op, the index value, the dim and its size. As in PyTorch's index_select and gather, negative
 * indices are errors (they do not count from the end). Inputs may be non-contiguous views.
 *
 * <p>gather and scatter_add translate each index element into a flat position in a contiguous copy of
 * the input once; the backward reuses those positions, so it costs one pass over the gradient.
 */
public final class Indexing {
    private Indexing() {}

    // ------------------------------------------------------------------ index_select

    /** The slices of {@code x} at the positions {@code index} (int64, 0-D or 1-D) along {@code dim}. */
    public static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        requireIndex("index_select", index);
        if (index.rank() > 1)
            throw new IllegalArgumentException("index_select: index must be 1-D (or 0-D), got shape "
                    + Shape.str(index.shape()));
        if (x.rank() == 0) {
            Shape.dim("index_select", dim, 0);
            if (index.numel() != 1)
                throw new IllegalArgumentException("index_select: a 0-dim input takes exactly one index, got "
                        + index.numel());
            return indexSelect(x.reshape(1), 0, index.reshape(1)).reshape();
        }
        int d = Shape.dim("index_select", dim, x.rank());
        int[] shape = x.shape();
        int size = shape[d];
        long[] idx = index.isContiguous() ? index.longData() : index.toLongArray();
        int idxOff = index.isContiguous() ? index.offset() : 0;
        int k = index.numel();
        checkRange("index_select", idx, idxOff, k, d, size);

        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        int[] outShape = shape.clone();
        outShape[d] = k;
        Tensor xc = dense(x);
        int xOff = xc.offset();
        Tensor out;
        if (x.dtype() == DType.FLOAT32) {
            float[] src = xc.data(), dst = Graph.buffer(Shape.numel(outShape));
            if (inner == 1) {
                for (int o = 0, q = 0; o < outer; o++) {
                    int row = xOff + o * size;
                    for (int j = 0; j < k; j++) dst[q++] = src[row + (int) idx[idxOff + j]];
                }
            } else {
                selectBlocks(src, xOff, dst, outer, size, inner, idx, idxOff, k);
            }
            out = Tensor.of(dst, outShape);
        } else {
            long[] dst = new long[Shape.numel(outShape)];
            selectBlocks(xc.longData(), xOff, dst, outer, size, inner, idx, idxOff, k);
            return Tensor.ofLongs(dst, outShape);
        }
        int fOuter = outer, fInner = inner;
        return Graph.record("index_select", out, g -> new Tensor[] {
                indexAdd(g, shape, fOuter, size, fInner, idx, idxOff, k), null}, x, index);
    }

    /** dst[o, j, :] = src[o, idx[j], :] for contiguous [outer, size, inner] → [outer, k, inner]; float[] or long[]. */
    private static void selectBlocks(Object src, int srcOff, Object dst, int outer, int size, int inner,
                                     long[] idx, int idxOff, int k) {
        for (int o = 0, q = 0; o < outer; o++) {
            int row = srcOff + o * size * inner;
            for (int j = 0; j < k; j++, q += inner)
                System.arraycopy(src, row + (int) idx[idxOff + j] * inner, dst, q, inner);
        }
    }

    /** The gradient of index_select: g[o, j, :] added into row idx[j] of zeros shaped like the input. */
    private static Tensor indexAdd(Tensor g, int[] shape, int outer, int size, int inner, long[] idx, int idxOff, int k) {
        Tensor gc = dense(g);
        float[] gd = gc.data();
        int gOff = gc.offset();
        float[] dx = Graph.buffer(Shape.numel(shape));
        int work = k * inner;
        // Different outer rows never collide, so they can run in parallel; within a row indices may repeat.
        Parallel.forRange(outer, Math.max(1, (1 << 15) / Math.max(1, work)), (from, to) -> {
            for (int o = from; o < to; o++) {
                int dRow = o * size * inner, q = gOff + o * work;
                for (int j = 0; j < k; j++, q += inner) {
                    int p = dRow + (int) idx[idxOff + j] * inner;
                    for (int i = 0; i < inner; i++) dx[p + i] += gd[q + i];
                }
            }
        });
        return Tensor.of(dx, shape);
    }

    // ------------------------------------------------------------------ gather / scatter_add

    /** out[..., i, ...] = x[..., index[..., i, ...], ...] along {@code dim}; the output has index's shape. */
    public static Tensor gather(Tensor x, int dim, Tensor index) {
        requireIndex("gather", index);
        if (x.rank() == 0) {
            Shape.dim("gather", dim, 0);
            return gather(x.reshape(1), 0, index.reshape(-1)).reshape(index.shape());
        }
        int d = Shape.dim("gather", dim, x.rank());
        int[] xShape = x.shape(), iShape = index.shape();
        checkShapes("gather", "input", xShape, iShape, d, false);
        int[] pos = positions("gather", index, d, xShape);
        Tensor xc = dense(x);
        int off = xc.offset(), n = pos.length;
        if (x.dtype() == DType.INT64) {
            long[] src = xc.longData(), dst = new long[n];
            for (int i = 0; i < n; i++) dst[i] = src[off + pos[i]];
            return Tensor.ofLongs(dst, iShape);
        }
        float[] src = xc.data(), dst = Graph.buffer(n);
        for (int i = 0; i < n; i++) dst[i] = src[off + pos[i]];
        Tensor out = Tensor.of(dst, iShape);
        return Graph.record("gather", out, g -> new Tensor[] {scatterAddInto(Graph.buffer(Shape.numel(xShape)), xShape, pos, g), null},
                x, index);
    }

    /**
     * Out-of-place scatter_add: a copy of {@code x} where, for every element of {@code index},
     * {@code src} at the same position is added at {@code x[..., index, ...]} along {@code dim}.
     * Only the leading {@code index.shape} block of {@code src} is used, as in PyTorch.
     */
    public static Tensor scatterAdd(Tensor x, int dim, Tensor index, Tensor src) {
        requireIndex("scatter_add", index);
        Elementwise.requireFloat("scatter_add", x, src);
        if (x.rank() == 0) {
            Shape.dim("scatter_add", dim, 0);
            return scatterAdd(x.reshape(1), 0, index.reshape(-1), src.reshape(-1)).reshape();
        }
        int d = Shape.dim("scatter_add", dim, x.rank());
        int[] xShape = x.shape(), iShape = index.shape(), sShape = src.shape();
        checkShapes("scatter_add", "input", xShape, iShape, d, false);
        checkShapes("scatter_add", "src", sShape, iShape, d, true);
        int[] pos = positions("scatter_add", index, d, xShape);
        float[] out = Graph.buffer(x.numel());
        Strided.copy(x.data(), x.offset(), xShape, x.strides(), out, 0);
        float[] vals = leading(src, iShape).toFloatArray();
        for (int i = 0; i < pos.length; i++) out[pos[i]] += vals[i];
        Tensor y = Tensor.of(out, xShape);
        return Graph.record("scatter_add", y, g -> new Tensor[] {g, null,
                src.requiresGrad() ? gatherGrad(g, pos, iShape, sShape) : null}, x, index, src);
    }

    /** dx[pos[i]] += g[i] into {@code dx} (zeros, contiguous of {@code shape}); the gradient of gather. */
    private static Tensor scatterAddInto(float[] dx, int[] shape, int[] pos, Tensor g) {
        Tensor gc = dense(g);
        float[] gd = gc.data();
        int off = gc.offset();
        for (int i = 0; i < pos.length; i++) dx[pos[i]] += gd[off + i];
        return Tensor.of(dx, shape);
    }

    /** The gradient of scatter_add for src: g read at the scattered positions, placed in src's shape. */
    private static Tensor gatherGrad(Tensor g, int[] pos, int[] iShape, int[] sShape) {
        Tensor gc = dense(g);
        float[] gd = gc.data(), v = Graph.buffer(pos.length);
        int off = gc.offset();
        for (int i = 0; i < pos.length; i++) v[i] = gd[off + pos[i]];
        Tensor part = Tensor.of(v, iShape);
        if (java.util.Arrays.equals(iShape, sShape)) return part;
        Tensor full = Tensor.zeros(sShape);
        try (var ignored = NoGrad.enter()) {
            leading(full, iShape).copy_(part);
        }
        return full;
    }

    /**
     * Checks gather/scatter shapes: same rank as index, and index no larger than {@code other} on every
     * dim ({@code allDims}) or every dim but {@code dim}.
     */
    private static void checkShapes(String op, String what, int[] other, int[] iShape, int dim, boolean allDims) {
        if (other.length != iShape.length)
            throw new IllegalArgumentException(op + ": index " + Shape.str(iShape) + " must have the same number of dims as "
                    + what + " " + Shape.str(other));
        for (int i = 0; i < iShape.length; i++)
            if ((allDims || i != dim) && iShape[i] > other[i])
                throw new IllegalArgumentException(op + ": index " + Shape.str(iShape) + " is larger than " + what + " "
                        + Shape.str(other) + " at dim " + i + " (" + iShape[i] + " > " + other[i] + ")"
                        + (allDims ? "" : "; only dim " + dim + " may differ"));
    }

    /**
     * For every element of {@code index} (row-major), the flat position it points to in a contiguous
     * tensor of shape {@code xShape}: its own coordinates, with the coordinate on {@code dim} replaced by
     * the index value. Checks every value against {@code xShape[dim]}.
     */
    private static int[] positions(String op, Tensor index, int dim, int[] xShape) {
        int[] iShape = index.shape();
        long[] idx = index.isContiguous() ? index.longData() : index.toLongArray();
        int idxOff = index.isContiguous() ? index.offset() : 0;
        int n = index.numel(), rank = iShape.length;
        int[] pos = new int[n];
        if (n == 0) return pos;
        int[] xs = Shape.contiguousStrides(xShape);
        int size = xShape[dim], sd = xs[dim];
        int last = rank - 1, cols = iShape[last];
        int lastStride = last == dim ? 0 : xs[last];
        int[] ctr = new int[rank];
        int base = 0;
        for (int i = 0; i < n; ) {
            for (int c = 0, p = base; c < cols; c++, i++, p += lastStride) {
                long v = idx[idxOff + i];
                if (v < 0 || v >= size) throw outOfRange(op, v, dim, size);
                pos[i] = p + (int) v * sd;
            }
            for (int k = last - 1; k >= 0; k--) { // next row of the index: step the counter over dims 0..last-1
                int step = k == dim ? 0 : xs[k];
                if (++ctr[k] < iShape[k]) { base += step; break; }
                base -= step * (iShape[k] - 1);
                ctr[k] = 0;
            }
        }
        return pos;
    }

    // ------------------------------------------------------------------ embedding / one_hot

    /**
     * Rows of {@code weight} [V, D] at int64 {@code indices} of any shape: shape indices.shape + [D].
     * The weight's gradient adds each output row's gradient into the row it came from.
     */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        requireIndex("embedding", indices);
        Elementwise.requireFloat("embedding", weight);
        if (weight.rank() != 2)
            throw new IllegalArgumentException("embedding: weight must be 2-D [num_embeddings, embedding_dim], got shape "
                    + Shape.str(weight.shape()));
        int vocab = weight.size(0), dimD = weight.size(1);
        long[] idx = indices.isContiguous() ? indices.longData() : indices.toLongArray();
        int idxOff = indices.isContiguous() ? indices.offset() : 0;
        int n = indices.numel();
        checkRange("embedding", idx, idxOff, n, 0, vocab);
        int[] iShape = indices.shape();
        int[] outShape = java.util.Arrays.copyOf(iShape, iShape.length + 1);
        outShape[iShape.length] = dimD;

        Tensor wc = dense(weight);
        float[] w = wc.data(), out = Graph.buffer(Shape.numel(outShape));
        int wOff = wc.offset();
        Parallel.forRange(n, Math.max(1, (1 << 15) / Math.max(1, dimD)), (from, to) -> {
            for (int i = from; i < to; i++)
                System.arraycopy(w, wOff + (int) idx[idxOff + i] * dimD, out, i * dimD, dimD);
        });
        Tensor y = Tensor.of(out, outShape);
        return Graph.record("embedding", y, g -> new Tensor[] {null, embeddingBackward(g, idx, idxOff, n, vocab, dimD)},
                indices, weight);
    }

    /**
     * dWeight[idx[i], :] += g[i, :]. Threads own disjoint ranges of vocabulary rows and each scans all
     * indices, so repeated indices never race and no per-thread buffers are needed.
     */
    private static Tensor embeddingBackward(Tensor g, long[] idx, int idxOff, int n, int vocab, int dimD) {
        Tensor gc = dense(g);
        float[] gd = gc.data(), dw = Graph.buffer(vocab * dimD);
        int gOff = gc.offset();
        int grain = (long) n * dimD < (1 << 16) ? Math.max(1, vocab) : 1;
        Parallel.forRange(vocab, grain, (from, to) -> {
            boolean all = from == 0 && to == vocab;
            for (int i = 0; i < n; i++) {
                int r = (int) idx[idxOff + i];
                if (!all && (r < from || r >= to)) continue;
                int p = r * dimD, q = gOff + i * dimD;
                for (int j = 0; j < dimD; j++) dw[p + j] += gd[q + j];
            }
        });
        return Tensor.of(dw, vocab, dimD);
    }

    /**
     * Class indices (int64, any shape) to float32 one-hot vectors: shape indices.shape + [numClasses].
     * {@code numClasses == -1} means one more than the largest index, as in PyTorch.
     */
    public static Tensor oneHot(Tensor indices, int numClasses) {
        requireIndex("one_hot", indices);
        long[] idx = indices.toLongArray();
        if (numClasses < -1)
            throw new IllegalArgumentException("one_hot: num_classes must be -1 (infer) or non-negative, got " + numClasses);
        for (long v : idx)
            if (v < 0) throw new IllegalArgumentException("one_hot: class values must be non-negative, got " + v);
        if (numClasses == -1) {
            if (idx.length == 0)
                throw new IllegalArgumentException("one_hot: cannot infer the number of classes from an empty tensor "
                        + "of shape " + Shape.str(indices.shape()) + "; pass num_classes");
            long max = 0;
            for (long v : idx) max = Math.max(max, v);
            if (max >= Integer.MAX_VALUE)
                throw new IllegalArgumentException("one_hot: largest class value " + max + " is too large");
            numClasses = (int) max + 1;
        }
        for (long v : idx)
            if (v >= numClasses)
                throw new IllegalArgumentException("one_hot: class value " + v + " is out of range for num_classes "
                        + numClasses);
        int[] iShape = indices.shape();
        int[] outShape = java.util.Arrays.copyOf(iShape, iShape.length + 1);
        outShape[iShape.length] = numClasses;
        float[] out = Graph.buffer(Shape.numel(outShape));
        for (int i = 0; i < idx.length; i++) out[i * numClasses + (int) idx[i]] = 1f;
        return Tensor.of(out, outShape);
    }

    // ------------------------------------------------------------------ helpers

    static void requireIndex(String op, Tensor index) {
        if (index == null) throw new IllegalArgumentException(op + ": index tensor is null");
        if (index.dtype() != DType.INT64)
            throw new IllegalArgumentException(op + ": index must be an int64 tensor, got " + index.dtype()
                    + " of shape " + Shape.str(index.shape()) + " (convert with .to(DType.INT64))");
    }

    private static void checkRange(String op, long[] idx, int off, int n, int dim, int size) {
        for (int i = off, end = off + n; i < end; i++) {
            long v = idx[i];
            if (v < 0 || v >= size) throw outOfRange(op, v, dim, size);
        }
    }

    private static IllegalArgumentException outOfRange(String op, long value, int dim, int size) {
        return new IllegalArgumentException(op + ": index " + value + " is out of bounds for dim " + dim
                + " with size " + size + (value < 0 ? " (negative indices are not supported)" : ""));
    }

    /** t itself when contiguous, else an unrecorded contiguous copy: for reading raw storage. */
    private static Tensor dense(Tensor t) {
        return t.isContiguous() ? t : t.detach().clone();
    }

    /** The leading block of t of the given (not larger) shape, as a view. */
    private static Tensor leading(Tensor t, int[] shape) {
        Tensor v = t.detach();
        for (int d = 0; d < shape.length; d++)
            if (v.size(d) != shape[d]) v = v.narrow(d, 0, shape[d]);
        return v;
    }
}
