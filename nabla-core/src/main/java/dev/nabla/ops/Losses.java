package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.SoftmaxKernel;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.util.Arrays;

/** cross_entropy (fused with log_softmax) and mse_loss, with PyTorch's reductions. */
public final class Losses {
    private Losses() {}

    /**
     * Cross-entropy of {@code logits} [N, C] or [N, C, d1, ...] (or [C]) against int64 class indices
     * {@code target} [N] or [N, d1, ...] (or 0-d), as PyTorch 1.13's {@code F.cross_entropy}: with label
     * smoothing ε each position's loss is (1-ε)·(-log p_t) + (ε/C)·Σ_c (-log p_c); positions whose target is
     * {@code ignoreIndex} contribute 0 and MEAN divides by the number of the others (NaN when there are
     * none). One pass computes log-sum-exp per position; the backward is (softmax - (1-ε)·onehot - ε/C)·g/denominator,
     * without a one-hot or log-softmax tensor ever being formed.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Reduction reduction, float labelSmoothing, long ignoreIndex) {
        String op = "cross_entropy";
        Elementwise.requireFloat(op, logits);
        if (reduction == null) throw new IllegalArgumentException(op + ": reduction must be NONE, MEAN or SUM, not null");
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
            throw new IllegalArgumentException(op + ": label_smoothing must be between 0.0 and 1.0, got " + labelSmoothing);
        int[] ls = logits.shape(), ts = target.shape();
        if (target.dtype() != DType.INT64)
            throw new IllegalArgumentException(op + ": target must hold int64 class indices, got " + target.dtype()
                    + " of shape " + Shape.str(ts) + " (class-probability targets are not supported)");
        if (ls.length == 0)
            throw new IllegalArgumentException(op + ": logits must have shape [N, C, ...] or [C], got a 0-d tensor");
        int batch, classes, inner;
        int[] expected;
        if (ls.length == 1) { // unbatched: [C] with a 0-d target
            batch = 1;
            classes = ls[0];
            inner = 1;
            expected = new int[0];
        } else {
            batch = ls[0];
            classes = ls[1];
            inner = Softmax.inner(ls, 1);
            expected = new int[ls.length - 1];
            expected[0] = batch;
            System.arraycopy(ls, 2, expected, 1, ls.length - 2);
        }
        if (!Arrays.equals(ts, expected))
            throw new IllegalArgumentException(op + ": target of shape " + Shape.str(ts) + " does not match logits of shape "
                    + Shape.str(ls) + "; expected target shape " + Shape.str(expected)
                    + " (the logits' shape without the class dim 1)");

        long[] t = target.isContiguous() ? target.longData() : target.toLongArray();
        int tOff = target.isContiguous() ? target.offset() : 0;
        int positions = batch * inner;
        int valid = 0;
        for (int r = 0; r < positions; r++) {
            long v = t[tOff + r];
            if (v == ignoreIndex) continue;
            if (v < 0 || v >= classes)
                throw new IllegalArgumentException(op + ": target " + v + " is out of bounds for " + classes
                        + " classes (C = " + classes + "; valid targets are 0.." + (classes - 1)
                        + " or ignore_index " + ignoreIndex + ")");
            valid++;
        }

        Tensor xc = Softmax.dense(logits);
        float[] loss = Graph.buffer(positions), lse = Graph.buffer(positions);
        SoftmaxKernel.crossEntropyForward(xc.data(), xc.offset(), t, tOff, batch, classes, inner,
                labelSmoothing, ignoreIndex, loss, lse);
        Tensor out = switch (reduction) {
            case NONE -> Tensor.of(loss, expected);
            case SUM -> Tensor.scalar((float) sum(loss));
            case MEAN -> Tensor.scalar((float) (sum(loss) / valid)); // 0/0 = NaN when all are ignored
        };
        int count = valid;
        return Graph.record(op, out, g -> {
            float[] dx = Graph.buffer(xc.numel());
            if (reduction == Reduction.NONE) {
                Tensor gc = Softmax.dense(g);
                SoftmaxKernel.crossEntropyBackward(xc.data(), xc.offset(), t, tOff, batch, classes, inner, labelSmoothing,
                        ignoreIndex, lse, gc.data(), gc.offset(), 0f, dx);
            } else {
                float scale = reduction == Reduction.MEAN ? g.item() / count : g.item();
                SoftmaxKernel.crossEntropyBackward(xc.data(), xc.offset(), t, tOff, batch, classes, inner, labelSmoothing,
                        ignoreIndex, lse, null, 0, scale, dx);
            }
            return new Tensor[] {Tensor.of(dx, ls), null};
        }, logits, target);
    }

    /**
     * Mean squared error (PyTorch's {@code mse_loss}). The shapes must be equal: PyTorch broadcasts a
     * mismatch with only a warning, which is nearly always a bug, so this throws instead.
     */
    public static Tensor mse(Tensor input, Tensor target, Reduction reduction) {
        String op = "mse_loss";
        Elementwise.requireFloat(op, input, target);
        if (reduction == null) throw new IllegalArgumentException(op + ": reduction must be NONE, MEAN or SUM, not null");
        int[] shape = input.shape();
        if (!Arrays.equals(shape, target.shape()))
            throw new IllegalArgumentException(op + ": input of shape " + Shape.str(shape) + " and target of shape "
                    + Shape.str(target.shape()) + " differ; reshape one of them (PyTorch would broadcast with a warning, "
                    + "which usually hides a bug)");
        Tensor a = Softmax.dense(input), b = Softmax.dense(target);
        float[] ad = a.data(), bd = b.data();
        int ao = a.offset(), bo = b.offset(), n = input.numel();
        Tensor out;
        if (reduction == Reduction.NONE) {
            float[] y = Graph.buffer(n);
            for (int i = 0; i < n; i++) { float d = ad[ao + i] - bd[bo + i]; y[i] = d * d; }
            out = Tensor.of(y, shape);
        } else {
            double s = squaredDistance(ad, ao, bd, bo, n);
            out = Tensor.scalar((float) (reduction == Reduction.MEAN ? s / n : s));
        }
        return Graph.record(op, out, g -> {
            float[] dIn = Graph.buffer(n);
            if (reduction == Reduction.NONE) {
                Tensor gc = Softmax.dense(g);
                float[] gd = gc.data();
                int go = gc.offset();
                for (int i = 0; i < n; i++) dIn[i] = 2f * (ad[ao + i] - bd[bo + i]) * gd[go + i];
            } else {
                float scale = 2f * (reduction == Reduction.MEAN ? g.item() / n : g.item());
                scaledDifference(ad, ao, bd, bo, scale, dIn);
            }
            Tensor dTarget = null;
            if (target.requiresGrad()) {
                float[] dt = Graph.buffer(n);
                for (int i = 0; i < n; i++) dt[i] = -dIn[i];
                dTarget = Tensor.of(dt, shape);
            }
            return new Tensor[] {input.requiresGrad() ? Tensor.of(dIn, shape) : null, dTarget};
        }, input, target);
    }

    // The reduced loss's loops live in these small methods: inline in mse, C2 compiled the whole op (its checks,
    // messages and graph recording) twice, as an on-stack replacement and then as a method, ~36 ms each, while
    // the linear-regression workload's other loops waited in the compile queue behind it.

    /** Σ (a[ao + i] - b[bo + i])² over i < n, in double. */
    private static double squaredDistance(float[] a, int ao, float[] b, int bo, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) { float d = a[ao + i] - b[bo + i]; s += (double) d * d; }
        return s;
    }

    /** out[i] = (a[ao + i] - b[bo + i])·scale for every i of out. */
    private static void scaledDifference(float[] a, int ao, float[] b, int bo, float scale, float[] out) {
        for (int i = 0; i < out.length; i++) out[i] = (a[ao + i] - b[bo + i]) * scale;
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float f : v) s += f;
        return s;
    }
}
