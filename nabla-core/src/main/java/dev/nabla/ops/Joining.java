package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.Strided;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * cat and stack (one copy into a new contiguous tensor; each input's gradient is a view of the output
 * gradient), and split and chunk (views: they copy nothing).
 */
public final class Joining {
    private Joining() {}

    /**
     * Concatenates along {@code dim}; shapes must match except on that dim. As in PyTorch, 1-D tensors with
     * no elements (shape [0]) are skipped whatever the others' rank.
     */
    public static Tensor cat(List<Tensor> tensors, int dim) {
        checkList("cat", tensors);
        Tensor[] ts = tensors.toArray(new Tensor[0]); // a snapshot: the caller may reuse the list
        int ref = -1; // the first tensor that is not a legacy empty [0]
        for (int i = 0; i < tensors.size() && ref < 0; i++) if (!legacyEmpty(tensors.get(i))) ref = i;
        if (ref < 0) ref = 0;
        Tensor first = tensors.get(ref);
        int rank = first.rank();
        if (rank == 0)
            throw new IllegalArgumentException("cat: zero-dimensional tensor (at position " + ref + ") cannot be concatenated");
        int d = Shape.dim("cat", dim, rank);
        int[] refShape = first.shape();
        boolean[] skip = new boolean[tensors.size()];
        int total = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (i != ref && legacyEmpty(t)) { skip[i] = true; continue; }
            int[] s = t.shape();
            if (s.length != rank)
                throw new IllegalArgumentException("cat: tensors must have the same number of dims: tensor " + ref
                        + " has shape " + Shape.str(refShape) + " but tensor " + i + " has shape " + Shape.str(s));
            for (int k = 0; k < rank; k++)
                if (k != d && s[k] != refShape[k])
                    throw new IllegalArgumentException("cat: sizes must match except in dim " + d + ": tensor " + ref
                            + " has shape " + Shape.str(refShape) + " but tensor " + i + " has shape " + Shape.str(s)
                            + " (dim " + k + ")");
            total += s[d];
        }
        int[] outShape = refShape.clone();
        outShape[d] = total;
        Tensor out = join(ts, skip, outShape, d, false);
        int[] starts = new int[tensors.size()];
        for (int i = 0, at = 0; i < starts.length; i++) {
            starts[i] = at;
            if (!skip[i]) at += tensors.get(i).size(d);
        }
        return Graph.record("cat", out, g -> {
            Tensor[] grads = new Tensor[starts.length];
            for (int i = 0; i < grads.length; i++)
                if (!skip[i] && ts[i].requiresGrad()) grads[i] = g.narrow(d, starts[i], ts[i].size(d));
            return grads;
        }, ts);
    }

    /** Joins equally shaped tensors along a new dim {@code dim}, which may be in [-(rank+1), rank]. */
    public static Tensor stack(List<Tensor> tensors, int dim) {
        checkList("stack", tensors);
        Tensor[] ts = tensors.toArray(new Tensor[0]);
        int[] shape = tensors.get(0).shape();
        int rank = shape.length;
        int d = dim < 0 ? dim + rank + 1 : dim;
        if (d < 0 || d > rank)
            throw new IllegalArgumentException("stack: dim " + dim + " is out of range [" + (-rank - 1) + ", " + rank
                    + "] for tensors of rank " + rank);
        for (int i = 1; i < tensors.size(); i++)
            if (!Arrays.equals(tensors.get(i).shape(), shape))
                throw new IllegalArgumentException("stack: expects each tensor to be equal size, but tensor 0 has shape "
                        + Shape.str(shape) + " and tensor " + i + " has shape " + Shape.str(tensors.get(i).shape()));
        int[] outShape = new int[rank + 1];
        for (int k = 0, j = 0; k <= rank; k++) outShape[k] = k == d ? tensors.size() : shape[j++];
        Tensor out = join(ts, new boolean[ts.length], outShape, d, true);
        return Graph.record("stack", out, g -> {
            Tensor[] grads = new Tensor[ts.length];
            for (int i = 0; i < grads.length; i++) if (ts[i].requiresGrad()) grads[i] = g.select(d, i);
            return grads;
        }, ts);
    }

    /** Views of {@code splitSize} elements along {@code dim}; the last may be smaller. */
    public static List<Tensor> split(Tensor x, int splitSize, int dim) {
        if (x.rank() == 0) throw new IllegalArgumentException("split: cannot split a zero-dimensional tensor");
        int d = Shape.dim("split", dim, x.rank());
        int size = x.size(d);
        if (splitSize < 0 || (splitSize == 0 && size != 0))
            throw new IllegalArgumentException("split: split_size must be positive (0 only for an empty dim), got "
                    + splitSize + " for dim " + d + " of size " + size);
        if (size == 0) return List.of(x.narrow(d, 0, 0));
        List<Tensor> out = new ArrayList<>((size + splitSize - 1) / splitSize);
        for (int start = 0; start < size; start += splitSize) out.add(x.narrow(d, start, Math.min(splitSize, size - start)));
        return List.copyOf(out);
    }

    /**
     * Splits into pieces of ceil(size / chunks) along {@code dim} (as PyTorch, this may give fewer than
     * {@code chunks} pieces); views.
     */
    public static List<Tensor> chunk(Tensor x, int chunks, int dim) {
        if (chunks <= 0) throw new IllegalArgumentException("chunk: chunks must be greater than 0, got " + chunks);
        if (x.rank() == 0) throw new IllegalArgumentException("chunk: cannot chunk a zero-dimensional tensor");
        int d = Shape.dim("chunk", dim, x.rank());
        int size = x.size(d);
        if (size == 0) { // PyTorch gives `chunks` empty pieces here
            List<Tensor> out = new ArrayList<>(chunks);
            for (int i = 0; i < chunks; i++) out.add(x.narrow(d, 0, 0));
            return List.copyOf(out);
        }
        return split(x, (int) ((size + (long) chunks - 1) / chunks), d);
    }

    // ------------------------------------------------------------------ helpers

    private static void checkList(String op, List<Tensor> tensors) {
        if (tensors == null || tensors.isEmpty())
            throw new IllegalArgumentException(op + ": expected a non-empty list of tensors");
        Tensor first = tensors.get(0);
        if (first == null) throw new IllegalArgumentException(op + ": tensor 0 is null");
        for (int i = 1; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (t == null) throw new IllegalArgumentException(op + ": tensor " + i + " is null");
            if (t.dtype() != first.dtype())
                throw new IllegalArgumentException(op + ": expected all tensors to have the same dtype, tensor 0 is "
                        + first.dtype() + " but tensor " + i + " is " + t.dtype() + " (shape " + Shape.str(t.shape()) + ")");
        }
    }

    private static boolean legacyEmpty(Tensor t) {
        return t.rank() == 1 && t.numel() == 0;
    }

    /**
     * Copies the inputs side by side along {@code d} of {@code outShape}. For each index over the dims
     * before {@code d} ("outer"), each input contributes one block of (its size on d) x inner elements,
     * contiguous in the output. Contiguous inputs are moved with one arraycopy per block; others are
     * walked through their strides.
     */
    private static Tensor join(Tensor[] tensors, boolean[] skip, int[] outShape, int d, boolean stack) {
        boolean isFloat = tensors[0].dtype() == DType.FLOAT32;
        int n = Shape.numel(outShape);
        Object dst = isFloat ? Graph.buffer(n) : new long[n];
        int outer = 1, inner = 1;
        for (int k = 0; k < d; k++) outer *= outShape[k];
        for (int k = d + 1; k < outShape.length; k++) inner *= outShape[k];
        int rowLen = outShape[d] * inner;
        int at = 0;
        for (int i = 0; i < tensors.length; i++) {
            if (skip[i]) continue;
            Tensor t = tensors[i];
            int len = stack ? 1 : t.size(d);
            int block = len * inner;
            if (block > 0 && outer > 0) {
                Object src = isFloat ? t.data() : t.longData();
                if (t.isContiguous()) {
                    for (int o = 0, p = t.offset(), q = at; o < outer; o++, p += block, q += rowLen)
                        System.arraycopy(src, p, dst, q, block);
                } else {
                    copyStrided(t, src, isFloat, d, outer, dst, at, rowLen);
                }
            }
            at += block;
        }
        return isFloat ? Tensor.of((float[]) dst, outShape) : Tensor.ofLongs((long[]) dst, outShape);
    }

    /** For each outer index over t's dims [0, d), copies the sub-tensor t[outer, ...] (dims d..) to dst. */
    private static void copyStrided(Tensor t, Object src, boolean isFloat, int d, int outer, Object dst, int at, int rowLen) {
        int[] shape = t.shape(), strides = t.strides();
        int[] subShape = Arrays.copyOfRange(shape, d, shape.length), subStrides = Arrays.copyOfRange(strides, d, shape.length);
        int[] ctr = new int[d];
        int base = t.offset();
        for (int o = 0, q = at; o < outer; o++, q += rowLen) {
            if (isFloat) Strided.copy((float[]) src, base, subShape, subStrides, (float[]) dst, q);
            else Strided.copy((long[]) src, base, subShape, subStrides, (long[]) dst, q);
            for (int k = d - 1; k >= 0; k--) {
                if (++ctr[k] < shape[k]) { base += strides[k]; break; }
                base -= strides[k] * (shape[k] - 1);
                ctr[k] = 0;
            }
        }
    }
}
