package dev.nabla.ops;

import dev.nabla.tensor.Tensor;

import java.util.List;

/** cat, stack, split, chunk. (STUB: being written.) */
public final class Joining {
    private Joining() {}
    public static Tensor cat(List<Tensor> tensors, int dim) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor stack(List<Tensor> tensors, int dim) { throw new UnsupportedOperationException("not implemented yet"); }
    public static List<Tensor> split(Tensor x, int splitSize, int dim) { throw new UnsupportedOperationException("not implemented yet"); }
    public static List<Tensor> chunk(Tensor x, int chunks, int dim) { throw new UnsupportedOperationException("not implemented yet"); }
}
