package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.Pointwise;
import dev.nabla.kernel.Pointwise.Binary;
import dev.nabla.kernel.Pointwise.Unary;
import dev.nabla.kernel.VecMath;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * Elementwise ops with NumPy broadcasting, each with its gradient beside it. Gradients are returned in
 * the broadcast output shape; the engine reduces them to each input's shape.
 */
public final class Elementwise {
    private Elementwise() {}

    // ------------------------------------------------------------------ binary

    public static Tensor add(Tensor a, Tensor b) {
        Tensor out = binary("add", Binary.ADD, a, b);
        return Graph.record("add", out, g -> new Tensor[] {g, g}, a, b);
    }

    public static Tensor sub(Tensor a, Tensor b) {
        Tensor out = binary("sub", Binary.SUB, a, b);
        return Graph.record("sub", out, g -> new Tensor[] {g, b.requiresGrad() ? g.neg() : null}, a, b);
    }

    public static Tensor mul(Tensor a, Tensor b) {
        Tensor out = binary("mul", Binary.MUL, a, b);
        return Graph.record("mul", out, g -> new Tensor[] {
                a.requiresGrad() ? g.mul(b) : null,
                b.requiresGrad() ? g.mul(a) : null}, a, b);
    }

    public static Tensor div(Tensor a, Tensor b) {
        Tensor out = binary("div", Binary.DIV, a, b);
        return Graph.record("div", out, g -> new Tensor[] {
                a.requiresGrad() ? g.div(b) : null,
                b.requiresGrad() ? g.mul(out).div(b).neg() : null}, a, b);
    }

    /** a ** b with a tensor exponent: d/da = b a^(b-1), d/db = a^b ln a. */
    public static Tensor pow(Tensor a, Tensor b) {
        Tensor out = binary("pow", Binary.POW, a, b);
        return Graph.record("pow", out, g -> new Tensor[] {
                a.requiresGrad() ? g.mul(b).mul(a.pow(b.sub(1f))) : null,
                b.requiresGrad() ? g.mul(out).mul(a.log()) : null}, a, b);
    }

    /** Elementwise maximum; on ties each input gets half the gradient, as in PyTorch. */
    public static Tensor maximum(Tensor a, Tensor b) {
        Tensor out = binary("maximum", Binary.MAX, a, b);
        return Graph.record("maximum", out, g -> tieSplit(g, a, b), a, b);
    }

    public static Tensor minimum(Tensor a, Tensor b) {
        Tensor out = binary("minimum", Binary.MIN, a, b);
        return Graph.record("minimum", out, g -> tieSplit(g, b, a), a, b);
    }

    /** Gradient of max(a, b): g where a wins, g/2 on ties; (gradient to a, gradient to b). */
    private static Tensor[] tieSplit(Tensor g, Tensor winner, Tensor loser) {
        Tensor wins = winner.gt(loser), ties = winner.eq(loser);
        Tensor share = wins.add(ties.mul(0.5f));
        Tensor toWinner = g.mul(share);
        Tensor toLoser = g.mul(share.neg().add(1f));
        return new Tensor[] {toWinner, toLoser};
    }

    public enum Compare { GT, LT, GE, LE, EQ }

    /** 1 where the comparison holds, else 0, as float32; not differentiable. */
    public static Tensor compare(Tensor a, Tensor b, Compare c) {
        Binary op = switch (c) {
            case GT -> Binary.GT;
            case LT -> Binary.LT;
            case GE -> Binary.GE;
            case LE -> Binary.LE;
            case EQ -> Binary.EQ;
        };
        return binary(c.name().toLowerCase(java.util.Locale.ROOT), op, a.to(DType.FLOAT32), b.to(DType.FLOAT32));
    }

    /** The forward of a broadcasting binary op into a new contiguous tensor. */
    static Tensor binary(String name, Binary op, Tensor a, Tensor b) {
        requireFloat(name, a, b);
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        float[] out = Graph.buffer(Shape.numel(shape));
        Pointwise.binary(op, a.data(), a.offset(), Shape.broadcastStrides(a.shape(), a.strides(), shape),
                b.data(), b.offset(), Shape.broadcastStrides(b.shape(), b.strides(), shape), shape, out);
        return Tensor.of(out, shape);
    }

    static void requireFloat(String op, Tensor... ts) {
        for (Tensor t : ts)
            if (t.dtype() != DType.FLOAT32)
                throw new IllegalArgumentException(op + ": expected float32 tensors, got " + t.dtype()
                        + " of shape " + Shape.str(t.shape()) + " (convert with .to(DType.FLOAT32))");
    }

    // ------------------------------------------------------------------ unary

    public static Tensor neg(Tensor x) { return unary("neg", Unary.NEG, 0, 0, x); }
    public static Tensor exp(Tensor x) { return unary("exp", Unary.EXP, 0, 0, x); }
    public static Tensor log(Tensor x) { return unary("log", Unary.LOG, 0, 0, x); }
    public static Tensor sqrt(Tensor x) { return unary("sqrt", Unary.SQRT, 0, 0, x); }
    /** |x|; the gradient at 0 is 0, as in PyTorch. */
    public static Tensor abs(Tensor x) { return unary("abs", Unary.ABS, 0, 0, x); }
    public static Tensor relu(Tensor x) { return unary("relu", Unary.RELU, 0, 0, x); }
    public static Tensor sigmoid(Tensor x) { return unary("sigmoid", Unary.SIGMOID, 0, 0, x); }
    public static Tensor tanh(Tensor x) { return unary("tanh", Unary.TANH, 0, 0, x); }
    public static Tensor leakyRelu(Tensor x, float negativeSlope) { return unary("leaky_relu", Unary.LEAKY_RELU, negativeSlope, 0, x); }
    public static Tensor pow(Tensor x, float exponent) { return unary("pow", Unary.POW_SCALAR, exponent, 0, x); }

    /** GELU: x Φ(x) exactly (erf), or PyTorch's {@code approximate="tanh"} form. */
    public static Tensor gelu(Tensor x, boolean tanhApproximation) {
        // Vector API erfc/tanh (VecMath): the scalar double loops were a third of a GPT training step
        requireFloat("gelu", x);
        Tensor xc = x.contiguous();
        int n = xc.numel();
        float[] out = Graph.buffer(n);
        VecMath.map(tanhApproximation ? VecMath.Fn.GELU_TANH : VecMath.Fn.GELU, xc.data(), xc.offset(), out, 0, n);
        return Graph.record("gelu", Tensor.of(out, xc.shape()), g -> {
            Tensor gc = g.contiguous();
            float[] dx = Graph.buffer(n);
            VecMath.geluBackward(tanhApproximation, xc.data(), xc.offset(), gc.data(), gc.offset(), dx, 0, n);
            return new Tensor[] {Tensor.of(dx, xc.shape())};
        }, x);
    }

    /** Limits values to [min, max]; the gradient passes where min &lt;= x &lt;= max. */
    public static Tensor clamp(Tensor x, float min, float max) {
        if (min > max) throw new IllegalArgumentException("clamp: min " + min + " is greater than max " + max);
        return unary("clamp", Unary.CLAMP, min, max, x);
    }

    private static Tensor unary(String name, Unary op, float p, float q, Tensor input) {
        requireFloat(name, input);
        Tensor x = input.contiguous();
        int n = x.numel();
        float[] out = Graph.buffer(n);
        Pointwise.unary(op, p, q, x.data(), x.offset(), out, 0, n);
        Tensor y = Tensor.of(out, x.shape());
        return Graph.record(name, y, g -> {
            Tensor gc = g.contiguous();
            float[] dx = Graph.buffer(n);
            Pointwise.unaryGrad(op, p, q, x.data(), x.offset(), out, 0, gc.data(), gc.offset(), dx, n);
            return new Tensor[] {Tensor.of(dx, x.shape())};
        }, input);
    }

    // ------------------------------------------------------------------ selection

    /** {@code cond ? a : b} with broadcasting over all three; {@code cond} is non-zero for true. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        requireFloat("where", a, b);
        int[] shape = Shape.broadcast("where", Shape.broadcast("where", cond.shape(), a.shape()), b.shape());
        float[] c = cond.to(DType.FLOAT32).expand(shape).contiguous().toFloatArray();
        float[] av = a.expand(shape).toFloatArray(), bv = b.expand(shape).toFloatArray();
        float[] out = Graph.buffer(c.length);
        for (int i = 0; i < out.length; i++) out[i] = c[i] != 0 ? av[i] : bv[i];
        Tensor y = Tensor.of(out, shape);
        return Graph.record("where", y, g -> {
            float[] gv = g.toFloatArray(), ga = Graph.buffer(gv.length), gb = Graph.buffer(gv.length);
            for (int i = 0; i < gv.length; i++) if (c[i] != 0) ga[i] = gv[i]; else gb[i] = gv[i];
            return new Tensor[] {null, Tensor.of(ga, shape), Tensor.of(gb, shape)};
        }, cond, a, b);
    }

    /** x with {@code value} wherever {@code mask} (broadcast to x's shape) is non-zero. */
    public static Tensor maskedFill(Tensor x, Tensor mask, float value) {
        int[] xs = x.shape();
        int[] shape = Shape.broadcast("masked_fill", xs, mask.shape());
        if (shape.length != xs.length || !java.util.Arrays.equals(shape, xs))
            throw new IllegalArgumentException("masked_fill: mask of shape " + Shape.str(mask.shape())
                    + " does not broadcast to the input's shape " + Shape.str(xs));
        return where(mask, Tensor.scalar(value), x);
    }

    // ------------------------------------------------------------------ in place (used by Tensor's foo_ methods)

    /** t += alpha * other, other broadcast to t's shape. t must be float32 (checked by the caller). */
    public static void addScaledInPlace(Tensor t, Tensor other, float alpha) {
        requireFloat("add_", other);
        int[] shape = t.shape();
        int[] bs = Shape.broadcast("add_", shape, other.shape());
        if (!java.util.Arrays.equals(bs, shape))
            throw new IllegalArgumentException("add_: " + Shape.str(other.shape()) + " does not broadcast to "
                    + Shape.str(shape));
        float[] d = t.data();
        if (t.isContiguous() && other.isContiguous() && other.numel() == t.numel()
                && (!t.sharesStorageWith(other) || t.offset() == other.offset())) { // no copy of the source
            float[] src = other.data();
            int o = t.offset(), so = other.offset(), n = t.numel();
            if (alpha == 1f) for (int i = 0; i < n; i++) d[o + i] += src[so + i];
            else for (int i = 0; i < n; i++) d[o + i] += alpha * src[so + i];
            return;
        }
        float[] src = other.expand(shape).toFloatArray();
        if (t.isContiguous()) {
            int o = t.offset();
            if (alpha == 1f) for (int i = 0; i < src.length; i++) d[o + i] += src[i];
            else for (int i = 0; i < src.length; i++) d[o + i] += alpha * src[i];
        } else {
            float[] cur = t.toFloatArray();
            for (int i = 0; i < cur.length; i++) cur[i] += alpha * src[i];
            writeStrided(t, cur);
        }
    }

    public static void scaleInPlace(Tensor t, float factor) {
        float[] cur = t.toFloatArray();
        for (int i = 0; i < cur.length; i++) cur[i] *= factor;
        writeStrided(t, cur);
    }

    public static void fillInPlace(Tensor t, float value) {
        float[] cur = Graph.buffer(t.numel());
        java.util.Arrays.fill(cur, value);
        writeStrided(t, cur);
    }

    public static void copyInPlace(Tensor t, Tensor src) {
        int[] shape = t.shape();
        int[] bs = Shape.broadcast("copy_", shape, src.shape());
        if (!java.util.Arrays.equals(bs, shape))
            throw new IllegalArgumentException("copy_: source " + Shape.str(src.shape()) + " does not broadcast to "
                    + Shape.str(shape));
        writeStrided(t, src.to(DType.FLOAT32).expand(shape).toFloatArray());
    }

    /** Writes row-major {@code values} into t's (possibly strided) elements. */
    private static void writeStrided(Tensor t, float[] values) {
        float[] d = t.data();
        int[] shape = t.shape(), st = t.strides();
        if (t.isContiguous()) {
            System.arraycopy(values, 0, d, t.offset(), values.length);
            return;
        }
        int rank = shape.length;
        int[] idx = new int[rank];
        for (int i = 0; i < values.length; i++) {
            int p = t.offset();
            for (int k = 0; k < rank; k++) p += idx[k] * st[k];
            d[p] = values[i];
            for (int k = rank - 1; k >= 0; k--) {
                if (++idx[k] < shape[k]) break;
                idx[k] = 0;
            }
        }
    }
}
