package dev.nabla.tensor;

import dev.nabla.autograd.Engine;
import dev.nabla.autograd.GradMode;
import dev.nabla.autograd.Graph;
import dev.nabla.autograd.Node;
import dev.nabla.kernel.Strided;
import dev.nabla.ops.Elementwise;
import dev.nabla.ops.Extrema;
import dev.nabla.ops.Indexing;
import dev.nabla.ops.Joining;
import dev.nabla.ops.Linalg;
import dev.nabla.ops.Reductions;
import dev.nabla.ops.Softmax;
import dev.nabla.ops.Views;

import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array of float32 (or int64) values with a shape, strides and an offset into a
 * storage array that views share, plus what reverse-mode autograd needs: {@code requiresGrad},
 * the accumulated {@code grad}, and the {@code gradFn} that produced it.
 *
 * <p>The methods follow PyTorch's names in Java's camelCase ({@code logSoftmax}, {@code maskedFill},
 * {@code requiresGrad}). Ops never modify their inputs; the few in-place methods end in {@code _} as in
 * PyTorch and refuse to run on a tensor that is part of a recorded graph.
 */
public final class Tensor {
    private final DType dtype;
    private final float[] data;   // FLOAT32 storage, shared by views; null for INT64
    private final long[] longs;   // INT64 storage, shared by views; null for FLOAT32
    private final int[] shape;
    private final int[] strides;
    private final int offset;
    private final int numel;
    private final StoragePool.Lease lease; // non-null when a StoragePool step handed out the storage

    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;

    private Tensor(DType dtype, float[] data, long[] longs, int[] shape, int[] strides, int offset) {
        this(dtype, data, longs, shape, strides, offset, data == null ? null : StoragePool.leaseOf(data));
    }

    private Tensor(DType dtype, float[] data, long[] longs, int[] shape, int[] strides, int offset, StoragePool.Lease lease) {
        this.lease = lease;
        this.dtype = dtype;
        this.data = data;
        this.longs = longs;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.numel = Shape.numel(shape);
    }

    // ---------------------------------------------------------------- creation

    /** A float32 tensor over {@code data} (not copied) in row-major order. */
    public static Tensor of(float[] data, int... shape) {
        int[] s = shape.length == 0 && data.length != 1 ? new int[] {data.length} : shape.clone();
        if (Shape.numel(s) != data.length)
            throw new IllegalArgumentException("Tensor.of: " + data.length + " values do not fill shape " + Shape.str(s));
        return new Tensor(DType.FLOAT32, data, null, s, Shape.contiguousStrides(s), 0);
    }

    /** An int64 tensor over {@code data} (not copied) in row-major order. */
    public static Tensor ofLongs(long[] data, int... shape) {
        int[] s = shape.length == 0 && data.length != 1 ? new int[] {data.length} : shape.clone();
        if (Shape.numel(s) != data.length)
            throw new IllegalArgumentException("Tensor.ofLongs: " + data.length + " values do not fill shape " + Shape.str(s));
        return new Tensor(DType.INT64, null, data, s, Shape.contiguousStrides(s), 0);
    }

    /** A 0-dimensional float32 tensor. */
    public static Tensor scalar(float value) {
        return new Tensor(DType.FLOAT32, new float[] {value}, null, new int[0], new int[0], 0);
    }

    public static Tensor zeros(int... shape) {
        return of(Graph.buffer(Shape.numel(shape)), shape);
    }

    public static Tensor zeros(DType dtype, int... shape) {
        return dtype == DType.INT64 ? ofLongs(new long[Shape.numel(shape)], shape) : zeros(shape);
    }

    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    public static Tensor full(float value, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        Arrays.fill(d, value);
        return of(d, shape);
    }

    public static Tensor zerosLike(Tensor t) {
        return zeros(t.dtype, t.shape);
    }

    public static Tensor onesLike(Tensor t) {
        return ones(t.shape);
    }

    /** 0, 1, ..., n-1 as float32. */
    public static Tensor arange(int n) {
        return arange(0, n, 1);
    }

    /** Values from {@code start} (inclusive) to {@code end} (exclusive) by {@code step}, as float32. */
    public static Tensor arange(double start, double end, double step) {
        if (step == 0 || Double.isNaN(step)) throw new IllegalArgumentException("arange: step must be non-zero, got " + step);
        long n = (long) Math.ceil((end - start) / step);
        if (n < 0) throw new IllegalArgumentException("arange: end " + end + " cannot be reached from start "
                + start + " with step " + step);
        if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("arange: " + n + " values is too many");
        float[] d = new float[(int) n];
        for (int i = 0; i < n; i++) d[i] = (float) (start + i * step);
        return of(d, (int) n);
    }

    /** Uniform in [0, 1). */
    public static Tensor rand(Generator gen, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = gen.nextFloat();
        return of(d, shape);
    }

    /** Standard normal. */
    public static Tensor randn(Generator gen, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) gen.nextGaussian();
        return of(d, shape);
    }

    /** Uniform int64 in [low, high). */
    public static Tensor randint(Generator gen, long low, long high, int... shape) {
        if (high <= low) throw new IllegalArgumentException("randint: high (" + high + ") must exceed low (" + low + ")");
        long[] d = new long[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = low + gen.nextLong(high - low);
        return ofLongs(d, shape);
    }

    /**
     * A view of this tensor's storage with the given shape, strides and offset (PyTorch's
     * {@code as_strided}). The caller answers for the view staying inside the storage; this checks it.
     */
    public Tensor asStrided(int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length)
            throw new IllegalArgumentException("asStrided: shape " + Shape.str(shape) + " and strides "
                    + Shape.str(strides) + " differ in rank");
        long lo = offset, hi = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) { hi = lo - 1; break; }
            long span = (long) strides[i] * (shape[i] - 1);
            if (span < 0) lo += span; else hi += span;
        }
        int cap = dtype == DType.FLOAT32 ? data.length : longs.length;
        if (hi >= lo && (lo < 0 || hi >= cap))
            throw new IllegalArgumentException("asStrided: view " + Shape.str(shape) + " strides " + Shape.str(strides)
                    + " offset " + offset + " reaches outside a storage of " + cap + " elements");
        return new Tensor(dtype, data, longs, shape.clone(), strides.clone(), offset, lease);
    }

    // ---------------------------------------------------------------- facts

    public DType dtype() { return dtype; }

    /** A copy of the shape. */
    public int[] shape() { return shape.clone(); }

    /** Size of one dim (negative dims count from the end). */
    public int size(int dim) { return shape[Shape.dim("size", dim, shape.length)]; }

    /** Number of dims. */
    public int rank() { return shape.length; }

    public int numel() { return numel; }

    /** A copy of the strides, in elements. */
    public int[] strides() { return strides.clone(); }

    public int offset() { return offset; }

    /** The float32 storage this tensor is a view of (shared, not copied): read with {@link #offset()} and strides. */
    public float[] data() {
        if (data == null) throw new IllegalStateException("data(): tensor is " + dtype + ", not float32");
        return live();
    }

    /** The float32 storage, after checking that a {@link StoragePool} has not taken it back. */
    private float[] live() {
        if (lease != null && lease.recycled)
            throw new IllegalStateException("tensor " + Shape.str(shape) + " is dead: its storage went back to the "
                    + "StoragePool when the training step that made it ended. Keep it with StoragePool.Step.keep (or "
                    + "StoragePool.keepInCurrentStep) inside the step, or copy its values out with toFloatArray()");
        return data;
    }

    /** The int64 storage this tensor is a view of (shared, not copied). */
    public long[] longData() {
        if (longs == null) throw new IllegalStateException("longData(): tensor is " + dtype + ", not int64");
        return longs;
    }

    /** True when the elements lie in row-major order without gaps (size-1 dims may have any stride). */
    public boolean isContiguous() {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** True when both are views of the same storage. */
    public boolean sharesStorageWith(Tensor other) {
        return (data != null && data == other.data) || (longs != null && longs == other.longs);
    }

    // ---------------------------------------------------------------- autograd

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks a leaf as needing a gradient (PyTorch's {@code requires_grad_}); returns this. */
    public Tensor requiresGrad(boolean on) {
        if (gradFn != null && !on)
            throw new IllegalStateException("requiresGrad(false): only leaf tensors can change it; this one comes from "
                    + gradFn + " (use detach())");
        if (on && dtype != DType.FLOAT32)
            throw new IllegalArgumentException("requiresGrad: only float32 tensors can require gradients, this one is " + dtype);
        requiresGrad = on;
        return this;
    }

    /** The accumulated gradient, or null before the first backward. */
    public Tensor grad() { return grad; }

    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape, shape))
            throw new IllegalArgumentException("setGrad: gradient shape " + Shape.str(g.shape)
                    + " does not match tensor shape " + Shape.str(shape));
        grad = g;
    }

    /** The op that produced this tensor, or null for a leaf. */
    public Node gradFn() { return gradFn; }

    public boolean isLeaf() { return gradFn == null; }

    /** Used by the autograd engine to link an op's output to its node. */
    public void attachGradFn(Node node) {
        if (gradFn != null) throw new IllegalStateException("tensor already has a grad_fn (" + gradFn + ")");
        gradFn = node;
        requiresGrad = true;
    }

    /** The same values (shared storage), cut from the graph. */
    public Tensor detach() {
        return new Tensor(dtype, data, longs, shape, strides, offset, lease);
    }

    /** Back-propagates from this one-element tensor. */
    public void backward() { Engine.backward(this, null, false); }

    /** Back-propagates {@code gradient} (the gradient with respect to this tensor). */
    public void backward(Tensor gradient) { Engine.backward(this, gradient, false); }

    public void backward(Tensor gradient, boolean retainGraph) { Engine.backward(this, gradient, retainGraph); }

    // ---------------------------------------------------------------- element access

    /** The value of a one-element tensor. */
    public float item() {
        if (numel != 1) throw new IllegalStateException("item(): tensor of shape " + Shape.str(shape) + " has " + numel + " elements, not 1");
        return dtype == DType.FLOAT32 ? live()[offset] : longs[offset];
    }

    /** The value of a one-element int64 tensor (exact). */
    public long longItem() {
        if (numel != 1) throw new IllegalStateException("longItem(): tensor of shape " + Shape.str(shape) + " has " + numel + " elements, not 1");
        return dtype == DType.INT64 ? longs[offset] : (long) live()[offset];
    }

    /** The element at a full index. */
    public float get(int... index) {
        int p = position("get", index);
        return dtype == DType.FLOAT32 ? live()[p] : longs[p];
    }

    /** The int64 element at a full index. */
    public long getLong(int... index) {
        int p = position("getLong", index);
        return dtype == DType.INT64 ? longs[p] : (long) live()[p];
    }

    private int position(String op, int[] index) {
        if (index.length != shape.length)
            throw new IllegalArgumentException(op + ": " + index.length + " indices for a tensor of rank " + shape.length);
        int p = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i])
                throw new IndexOutOfBoundsException(op + ": index " + index[i] + " is out of range for dim " + i
                        + " of size " + shape[i]);
            p += index[i] * strides[i];
        }
        return p;
    }

    /** The values in row-major order, as a new array (int64 values are converted). */
    public float[] toFloatArray() {
        float[] out = new float[numel];
        if (dtype == DType.FLOAT32) Strided.copy(live(), offset, shape, strides, out, 0);
        else { long[] l = toLongArray(); for (int i = 0; i < numel; i++) out[i] = l[i]; }
        return out;
    }

    /** The values in row-major order as int64, as a new array (float32 values are truncated toward zero). */
    public long[] toLongArray() {
        long[] out = new long[numel];
        if (dtype == DType.INT64) Strided.copy(longs, offset, shape, strides, out, 0);
        else { float[] f = toFloatArray(); for (int i = 0; i < numel; i++) out[i] = (long) f[i]; }
        return out;
    }

    /** A contiguous copy converted to {@code type}; this tensor itself (no copy) if it is already of that type. */
    public Tensor to(DType type) {
        if (type == dtype) return this;
        return type == DType.FLOAT32 ? of(toFloatArray(), shape) : ofLongs(toLongArray(), shape);
    }

    /** A contiguous copy with fresh storage; part of the graph (its gradient passes straight through). */
    public Tensor clone() {
        return Views.cloneTensor(this);
    }

    /** This tensor if contiguous, else a contiguous copy (recorded, so gradients flow). */
    public Tensor contiguous() {
        return isContiguous() ? this : clone();
    }

    // ---------------------------------------------------------------- in place (never recorded)

    private void checkInPlace(String op) {
        if (GradMode.isEnabled() && (requiresGrad || gradFn != null))
            throw new IllegalStateException(op + ": a tensor that requires grad cannot be modified in place while "
                    + "gradients are recorded; do it inside NoGrad.enter() (as optimizers do)");
        if (dtype != DType.FLOAT32) throw new IllegalStateException(op + ": only float32 tensors support in-place ops");
    }

    /** this += other (broadcast to this shape). */
    public Tensor add_(Tensor other) { return add_(other, 1f); }

    /** this += alpha * other (broadcast to this shape), PyTorch's {@code add_(other, alpha=)}. */
    public Tensor add_(Tensor other, float alpha) {
        checkInPlace("add_");
        Elementwise.addScaledInPlace(this, other, alpha);
        return this;
    }

    /** this *= factor. */
    public Tensor mul_(float factor) {
        checkInPlace("mul_");
        Elementwise.scaleInPlace(this, factor);
        return this;
    }

    public Tensor fill_(float value) {
        checkInPlace("fill_");
        Elementwise.fillInPlace(this, value);
        return this;
    }

    public Tensor zero_() { return fill_(0f); }

    /** Copies {@code src} (broadcast to this shape) into this tensor's elements. */
    public Tensor copy_(Tensor src) {
        checkInPlace("copy_");
        Elementwise.copyInPlace(this, src);
        return this;
    }

    // ---------------------------------------------------------------- views (share storage)

    public Tensor reshape(int... shape) { return Views.reshape(this, shape); }
    public Tensor view(int... shape) { return Views.view(this, shape); }
    public Tensor permute(int... dims) { return Views.permute(this, dims); }
    public Tensor transpose(int dim0, int dim1) { return Views.transpose(this, dim0, dim1); }
    /** Transpose of a 2-D tensor. */
    public Tensor t() { return Views.transpose(this, 0, 1); }
    public Tensor narrow(int dim, int start, int length) { return Views.narrow(this, dim, start, length); }
    public Tensor slice(int dim, int start, int end, int step) { return Views.slice(this, dim, start, end, step); }
    /** The sub-tensor at {@code index} along {@code dim}, with that dim removed. */
    public Tensor select(int dim, int index) { return Views.select(this, dim, index); }
    public Tensor expand(int... shape) { return Views.expand(this, shape); }
    public Tensor expandAs(Tensor other) { return Views.expand(this, other.shape); }
    public Tensor squeeze() { return Views.squeeze(this); }
    public Tensor squeeze(int dim) { return Views.squeeze(this, dim); }
    public Tensor unsqueeze(int dim) { return Views.unsqueeze(this, dim); }
    public Tensor flatten() { return Views.flatten(this, 0, -1); }
    public Tensor flatten(int startDim, int endDim) { return Views.flatten(this, startDim, endDim); }

    // ---------------------------------------------------------------- elementwise

    public Tensor add(Tensor o) { return Elementwise.add(this, o); }
    public Tensor add(float v) { return Elementwise.add(this, scalar(v)); }
    public Tensor sub(Tensor o) { return Elementwise.sub(this, o); }
    public Tensor sub(float v) { return Elementwise.sub(this, scalar(v)); }
    public Tensor mul(Tensor o) { return Elementwise.mul(this, o); }
    public Tensor mul(float v) { return Elementwise.mul(this, scalar(v)); }
    public Tensor div(Tensor o) { return Elementwise.div(this, o); }
    public Tensor div(float v) { return Elementwise.div(this, scalar(v)); }
    public Tensor pow(Tensor exponent) { return Elementwise.pow(this, exponent); }
    public Tensor pow(float exponent) { return Elementwise.pow(this, exponent); }
    public Tensor maximum(Tensor o) { return Elementwise.maximum(this, o); }
    public Tensor minimum(Tensor o) { return Elementwise.minimum(this, o); }
    public Tensor neg() { return Elementwise.neg(this); }
    public Tensor exp() { return Elementwise.exp(this); }
    public Tensor log() { return Elementwise.log(this); }
    public Tensor sqrt() { return Elementwise.sqrt(this); }
    public Tensor abs() { return Elementwise.abs(this); }
    public Tensor clamp(float min, float max) { return Elementwise.clamp(this, min, max); }
    public Tensor relu() { return Elementwise.relu(this); }
    public Tensor leakyRelu(float negativeSlope) { return Elementwise.leakyRelu(this, negativeSlope); }
    /** GELU with the exact erf form. */
    public Tensor gelu() { return Elementwise.gelu(this, false); }
    /** GELU with PyTorch's {@code approximate="tanh"} form. */
    public Tensor geluTanh() { return Elementwise.gelu(this, true); }
    public Tensor sigmoid() { return Elementwise.sigmoid(this); }
    public Tensor tanh() { return Elementwise.tanh(this); }
    /** Replaces the elements where {@code mask} is non-zero (broadcast) with {@code value}. */
    public Tensor maskedFill(Tensor mask, float value) { return Elementwise.maskedFill(this, mask, value); }
    /** 1 where this &gt; other, else 0 (float32, no gradient). */
    public Tensor gt(Tensor o) { return Elementwise.compare(this, o, Elementwise.Compare.GT); }
    public Tensor gt(float v) { return gt(scalar(v)); }
    public Tensor lt(Tensor o) { return Elementwise.compare(this, o, Elementwise.Compare.LT); }
    public Tensor lt(float v) { return lt(scalar(v)); }
    public Tensor ge(Tensor o) { return Elementwise.compare(this, o, Elementwise.Compare.GE); }
    public Tensor le(Tensor o) { return Elementwise.compare(this, o, Elementwise.Compare.LE); }
    public Tensor eq(Tensor o) { return Elementwise.compare(this, o, Elementwise.Compare.EQ); }
    /** {@code cond ? a : b} elementwise with broadcasting; {@code cond} is non-zero for true. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) { return Elementwise.where(cond, a, b); }

    // ---------------------------------------------------------------- reductions

    public Tensor sum() { return Reductions.sumAll(this); }
    public Tensor sum(int dim) { return Reductions.sum(this, new int[] {dim}, false); }
    public Tensor sum(int[] dims, boolean keepdim) { return Reductions.sum(this, dims, keepdim); }
    public Tensor mean() { return Reductions.meanAll(this); }
    public Tensor mean(int dim) { return Reductions.mean(this, new int[] {dim}, false); }
    public Tensor mean(int[] dims, boolean keepdim) { return Reductions.mean(this, dims, keepdim); }
    /** Variance over {@code dims} with Bessel's correction when {@code unbiased} (PyTorch's default). */
    public Tensor var(int[] dims, boolean unbiased, boolean keepdim) { return Reductions.var(this, dims, unbiased, keepdim); }
    public Tensor max() { return Extrema.maxAll(this); }
    public Tensor max(int dim, boolean keepdim) { return Extrema.max(this, dim, keepdim); }
    public Tensor min() { return Extrema.minAll(this); }
    public Tensor min(int dim, boolean keepdim) { return Extrema.min(this, dim, keepdim); }
    public Tensor argmax() { return Extrema.argmaxAll(this); }
    public Tensor argmax(int dim, boolean keepdim) { return Extrema.argmax(this, dim, keepdim); }
    public Tensor argmin(int dim, boolean keepdim) { return Extrema.argmin(this, dim, keepdim); }
    public Tensor softmax(int dim) { return Softmax.softmax(this, dim); }
    public Tensor logSoftmax(int dim) { return Softmax.logSoftmax(this, dim); }
    public Tensor logsumexp(int[] dims, boolean keepdim) { return Softmax.logsumexp(this, dims, keepdim); }

    // ---------------------------------------------------------------- linear algebra

    /** Matrix product with PyTorch's {@code matmul} rules (1-D, 2-D, batched, broadcast batch dims). */
    public Tensor matmul(Tensor o) { return Linalg.matmul(this, o); }

    // ---------------------------------------------------------------- indexing and joining

    public Tensor indexSelect(int dim, Tensor index) { return Indexing.indexSelect(this, dim, index); }
    public Tensor gather(int dim, Tensor index) { return Indexing.gather(this, dim, index); }
    /** Out-of-place {@code scatter_add}: a copy of this with {@code src} added at {@code index} along {@code dim}. */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) { return Indexing.scatterAdd(this, dim, index, src); }
    public List<Tensor> split(int splitSize, int dim) { return Joining.split(this, splitSize, dim); }
    public List<Tensor> chunk(int chunks, int dim) { return Joining.chunk(this, chunks, dim); }
    public static Tensor cat(List<Tensor> tensors, int dim) { return Joining.cat(tensors, dim); }
    public static Tensor stack(List<Tensor> tensors, int dim) { return Joining.stack(tensors, dim); }

    // ---------------------------------------------------------------- printing

    @Override
    public String toString() {
        if (lease != null && lease.recycled) // a debugger or a log line should not throw
            return "tensor(<dead: storage recycled by a StoragePool>, shape=" + Shape.str(shape) + ")";
        return TensorFormat.format(this);
    }
}
