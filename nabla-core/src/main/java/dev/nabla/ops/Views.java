package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.autograd.NoGrad;
import dev.nabla.kernel.Strided;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.util.Arrays;

/**
 * Ops that return a view sharing the input's storage (reshape, permute, narrow, expand, ...), and the
 * copy ops clone/contiguous. Each view's gradient is the inverse rearrangement of the output gradient.
 */
public final class Views {
    private Views() {}

    /** A contiguous copy with fresh storage; the gradient passes straight through. */
    public static Tensor cloneTensor(Tensor x) {
        int[] shape = x.shape();
        Tensor out;
        if (x.dtype() == DType.FLOAT32) {
            float[] d = Graph.buffer(x.numel());
            Strided.copy(x.data(), x.offset(), shape, x.strides(), d, 0);
            out = Tensor.of(d, shape);
        } else {
            long[] d = new long[x.numel()];
            Strided.copy(x.longData(), x.offset(), shape, x.strides(), d, 0);
            out = Tensor.ofLongs(d, shape);
        }
        return Graph.record("clone", out, g -> new Tensor[] {g}, x);
    }

    /** Resolves one -1 in a requested shape and checks the element count. */
    static int[] inferShape(String op, Tensor x, int[] requested) {
        int[] shape = requested.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException(op + ": only one dim can be -1 in " + Shape.str(requested));
                infer = i;
            } else if (shape[i] < 0) {
                throw new IllegalArgumentException(op + ": invalid size " + shape[i] + " in " + Shape.str(requested));
            } else known *= shape[i];
        }
        if (infer >= 0) {
            if (known == 0 || x.numel() % known != 0)
                throw new IllegalArgumentException(op + ": shape " + Shape.str(requested) + " is invalid for input of size "
                        + x.numel() + " (shape " + Shape.str(x.shape()) + ")");
            shape[infer] = (int) (x.numel() / known);
        } else if (known != x.numel()) {
            throw new IllegalArgumentException(op + ": shape " + Shape.str(requested) + " is invalid for input of size "
                    + x.numel() + " (shape " + Shape.str(x.shape()) + ")");
        }
        return shape;
    }

    /** A view when the input is contiguous, otherwise a copy. */
    public static Tensor reshape(Tensor x, int... shape) {
        int[] target = inferShape("reshape", x, shape);
        if (Arrays.equals(target, x.shape())) return x;
        return view(x.contiguous(), target);
    }

    /** A view with a new shape; the input must be contiguous (use reshape otherwise). */
    public static Tensor view(Tensor x, int... shape) {
        int[] target = inferShape("view", x, shape);
        if (!x.isContiguous())
            throw new IllegalArgumentException("view: input of shape " + Shape.str(x.shape()) + " with strides "
                    + Shape.str(x.strides()) + " is not contiguous; use reshape() or contiguous().view()");
        int[] inShape = x.shape();
        Tensor out = x.asStrided(target, Shape.contiguousStrides(target), x.offset());
        return Graph.record("view", out, g -> new Tensor[] {g.reshape(inShape)}, x);
    }

    public static Tensor permute(Tensor x, int... dims) {
        int rank = x.rank();
        if (dims.length != rank)
            throw new IllegalArgumentException("permute: " + dims.length + " dims given for a tensor of rank " + rank);
        int[] shape = x.shape(), strides = x.strides();
        int[] ns = new int[rank], nst = new int[rank], inverse = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            int d = Shape.dim("permute", dims[i], rank);
            if (seen[d]) throw new IllegalArgumentException("permute: dim " + dims[i] + " repeats in " + Shape.str(dims));
            seen[d] = true;
            ns[i] = shape[d];
            nst[i] = strides[d];
            inverse[d] = i;
        }
        Tensor out = x.asStrided(ns, nst, x.offset());
        return Graph.record("permute", out, g -> new Tensor[] {g.permute(inverse)}, x);
    }

    public static Tensor transpose(Tensor x, int dim0, int dim1) {
        int rank = x.rank();
        if (rank < 2 && dim0 == dim1) return x;
        int a = Shape.dim("transpose", dim0, rank), b = Shape.dim("transpose", dim1, rank);
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) perm[i] = i;
        perm[a] = b;
        perm[b] = a;
        return permute(x, perm);
    }

    /** Elements {@code start .. start+length-1} along {@code dim}. */
    public static Tensor narrow(Tensor x, int dim, int start, int length) {
        int d = Shape.dim("narrow", dim, x.rank());
        int size = x.size(d);
        if (start < 0) start += size;
        if (start < 0 || length < 0 || start + length > size)
            throw new IllegalArgumentException("narrow: start " + start + " and length " + length
                    + " do not fit dim " + d + " of size " + size + " (shape " + Shape.str(x.shape()) + ")");
        return slice(x, d, start, start + length, 1);
    }

    /** Python's {@code x[..., start:end:step, ...]} on one dim; negative start/end count from the end and are clamped. */
    public static Tensor slice(Tensor x, int dim, int start, int end, int step) {
        int d = Shape.dim("slice", dim, x.rank());
        if (step <= 0) throw new IllegalArgumentException("slice: step must be positive, got " + step);
        int size = x.size(d);
        int s = clampIndex(start, size), e = clampIndex(end, size);
        int len = e > s ? (e - s + step - 1) / step : 0;
        int[] shape = x.shape(), strides = x.strides();
        int offset = x.offset() + s * strides[d];
        shape[d] = len;
        strides[d] *= step;
        Tensor out = x.asStrided(shape, strides, len == 0 ? x.offset() : offset);
        int[] inShape = x.shape();
        int fs = s;
        return Graph.record("slice", out, g -> new Tensor[] {scatterIntoZeros(inShape, g, z -> slice(z, d, fs, e, step))}, x);
    }

    private static int clampIndex(int i, int size) {
        if (i < 0) i += size;
        return Math.max(0, Math.min(i, size));
    }

    /** The slice at {@code index} along {@code dim}, with the dim removed. */
    public static Tensor select(Tensor x, int dim, int index) {
        int d = Shape.dim("select", dim, x.rank());
        int size = x.size(d);
        int i = index < 0 ? index + size : index;
        if (i < 0 || i >= size)
            throw new IndexOutOfBoundsException("select: index " + index + " is out of range for dim " + d
                    + " of size " + size + " (shape " + Shape.str(x.shape()) + ")");
        int[] shape = x.shape(), strides = x.strides();
        int[] ns = new int[shape.length - 1], nst = new int[shape.length - 1];
        for (int k = 0, j = 0; k < shape.length; k++) if (k != d) { ns[j] = shape[k]; nst[j++] = strides[k]; }
        Tensor out = x.asStrided(ns, nst, x.offset() + i * strides[d]);
        int[] inShape = x.shape();
        return Graph.record("select", out, g -> new Tensor[] {scatterIntoZeros(inShape, g, z -> select(z, d, i))}, x);
    }

    /** Gradient of a view that picks part of the input: zeros of the input's shape with g written into that part. */
    private static Tensor scatterIntoZeros(int[] shape, Tensor g, java.util.function.UnaryOperator<Tensor> sameView) {
        Tensor z = Tensor.zeros(shape);
        try (var ignored = NoGrad.enter()) {
            sameView.apply(z).copy_(g);
        }
        return z;
    }

    /** Broadcasts size-1 dims (and new leading dims) to {@code shape} without copying; -1 keeps a size. */
    public static Tensor expand(Tensor x, int... shape) {
        int[] in = x.shape(), st = x.strides();
        if (shape.length < in.length)
            throw new IllegalArgumentException("expand: target " + Shape.str(shape) + " has fewer dims than input "
                    + Shape.str(in));
        int lead = shape.length - in.length;
        int[] ns = new int[shape.length], nst = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            int want = shape[i];
            if (i < lead) {
                if (want < 0) throw new IllegalArgumentException("expand: -1 is not allowed for new leading dim " + i);
                ns[i] = want;
                nst[i] = 0;
            } else {
                int have = in[i - lead];
                if (want == -1) want = have;
                if (have == want) { ns[i] = have; nst[i] = st[i - lead]; }
                else if (have == 1) { ns[i] = want; nst[i] = 0; }
                else throw new IllegalArgumentException("expand: input " + Shape.str(in) + " cannot be expanded to "
                            + Shape.str(shape) + " (dim " + i + " has size " + have + ", not 1)");
            }
        }
        if (Arrays.equals(ns, in)) return x;
        Tensor out = x.asStrided(ns, nst, x.offset());
        return Graph.record("expand", out, g -> new Tensor[] {g}, x); // the engine sums g back to the input's shape
    }

    public static Tensor squeeze(Tensor x) {
        boolean[] drop = new boolean[x.rank()];
        for (int i = 0; i < drop.length; i++) drop[i] = x.size(i) == 1;
        return dropDims(x, drop);
    }

    public static Tensor squeeze(Tensor x, int dim) {
        if (x.rank() == 0) return x;
        int d = Shape.dim("squeeze", dim, x.rank());
        boolean[] drop = new boolean[x.rank()];
        drop[d] = x.size(d) == 1;
        return dropDims(x, drop);
    }

    /** Removes size-1 dims; the other dims keep their strides, so this is a view of any input. */
    private static Tensor dropDims(Tensor x, boolean[] drop) {
        int[] in = x.shape(), st = x.strides();
        int n = 0;
        for (boolean b : drop) if (!b) n++;
        if (n == in.length) return x;
        int[] ns = new int[n], nst = new int[n];
        for (int i = 0, j = 0; i < in.length; i++) if (!drop[i]) { ns[j] = in[i]; nst[j++] = st[i]; }
        Tensor out = x.asStrided(ns, nst, x.offset());
        return Graph.record("squeeze", out, g -> new Tensor[] {g.reshape(in)}, x);
    }

    /** Inserts a size-1 dim at {@code dim}; a view of any input. */
    public static Tensor unsqueeze(Tensor x, int dim) {
        int rank = x.rank();
        int d = dim < 0 ? dim + rank + 1 : dim;
        if (d < 0 || d > rank)
            throw new IllegalArgumentException("unsqueeze: dim " + dim + " is out of range for a tensor of rank " + rank);
        int[] in = x.shape(), st = x.strides();
        int[] ns = new int[rank + 1], nst = new int[rank + 1];
        for (int i = 0, j = 0; i <= rank; i++) {
            if (i == d) { ns[i] = 1; nst[i] = d < rank ? st[d] * in[d] : 1; }
            else { ns[i] = in[j]; nst[i] = st[j++]; }
        }
        Tensor out = x.asStrided(ns, nst, x.offset());
        return Graph.record("unsqueeze", out, g -> new Tensor[] {g.reshape(in)}, x);
    }

    public static Tensor flatten(Tensor x, int startDim, int endDim) {
        int rank = x.rank();
        if (rank == 0) return reshape(x, 1);
        int a = Shape.dim("flatten", startDim, rank), b = Shape.dim("flatten", endDim, rank);
        if (a > b) throw new IllegalArgumentException("flatten: start dim " + startDim + " comes after end dim " + endDim);
        int[] in = x.shape();
        int[] s = new int[rank - (b - a)];
        int j = 0;
        for (int i = 0; i < a; i++) s[j++] = in[i];
        int prod = 1;
        for (int i = a; i <= b; i++) prod *= in[i];
        s[j++] = prod;
        for (int i = b + 1; i < rank; i++) s[j++] = in[i];
        return reshape(x, s);
    }
}
