package dev.nabla.autograd;

import dev.nabla.tensor.Tensor;

/**
 * The gradient rule of one recorded op: given the gradient of the loss with respect to the op's
 * output, return the gradients with respect to each input (in the order the inputs were recorded;
 * {@code null} for an input that needs none). A returned gradient may have the broadcast output shape:
 * the engine sums it back to the input's shape in one place.
 */
@FunctionalInterface
public interface Backward {
    Tensor[] apply(Tensor gradOutput);
}
