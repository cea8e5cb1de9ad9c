package dev.nabla.optim;

import dev.nabla.tensor.Tensor;

/**
 * Plain (full-batch) gradient descent, {@code p -= lr * g}: SGD without momentum, dampening or weight
 * decay. A thin name for {@code new SGD(params, lr)}; its state dicts are SGD's.
 */
public final class GD {
    private GD() {}

    /** An optimizer doing {@code p -= lr * g} for every parameter with a gradient. */
    public static SGD of(Iterable<Tensor> params, double lr) {
        return new SGD(params, new SGD.Options(lr));
    }
}
