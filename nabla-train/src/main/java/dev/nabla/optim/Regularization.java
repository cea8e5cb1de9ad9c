package dev.nabla.optim;

import dev.nabla.autograd.NoGrad;
import dev.nabla.tensor.Tensor;

/**
 * L1 regularisation. The gradient form {@link #addL1Grad} is the cheap one to use in a training loop:
 * call it after {@code backward()} and before {@code step()}; it adds {@code lambda * sign(w)} to each
 * gradient (0 at w = 0, torch.sign's subgradient), exactly the gradient of {@code lambda * sum|w|}.
 * {@link #l1Penalty} builds the same term as a loss (recorded in the graph) when the value is wanted too.
 * For L2, use the optimizers' {@code weight_decay}.
 */
public final class Regularization {
    private Regularization() {}

    /** grad += lambda * sign(param) for every parameter with a gradient (in place; others are skipped). */
    public static void addL1Grad(Iterable<Tensor> params, double lambda) {
        if (!(lambda >= 0)) throw new IllegalArgumentException("l1: lambda must be >= 0, got " + lambda);
        float l = (float) lambda;
        try (var _ = NoGrad.enter()) {
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g == null) continue;
                if (!g.isContiguous()) { g = Tensor.of(g.toFloatArray(), g.shape()); p.setGrad(g); }
                float[] w = p.data(), d = g.data();
                int po = p.offset(), go = g.offset(), n = p.numel();
                if (p.isContiguous()) {
                    for (int i = 0; i < n; i++) d[go + i] += l * Math.signum(w[po + i]);
                } else {
                    float[] wc = p.toFloatArray();
                    for (int i = 0; i < n; i++) d[go + i] += l * Math.signum(wc[i]);
                }
            }
        }
    }

    /** {@code lambda * sum(|w|)} over the parameters, as a scalar tensor in the graph. */
    public static Tensor l1Penalty(Iterable<Tensor> params, double lambda) {
        Tensor total = null;
        for (Tensor p : params) {
            Tensor s = p.abs().sum();
            total = total == null ? s : total.add(s);
        }
        if (total == null) return Tensor.scalar(0f);
        return total.mul((float) lambda);
    }
}
