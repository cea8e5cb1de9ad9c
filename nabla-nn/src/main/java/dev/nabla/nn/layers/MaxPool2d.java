package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.ops.Functional;
import dev.nabla.tensor.Tensor;

/**
 * Max pooling, PyTorch's {@code nn.MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False)};
 * a null stride means the kernel size. Padding counts as -∞. Accepts [N, C, H, W] or [C, H, W].
 */
public final class MaxPool2d extends Module {
    private final int[] kernelSize, stride, padding, dilation;
    private final boolean ceilMode;

    public MaxPool2d(int kernelSize) {
        this(Layers.square(kernelSize), null, Layers.square(0), Layers.square(1), false);
    }

    public MaxPool2d(int kernelSize, int stride, int padding) {
        this(Layers.square(kernelSize), Layers.square(stride), Layers.square(padding), Layers.square(1), false);
    }

    public MaxPool2d(int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        String me = "MaxPool2d";
        this.kernelSize = Layers.pair(me, "kernel_size", kernelSize, false);
        this.stride = stride == null ? this.kernelSize.clone() : Layers.pair(me, "stride", stride, false);
        this.padding = Layers.pair(me, "padding", padding, true);
        this.dilation = Layers.pair(me, "dilation", dilation, false);
        this.ceilMode = ceilMode;
        Layers.halfKernelPadding(me, this.kernelSize, this.padding);
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = Layers.batched4d("MaxPool2d", input);
        Tensor y = Functional.maxPool2d(x, kernelSize, stride, padding, dilation, ceilMode);
        return input.rank() == 3 ? y.squeeze(0) : y;
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + Layers.intOrPair(kernelSize) + ", stride=" + Layers.intOrPair(stride) + ", padding="
                + Layers.intOrPair(padding) + ", dilation=" + Layers.intOrPair(dilation) + ", ceil_mode=" + py(ceilMode);
    }
}
