package dev.nabla.ops;

import dev.nabla.tensor.Tensor;

/** max_pool2d and avg_pool2d. (STUB: being written.) */
public final class Pooling {
    private Pooling() {}
    public static Tensor maxPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) { throw new UnsupportedOperationException("not implemented yet"); }
    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) { throw new UnsupportedOperationException("not implemented yet"); }
}
