package dev.nabla.nn.loss;

import dev.nabla.ops.Reduction;
import dev.nabla.tensor.Tensor;

/**
 * Binary cross-entropy of probabilities, PyTorch's {@code nn.BCELoss(weight=None, reduction='mean')}:
 * -w·(t·log x + (1-t)·log(1-x)), each log clamped at -100 as PyTorch does (so x = 0 or 1 gives a finite loss).
 */
public final class BCELoss extends Loss {
    private final Tensor weight;

    public BCELoss() {
        this(null, Reduction.MEAN);
    }

    /** @param weight per-element weight broadcast to the input, or null */
    public BCELoss(Tensor weight, Reduction reduction) {
        super(reduction);
        this.weight = registerBuffer("weight", weight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        sameShape(input, target);
        broadcastable("weight", weight, input.shape());
        Tensor logX = input.log().clamp(-100f, Float.MAX_VALUE);
        Tensor log1mX = input.neg().add(1f).log().clamp(-100f, Float.MAX_VALUE);
        Tensor loss = target.mul(logX).add(target.neg().add(1f).mul(log1mX)).neg();
        if (weight != null) loss = loss.mul(weight);
        return reduce(loss);
    }
}
