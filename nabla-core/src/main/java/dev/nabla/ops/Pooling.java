package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.PoolKernels;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * max_pool2d and avg_pool2d with PyTorch's semantics: input [N, C, H, W] or unbatched [C, H, W]; pair
 * arguments of length 2 (height, width) or 1 (both); a null or empty {@code stride} means the kernel
 * size; padding at most half the kernel; ceil mode keeps a last window only if it starts inside the
 * input or its left padding.
 */
public final class Pooling {
    private Pooling() {}

    /** Max over each window (padding is −∞); the gradient goes to the first maximum of each window. */
    public static Tensor maxPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        Setup s = setup("max_pool2d", input, kernelSize, stride, padding, dilation, ceilMode);
        int planes = s.planeOff.length;
        float[] out = Graph.buffer(planes * s.geo.outH() * s.geo.outW());
        boolean record = Graph.needed(input);
        int[] argmax = record ? new int[out.length] : null;
        PoolKernels.maxForward(input.data(), s.planeOff, s.sH, s.sW, s.geo, out, argmax);
        Tensor y = Tensor.of(out, s.outShape);
        return Graph.record("max_pool2d", y, g -> {
            Tensor gc = g.contiguous();
            float[] dx = Graph.buffer(input.numel());
            PoolKernels.maxBackward(gc.data(), gc.offset(), argmax, planes, s.geo, dx);
            return new Tensor[] {Tensor.of(dx, input.shape())};
        }, input);
    }

    /**
     * Mean over each window; padded pixels count in the divisor when {@code countIncludePad} (but never
     * the part of a ceil-mode window past the right/bottom padding), as PyTorch.
     */
    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        Setup s = setup("avg_pool2d", input, kernelSize, stride, padding, new int[] {1, 1}, ceilMode);
        int planes = s.planeOff.length;
        float[] out = Graph.buffer(planes * s.geo.outH() * s.geo.outW());
        PoolKernels.avgForward(input.data(), s.planeOff, s.sH, s.sW, s.geo, countIncludePad, out);
        Tensor y = Tensor.of(out, s.outShape);
        return Graph.record("avg_pool2d", y, g -> {
            Tensor gc = g.contiguous();
            float[] dx = Graph.buffer(input.numel());
            PoolKernels.avgBackward(gc.data(), gc.offset(), planes, s.geo, countIncludePad, dx);
            return new Tensor[] {Tensor.of(dx, input.shape())};
        }, input);
    }

    /** The checked geometry of one pooling call, and where each input plane starts. */
    private record Setup(PoolKernels.Geometry geo, int[] planeOff, int sH, int sW, int[] outShape) {}

    private static Setup setup(String op, Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        if (input == null) throw new IllegalArgumentException(op + ": input must not be null");
        Elementwise.requireFloat(op, input);
        int[] xs = input.shape();
        if (xs.length != 3 && xs.length != 4)
            throw new IllegalArgumentException(op + ": expected input [N, C, H, W] or [C, H, W], got " + Shape.str(xs));
        for (int d = xs.length - 3; d < xs.length; d++)
            if (xs[d] == 0)
                throw new IllegalArgumentException(op + ": input " + Shape.str(xs) + " has an empty channel or spatial dim");
        int[] k = Convolution.pair(op, "kernel_size", kernelSize);
        int[] st = stride == null || stride.length == 0 ? k.clone() : Convolution.pair(op, "stride", stride);
        int[] pad = Convolution.pair(op, "padding", padding);
        int[] dil = Convolution.pair(op, "dilation", dilation);
        if (k[0] < 1 || k[1] < 1)
            throw new IllegalArgumentException(op + ": kernel_size must be positive, got " + Shape.str(k));
        if (st[0] < 1 || st[1] < 1)
            throw new IllegalArgumentException(op + ": stride must be positive, got " + Shape.str(st));
        if (dil[0] < 1 || dil[1] < 1)
            throw new IllegalArgumentException(op + ": dilation must be positive, got " + Shape.str(dil));
        if (pad[0] < 0 || pad[1] < 0)
            throw new IllegalArgumentException(op + ": padding must be non-negative, got " + Shape.str(pad));
        if (pad[0] > k[0] / 2 || pad[1] > k[1] / 2)
            throw new IllegalArgumentException(op + ": padding should be at most half of kernel_size, but got padding "
                    + Shape.str(pad) + " and kernel_size " + Shape.str(k));
        int r = xs.length, H = xs[r - 2], W = xs[r - 1];
        long oh = PoolKernels.outputSize(H, k[0], pad[0], st[0], dil[0], ceilMode);
        long ow = PoolKernels.outputSize(W, k[1], pad[1], st[1], dil[1], ceilMode);
        if (oh < 1 || ow < 1)
            throw new IllegalArgumentException(op + ": input " + Shape.str(xs) + " is too small for kernel_size "
                    + Shape.str(k) + ", stride " + Shape.str(st) + ", padding " + Shape.str(pad) + ", dilation "
                    + Shape.str(dil) + ": the output would be " + oh + "x" + ow);
        int[] outShape = xs.clone();
        outShape[r - 2] = (int) oh;
        outShape[r - 1] = (int) ow;
        Shape.numel(outShape); // overflow check
        int[] strides = input.strides();
        int N = r == 4 ? xs[0] : 1, C = xs[r - 3];
        int sN = r == 4 ? strides[0] : 0, sC = strides[r - 3];
        int[] planeOff = new int[N * C];
        for (int n = 0, p = 0; n < N; n++)
            for (int c = 0; c < C; c++) planeOff[p++] = input.offset() + n * sN + c * sC;
        var geo = new PoolKernels.Geometry(H, W, k[0], k[1], st[0], st[1], pad[0], pad[1], dil[0], dil[1], (int) oh, (int) ow);
        return new Setup(geo, planeOff, strides[r - 2], strides[r - 1], outShape);
    }
}
