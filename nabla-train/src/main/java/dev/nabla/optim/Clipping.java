package dev.nabla.optim;

import dev.nabla.autograd.NoGrad;
import dev.nabla.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** Gradient clipping as PyTorch's {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}. */
public final class Clipping {
    private Clipping() {}

    /** {@link #clipGradNorm(Iterable, double, double)} with the 2-norm. */
    public static double clipGradNorm(Iterable<Tensor> params, double maxNorm) {
        return clipGradNorm(params, maxNorm, 2.0);
    }

    /**
     * Scales all gradients together so that their joint {@code normType}-norm (as if concatenated into one
     * vector; {@code Double.POSITIVE_INFINITY} for the max-norm) is at most about {@code maxNorm}: when
     * {@code maxNorm / (total + 1e-6) < 1} every gradient is multiplied by that factor, in place. Parameters
     * without a gradient are skipped. Returns the total norm before clipping (0 when no gradient exists).
     */
    public static double clipGradNorm(Iterable<Tensor> params, double maxNorm, double normType) {
        if (!(normType > 0))
            throw new IllegalArgumentException("clip_grad_norm: norm_type must be positive (or infinity), got " + normType);
        if (Double.isNaN(maxNorm)) throw new IllegalArgumentException("clip_grad_norm: max_norm is NaN");
        List<Tensor> grads = grads(params);
        if (grads.isEmpty()) return 0;
        boolean inf = Double.isInfinite(normType);
        double total = 0;
        for (Tensor g : grads) {
            // per-tensor norm first, then the norm of the norms, as PyTorch (float32 per tensor)
            float[] d = g.data();
            int off = g.offset(), n = g.numel();
            double acc = 0;
            if (!g.isContiguous()) { d = g.toFloatArray(); off = 0; }
            if (inf) {
                for (int i = 0; i < n; i++) acc = Math.max(acc, Math.abs(d[off + i]));   // NaN propagates
                total = Math.max(total, acc);
            } else if (normType == 2) {
                for (int i = 0; i < n; i++) acc += (double) d[off + i] * d[off + i];
                float norm = (float) Math.sqrt(acc);
                total += (double) norm * norm;
            } else if (normType == 1) {
                for (int i = 0; i < n; i++) acc += Math.abs(d[off + i]);
                total += (float) acc;
            } else {
                for (int i = 0; i < n; i++) acc += Math.pow(Math.abs(d[off + i]), normType);
                float norm = (float) Math.pow(acc, 1 / normType);
                total += Math.pow(norm, normType);
            }
        }
        if (!inf && normType == 2) total = Math.sqrt(total);
        else if (!inf && normType != 1) total = Math.pow(total, 1 / normType);
        float totalF = (float) total;
        double coef = maxNorm / (totalF + 1e-6);
        if (coef < 1) {
            float c = (float) coef;
            try (var _ = NoGrad.enter()) {
                for (Tensor g : grads) g.mul_(c);
            }
        }
        return totalF;
    }

    /** Clamps every gradient element into {@code [-clipValue, clipValue]} in place. */
    public static void clipGradValue(Iterable<Tensor> params, double clipValue) {
        if (!(clipValue >= 0)) throw new IllegalArgumentException("clip_grad_value: clip_value must be >= 0, got " + clipValue);
        float c = (float) clipValue;
        for (Tensor g : grads(params)) {
            if (!g.isContiguous()) {
                try (var _ = NoGrad.enter()) { g.copy_(g.clamp(-c, c)); }
                continue;
            }
            float[] d = g.data();
            int off = g.offset();
            for (int i = 0; i < g.numel(); i++) {
                float v = d[off + i];
                d[off + i] = v > c ? c : v < -c ? -c : v;
            }
        }
    }

    private static List<Tensor> grads(Iterable<Tensor> params) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : params) if (p.grad() != null) out.add(p.grad());
        return out;
    }
}
