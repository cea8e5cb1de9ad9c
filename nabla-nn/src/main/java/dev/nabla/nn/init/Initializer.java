package dev.nabla.nn.init;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

/** Fills a tensor in place with initial values drawn from {@code gen}; returns the tensor. See {@link Init#byName}. */
@FunctionalInterface
public interface Initializer {
    Tensor apply(Tensor tensor, Generator gen);
}
