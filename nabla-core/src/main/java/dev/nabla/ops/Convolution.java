package dev.nabla.ops;

import dev.nabla.tensor.Tensor;

/** conv2d and the fused linear layer op. (STUB: being written.) */
public final class Convolution {
    private Convolution() {}
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) { throw new UnsupportedOperationException("not implemented yet"); }
}
