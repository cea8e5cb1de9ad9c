package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.ops.Functional;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * Adaptive average pooling to a fixed output size, PyTorch's {@code nn.AdaptiveAvgPool2d(output_size)}: output
 * cell i along an axis of input size n averages input positions floor(i·n/out) to ceil((i+1)·n/out) - 1.
 *
 * <p>How it is computed: output size 1×1 is a mean over H and W; when the input divides evenly into the output it
 * is exactly {@code avg_pool2d} with kernel = stride = n/out; otherwise the windows overlap or differ in size, and
 * since a rectangle's mean is separable it is computed as Pₕ·x·P_wᵀ with averaging matrices Pₕ [outH, H] and
 * P_w [outW, W] (two matmuls, exact gradients).
 */
public final class AdaptiveAvgPool2d extends Module {
    private final int[] outputSize;

    public AdaptiveAvgPool2d(int outputSize) {
        this(Layers.square(outputSize));
    }

    public AdaptiveAvgPool2d(int[] outputSize) {
        this.outputSize = Layers.pair("AdaptiveAvgPool2d", "output_size", outputSize, false);
    }

    @Override
    public Tensor forward(Tensor input) {
        Tensor x = Layers.batched4d("AdaptiveAvgPool2d", input);
        int h = x.size(2), w = x.size(3), oh = outputSize[0], ow = outputSize[1];
        if (h == 0 || w == 0)
            throw new IllegalArgumentException("AdaptiveAvgPool2d: expected non-empty H and W, got " + Shape.str(input.shape()));
        Tensor y;
        if (oh == 1 && ow == 1) y = x.mean(new int[] {2, 3}, true);
        else if (h % oh == 0 && w % ow == 0) {
            int[] k = {h / oh, w / ow};
            y = Functional.avgPool2d(x, k, k, new int[] {0, 0}, false, true);
        } else y = averaging(oh, h).matmul(x).matmul(averaging(ow, w).t());
        return input.rank() == 3 ? y.squeeze(0) : y;
    }

    /** [out, n] with row i holding 1/len over input positions [floor(i·n/out), ceil((i+1)·n/out)). */
    static Tensor averaging(int out, int n) {
        float[] p = new float[out * n];
        for (int i = 0; i < out; i++) {
            int start = (int) Math.floorDiv((long) i * n, out);
            int end = (int) -Math.floorDiv(-(long) (i + 1) * n, out);
            for (int j = start; j < end; j++) p[i * n + j] = 1f / (end - start);
        }
        return Tensor.of(p, out, n);
    }

    @Override
    protected String extraRepr() {
        return "output_size=" + Layers.intOrPair(outputSize);
    }
}
