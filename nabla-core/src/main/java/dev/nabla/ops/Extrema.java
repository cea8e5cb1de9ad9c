package dev.nabla.ops;

import dev.nabla.tensor.Tensor;

/** max, min, argmax, argmin over all elements or one dim. (STUB: being written.) */
public final class Extrema {
    private Extrema() {}
    public static Tensor maxAll(Tensor x) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor minAll(Tensor x) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor max(Tensor x, int dim, boolean keepdim) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor min(Tensor x, int dim, boolean keepdim) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor argmaxAll(Tensor x) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor argmax(Tensor x, int dim, boolean keepdim) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor argmin(Tensor x, int dim, boolean keepdim) { throw new UnsupportedOperationException("not implemented yet"); }
}
