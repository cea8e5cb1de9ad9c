package dev.nabla.nn.loss;

import dev.nabla.ops.Functional;
import dev.nabla.ops.Reduction;
import dev.nabla.tensor.Tensor;

/** (input - target)², PyTorch's {@code nn.MSELoss(reduction='mean')}. */
public final class MSELoss extends Loss {
    public MSELoss() {
        this(Reduction.MEAN);
    }

    public MSELoss(Reduction reduction) {
        super(reduction);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        sameShape(input, target);
        return Functional.mse(input, target, reduction);
    }
}
