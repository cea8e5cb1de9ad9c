package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.Parallel;
import dev.nabla.kernel.Pointwise;
import dev.nabla.kernel.VecMath;
import dev.nabla.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A linear layer and the activation after it as one op: act(x·Wᵀ + b), with the forward and backward of
 * both side by side. The same values as {@code linear(x, W, b).relu()} (or {@code .gelu()}), with less work
 * that is not arithmetic: one graph node instead of two; ReLU applied in place in the product's output
 * (its backward needs only the sign of its output); and in backward, the activation's gradient and the bias
 * gradient (its column sums) made in one pass over g, instead of a second pass (a 1×rows·rows×out GEMM that
 * packed all of g) after it.
 *
 * <p>{@code Sequential} and the GPT MLP call it when a Linear is directly followed by the activation; the
 * modules, their parameters and state-dict names stay as they are.
 */
public final class FusedLinear {
    private FusedLinear() {}

    /** The activations that can follow the product. */
    public enum Activation {
        RELU("linear_relu"),
        /** GELU with erf, PyTorch's {@code approximate='none'}. */
        GELU("linear_gelu"),
        /** GELU's tanh form, PyTorch's {@code approximate='tanh'}. */
        GELU_TANH("linear_gelu_tanh");

        private final String op;

        Activation(String op) { this.op = op; }

        /** The op's name in the graph. */
        public String op() { return op; }
    }

    /** Rows of the output handled together in backward: each block's bias-gradient sums are kept apart. */
    private static final int ROW_BLOCK = 64;

    /** act(input·weightᵀ + bias) for {@code input} [..., in], {@code weight} [out, in], {@code bias} [out] or null. */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias, Activation act) {
        if (act == null) throw new IllegalArgumentException("linear: activation must not be null");
        Convolution.LinearProduct p = Convolution.linearProduct(act.op(), input, weight, bias);
        Tensor z = p.result();
        float[] zd = z.data();
        int n = zd.length;
        Tensor y;
        if (act == Activation.RELU) {
            Pointwise.unary(Pointwise.Unary.RELU, 0, 0, zd, 0, zd, 0, n); // z is ours: overwrite it
            y = z;
        } else {
            float[] yd = Graph.buffer(n);
            VecMath.map(act == Activation.GELU ? VecMath.Fn.GELU : VecMath.Fn.GELU_TANH, zd, 0, yd, 0, n);
            y = Tensor.of(yd, z.shape());
        }
        // ReLU's backward reads its output (y > 0 exactly where z > 0); GELU's reads the pre-activation z.
        float[] saved = act == Activation.RELU ? y.data() : zd;
        return Graph.record(act.op(), y, g -> {
            int rows = p.rows(), out = p.out();
            Tensor gc = g.contiguous();
            // the incoming gradient is usually the next layer's fresh dX: when no one else sees it, dz replaces it
            // in place (each element is read once, then written): an 8 MB buffer less per GPT layer
            boolean reuse = gc == g && Graph.disposable(g) && g.offset() == 0 && g.data().length == n;
            float[] dz = reuse ? g.data() : Graph.buffer(n);
            float[] db = bias != null && bias.requiresGrad() ? Graph.buffer(out) : null;
            activationBackward(act, saved, gc.data(), gc.offset(), dz, db, rows, out);
            return Convolution.linearBackward(Tensor.of(dz, z.shape()), p, weight, bias, db);
        }, p.x(), weight, bias);
    }

    /**
     * dz = g·act'(saved) over a [rows, out] matrix, and db[j] = Σ_r dz[r][j] when {@code db} is not null, in one
     * pass. Blocks of {@value #ROW_BLOCK} rows run on the pool; each block sums its own rows, and the block sums
     * are added in block order, so the result does not depend on the thread count.
     */
    static void activationBackward(Activation act, float[] saved, float[] g, int go, float[] dz, float[] db, int rows, int out) {
        int blocks = (rows + ROW_BLOCK - 1) / ROW_BLOCK;
        float[] partial = db == null || blocks == 1 ? db : Graph.buffer(blocks * out);
        long work = (long) rows * out;
        int grain = work >= PARALLEL_WORK ? 1 : blocks;
        Parallel.forRange(blocks, grain, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                int r0 = b * ROW_BLOCK, r1 = Math.min(rows, r0 + ROW_BLOCK);
                int from = r0 * out, len = (r1 - r0) * out;
                switch (act) {
                    case RELU -> reluGrad(saved, g, go, dz, from, len);
                    case GELU, GELU_TANH -> VecMath.geluBackward(act == Activation.GELU_TANH, saved, from, g, go + from,
                            dz, from, len);
                }
                if (partial != null) {
                    int base = partial == db ? 0 : b * out;
                    for (int r = r0; r < r1; r++) Convolution.addTo(dz, r * out, partial, base, out);
                }
            }
        });
        if (partial != null && partial != db)
            for (int b = 0; b < blocks; b++) Convolution.addTo(partial, b * out, db, 0, out);
    }

    /** Below this many elements the backward pass stays on the caller's thread. */
    private static final long PARALLEL_WORK = 1 << 15;

    /** dz[i] = g[go + i] where y[i] > 0, else 0, for i in [from, from + len): lane masks, no branch per element. */
    private static void reluGrad(float[] y, float[] g, int go, float[] dz, int from, int len) {
        int i = from, end = from + len;
        FloatVector zero = FloatVector.zero(F);
        for (int upper = from + F.loopBound(len); i < upper; i += F.length()) {
            VectorMask<Float> pos = FloatVector.fromArray(F, y, i).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(F, g, go + i), pos).intoArray(dz, i);
        }
        for (; i < end; i++) dz[i] = y[i] > 0 ? g[go + i] : 0f;
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
}
