package dev.nabla.nn.loss;

import dev.nabla.ops.Reduction;
import dev.nabla.tensor.Tensor;

/**
 * PyTorch's {@code nn.HuberLoss(reduction='mean', delta=1.0)}: with z = |input - target|, 0.5·z² where z &lt; delta,
 * else delta·(z - 0.5·delta).
 */
public final class HuberLoss extends Loss {
    private final float delta;

    public HuberLoss() {
        this(Reduction.MEAN, 1f);
    }

    public HuberLoss(Reduction reduction, float delta) {
        super(reduction);
        if (!(delta > 0) || Float.isInfinite(delta))
            throw new IllegalArgumentException("HuberLoss: delta must be positive and finite, got " + delta);
        this.delta = delta;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        sameShape(input, target);
        Tensor d = input.sub(target);
        Tensor z = d.abs();
        Tensor quadratic = d.mul(d).mul(0.5f);
        Tensor linear = z.sub(0.5f * delta).mul(delta);
        return reduce(Tensor.where(z.lt(delta), quadratic, linear));
    }
}
