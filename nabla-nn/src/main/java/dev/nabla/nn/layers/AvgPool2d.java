package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.ops.Functional;
import dev.nabla.tensor.Tensor;

/**
 * Average pooling, PyTorch's {@code nn.AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False,
 * count_include_pad=True)}; a null stride means the kernel size. Accepts [N, C, H, W] or [C, H, W].
 */
public final class AvgPool2d extends Module {
    private final int[] kernelSize, stride, padding;
    private final boolean ceilMode, countIncludePad;

    public AvgPool2d(int kernelSize) {
        this(Layers.square(kernelSize), null, Layers.square(0), false, true);
    }

    public AvgPool2d(int kernelSize, int stride, int padding) {
        this(Layers.square(kernelSize), Layers.square(stride), Layers.square(padding), false, true);
    }

    public AvgPool2d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        String me = "AvgPool2d";
        this.kernelSize = Layers.pair(me, "kernel_size", kernelSize, false);
        this.stride = stride == null ? this.kernelSize.clone() : Layers.pair(me, "stride", stride, false);
        this.padding = Layers.pair(me, "padding", padding, true);
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        Layers.halfKernelPadding(me, this.kernelSize, this.padding);
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = Layers.batched4d("AvgPool2d", input);
        Tensor y = Functional.avgPool2d(x, kernelSize, stride, padding, ceilMode, countIncludePad);
        return input.rank() == 3 ? y.squeeze(0) : y;
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + Layers.intOrPair(kernelSize) + ", stride=" + Layers.intOrPair(stride) + ", padding="
                + Layers.intOrPair(padding);
    }
}
