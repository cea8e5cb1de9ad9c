package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * Inverted dropout: while training, each element is kept with probability 1-p and scaled by 1/(1-p),
 * so the expected value is unchanged and evaluation needs no rescaling.
 *
 * <p>The mask comes from the explicit {@link Generator}, so a run is reproducible from its seed. Each
 * 64-bit draw decides two elements (24 random bits each), in row-major order of the input. The mask is
 * kept (one byte per element) only when a gradient will be needed; the backward is g·mask/(1-p).
 */
public final class Dropout {
    private Dropout() {}

    private static final float TWO_24 = 0x1.0p24f;

    public static Tensor dropout(Tensor x, float p, boolean training, Generator generator) {
        if (!(p >= 0f && p <= 1f))
            throw new IllegalArgumentException("dropout: probability has to be between 0 and 1, but got " + p);
        Elementwise.requireFloat("dropout", x);
        if (!training || p == 0f) return x;
        int[] shape = x.shape();
        int n = x.numel();
        if (p == 1f) { // everything dropped, as PyTorch: zeros, and a zero gradient
            Tensor z = Tensor.zeros(shape);
            return Graph.record("dropout", z, g -> new Tensor[] {Tensor.zeros(shape)}, x);
        }
        if (generator == null)
            throw new IllegalArgumentException("dropout: a Generator is required when training with p = " + p
                    + " (input shape " + Shape.str(shape) + ")");
        Tensor xc = x.isContiguous() ? x : x.detach().clone();
        float[] src = xc.data(), out = Graph.buffer(n);
        int off = xc.offset();
        float scale = 1f / (1f - p);
        // keep when the 24-bit uniform u satisfies u >= threshold: probability 1 - threshold / 2^24
        int threshold = Math.round(p * TWO_24);
        boolean keepMask = Graph.needed(x);
        byte[] mask = keepMask ? new byte[n] : null;
        int i = 0;
        for (; i + 1 < n; i += 2) {
            long r = generator.nextLong();
            int u0 = (int) (r >>> 40), u1 = (int) (r >>> 8) & 0xFFFFFF;
            if (u0 >= threshold) { out[i] = src[off + i] * scale; if (keepMask) mask[i] = 1; }
            if (u1 >= threshold) { out[i + 1] = src[off + i + 1] * scale; if (keepMask) mask[i + 1] = 1; }
        }
        if (i < n) {
            int u0 = (int) (generator.nextLong() >>> 40);
            if (u0 >= threshold) { out[i] = src[off + i] * scale; if (keepMask) mask[i] = 1; }
        }
        Tensor y = Tensor.of(out, shape);
        if (!keepMask) return y;
        return Graph.record("dropout", y, g -> {
            Tensor gc = g.isContiguous() ? g : g.detach().clone();
            float[] gd = gc.data(), dx = Graph.buffer(n);
            int go = gc.offset();
            for (int k = 0; k < n; k++) dx[k] = gd[go + k] * (mask[k] * scale);
            return new Tensor[] {Tensor.of(dx, shape)};
        }, x);
    }
}
