package dev.nabla.ops;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

/** Inverted dropout with an explicit generator. (STUB: being written.) */
public final class Dropout {
    private Dropout() {}
    public static Tensor dropout(Tensor x, float p, boolean training, Generator generator) { throw new UnsupportedOperationException("not implemented yet"); }
}
