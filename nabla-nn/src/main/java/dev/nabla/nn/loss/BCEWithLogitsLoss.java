package dev.nabla.nn.loss;

import dev.nabla.ops.Reduction;
import dev.nabla.tensor.Tensor;

/**
 * Sigmoid plus binary cross-entropy in one stable expression, PyTorch's {@code nn.BCEWithLogitsLoss(weight=None,
 * reduction='mean', pos_weight=None)}: with m = max(-x, 0) and softplus(-x) = m + log(e^(-m) + e^(-x-m)),
 * loss = w·((1-t)·x + (1 + (pos_weight-1)·t)·softplus(-x)). No exp overflows for any x; pos_weight (one per
 * class, broadcast along the last dim) weighs the positive term.
 */
public final class BCEWithLogitsLoss extends Loss {
    private final Tensor weight, posWeight;

    public BCEWithLogitsLoss() {
        this(null, Reduction.MEAN, null);
    }

    /**
     * @param weight    per-element weight broadcast to the input, or null
     * @param posWeight weight of positive examples broadcast to the input (typically [C]), or null
     */
    public BCEWithLogitsLoss(Tensor weight, Reduction reduction, Tensor posWeight) {
        super(reduction);
        this.weight = registerBuffer("weight", weight);
        this.posWeight = registerBuffer("pos_weight", posWeight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        sameShape(input, target);
        broadcastable("weight", weight, input.shape());
        broadcastable("pos_weight", posWeight, input.shape());
        Tensor m = input.neg().relu();
        Tensor softplusNeg = m.neg().exp().add(input.neg().sub(m).exp()).log().add(m);
        Tensor positive = posWeight == null ? softplusNeg : posWeight.sub(1f).mul(target).add(1f).mul(softplusNeg);
        Tensor loss = target.neg().add(1f).mul(input).add(positive);
        if (weight != null) loss = loss.mul(weight);
        return reduce(loss);
    }
}
