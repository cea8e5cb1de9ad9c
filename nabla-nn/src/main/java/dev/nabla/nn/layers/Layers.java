package dev.nabla.nn.layers;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;

/** Argument checks shared by the layers; messages name the layer and the PyTorch argument. */
final class Layers {
    private Layers() {}

    static int positive(String layer, String arg, int v) {
        if (v <= 0) throw new IllegalArgumentException(layer + ": " + arg + " must be positive, got " + v);
        return v;
    }

    static int nonNegative(String layer, String arg, int v) {
        if (v < 0) throw new IllegalArgumentException(layer + ": " + arg + " must be >= 0, got " + v);
        return v;
    }

    static Generator generator(String layer, Generator gen) {
        if (gen == null) throw new IllegalArgumentException(layer + ": a Generator is needed to initialise the parameters");
        return gen;
    }

    /** A 2-element (height, width) copy of {@code v}, checked element by element. */
    static int[] pair(String layer, String arg, int[] v, boolean allowZero) {
        if (v == null || v.length != 2)
            throw new IllegalArgumentException(layer + ": " + arg + " must have 2 values (height, width), got "
                    + (v == null ? "null" : Shape.str(v)));
        for (int x : v)
            if (allowZero ? x < 0 : x <= 0)
                throw new IllegalArgumentException(layer + ": " + arg + " must be " + (allowZero ? ">= 0" : "positive")
                        + ", got " + Shape.str(v));
        return v.clone();
    }

    static int[] square(int v) {
        return new int[] {v, v};
    }

    /** Python's repr of a (h, w) tuple. */
    static String hw(int[] v) {
        return "(" + v[0] + ", " + v[1] + ")";
    }

    /** An int when both values are equal (as pooling layers print an int argument), else a tuple. */
    static String intOrPair(int[] v) {
        return v[0] == v[1] ? String.valueOf(v[0]) : hw(v);
    }

    /** Checks a pooling input: [N, C, H, W] or [C, H, W]; returns it as 4-D. */
    static dev.nabla.tensor.Tensor batched4d(String layer, dev.nabla.tensor.Tensor input) {
        if (input.rank() == 4) return input;
        if (input.rank() == 3) return input.unsqueeze(0);
        throw new IllegalArgumentException(layer + ": expected input of shape [N, C, H, W] or [C, H, W], got "
                + Shape.str(input.shape()));
    }

    /** Checks that padding is at most half the kernel, as PyTorch's pooling layers require. */
    static void halfKernelPadding(String layer, int[] kernel, int[] padding) {
        for (int i = 0; i < 2; i++)
            if (padding[i] > kernel[i] / 2)
                throw new IllegalArgumentException(layer + ": padding " + hw(padding) + " must be at most half of kernel_size "
                        + hw(kernel));
    }
}
