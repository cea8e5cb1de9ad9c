package dev.nabla.ops;

import dev.nabla.autograd.GradCheck;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.RepeatedTest;

/**
 * Finite-difference checks of conv2d (alone and fused with a ReLU), linear, max_pool2d and avg_pool2d over random shapes and
 * options, with inputs and weights that are permuted, offset views of larger storages.
 */
class ConvGradCheckTest {
    private static final Generator G = new Generator(7);

    private static int rand(int lo, int hi) { // inclusive
        return lo + (int) G.nextLong(hi - lo + 1);
    }

    /**
     * A leaf of {@code shape} whose storage is laid out in a random dim order with one extra leading
     * slab, so it is usually non-contiguous and starts at a non-zero offset. With {@code distinct} the
     * values are a shuffled grid 0.1 apart (no near-ties, for max pooling); otherwise standard normal.
     */
    static Tensor leaf(int[] shape, boolean distinct) {
        int r = shape.length;
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) perm[i] = i;
        for (int i = r - 1; i > 0; i--) { int j = (int) G.nextLong(i + 1); int t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
        int[] stored = new int[r];
        for (int i = 0; i < r; i++) stored[i] = shape[perm[i]];
        stored[0] += 1;
        Tensor storage;
        if (distinct) {
            int n = dev.nabla.tensor.Shape.numel(stored);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (i - n / 2) * 0.1f;
            for (int i = n - 1; i > 0; i--) { int j = (int) G.nextLong(i + 1); float t = v[i]; v[i] = v[j]; v[j] = t; }
            storage = Tensor.of(v, stored);
        } else storage = Tensor.randn(G, stored);
        int[] back = new int[r];
        for (int i = 0; i < r; i++) back[perm[i]] = i;
        return storage.narrow(0, 1, stored[0] - 1).permute(back).detach().requiresGrad(true);
    }

    @RepeatedTest(12)
    void conv2d() {
        for (int attempt = 0; ; attempt++) {
            int groups = rand(1, 2), cg = rand(1, 2), og = rand(1, 2);
            int n = rand(1, 3), h = rand(3, 6), w = rand(3, 6), kh = rand(1, 3), kw = rand(1, 3);
            int[] stride = {rand(1, 2), rand(1, 2)}, pad = {rand(0, 2), rand(0, 1)}, dil = {rand(1, 2), rand(1, 2)};
            if (h + 2 * pad[0] < dil[0] * (kh - 1) + 1 || w + 2 * pad[1] < dil[1] * (kw - 1) + 1) continue;
            boolean bias = G.nextLong(2) == 0;
            Tensor x = leaf(new int[] {n, groups * cg, h, w}, false);
            Tensor wt = leaf(new int[] {groups * og, cg, kh, kw}, false);
            Tensor b = leaf(new int[] {groups * og}, false);
            if (bias) GradCheck.check(t -> Convolution.conv2d(t[0], t[1], t[2], stride, pad, dil, groups), x, wt, b);
            else GradCheck.check(t -> Convolution.conv2d(t[0], t[1], null, stride, pad, dil, groups), x, wt);
            return;
        }
    }

    /**
     * conv2d fused with a ReLU. Shapes are small (at most a few dozen outputs) and redrawn until every
     * pre-activation, with the bias and without it, is at least 0.02 from the kink: a step of 1e-3 moves an output
     * by less than that, so no central difference straddles 0.
     */
    @RepeatedTest(8)
    void conv2dRelu() {
        while (true) {
            int groups = rand(1, 2), cg = rand(1, 2), og = rand(1, 2);
            int n = rand(1, 2), h = rand(3, 5), w = rand(3, 5), kh = rand(1, 3), kw = rand(1, 3);
            int[] stride = {rand(1, 2), rand(1, 2)}, pad = {rand(0, 1), rand(0, 1)}, dil = {rand(1, 2), rand(1, 2)};
            if (h + 2 * pad[0] < dil[0] * (kh - 1) + 1 || w + 2 * pad[1] < dil[1] * (kw - 1) + 1) continue;
            Tensor x = leaf(new int[] {n, groups * cg, h, w}, false);
            Tensor wt = leaf(new int[] {groups * og, cg, kh, kw}, false);
            Tensor b = leaf(new int[] {groups * og}, false);
            try (var ignored = dev.nabla.autograd.NoGrad.enter()) {
                float[] z1 = Convolution.conv2d(x, wt, b, stride, pad, dil, groups).toFloatArray();
                float[] z2 = Convolution.conv2d(x, wt, null, stride, pad, dil, groups).toFloatArray();
                boolean clear = true;
                for (int i = 0; i < z1.length; i++) clear &= Math.abs(z1[i]) >= 0.02f && Math.abs(z2[i]) >= 0.02f;
                if (!clear) continue;
            }
            GradCheck.check(t -> Convolution.conv2dRelu(t[0], t[1], t[2], stride, pad, dil, groups), x, wt, b);
            // a summed output hands the fused backward a broadcast gradient, which it must not mask in place
            GradCheck.check(t -> Convolution.conv2dRelu(t[0], t[1], null, stride, pad, dil, groups).sum(), x, wt);
            return;
        }
    }

    @RepeatedTest(4)
    void conv2dPointwiseAndDepthwise() {
        int n = rand(1, 3), c = rand(2, 4), h = rand(2, 5), w = rand(2, 5);
        Tensor x = leaf(new int[] {n, c, h, w}, false);
        GradCheck.check(t -> Convolution.conv2d(t[0], t[1], t[2], new int[] {1}, new int[] {0}, new int[] {1}, 1),
                x, leaf(new int[] {3, c, 1, 1}, false), leaf(new int[] {3}, false));
        GradCheck.check(t -> Convolution.conv2d(t[0], t[1], t[2], new int[] {1, 2}, new int[] {1}, new int[] {1}, c),
                x, leaf(new int[] {2 * c, 1, 3, 2}, false), leaf(new int[] {2 * c}, false));
        // A summed output hands conv2d a broadcast (stride-0) gradient.
        GradCheck.check(t -> Convolution.conv2d(t[0], t[1], null, new int[] {2}, new int[] {1}, new int[] {1}, 1).sum(),
                x, leaf(new int[] {2, c, 2, 2}, false));
        // Unbatched [C, H, W] input.
        GradCheck.check(t -> Convolution.conv2d(t[0], t[1], null, new int[] {1}, new int[] {1}, new int[] {1}, 1),
                leaf(new int[] {c, h, w}, false), leaf(new int[] {2, c, 2, 3}, false));
    }

    @RepeatedTest(6)
    void linear() {
        int in = rand(1, 5), out = rand(1, 4);
        int[] shape = switch (rand(1, 3)) {
            case 1 -> new int[] {in};
            case 2 -> new int[] {rand(1, 4), in};
            default -> new int[] {rand(1, 3), rand(1, 3), in};
        };
        GradCheck.check(t -> Convolution.linear(t[0], t[1], t[2]), leaf(shape, false), leaf(new int[] {out, in}, false),
                leaf(new int[] {out}, false));
        GradCheck.check(t -> Convolution.linear(t[0], t[1], null), leaf(shape, false), leaf(new int[] {out, in}, false));
        GradCheck.check(t -> Convolution.linear(t[0], t[1], t[2]).sum(), leaf(shape, false),
                leaf(new int[] {out, in}, false), leaf(new int[] {out}, false));
    }

    @RepeatedTest(8)
    void maxPool2d() {
        int k0 = rand(1, 3), k1 = rand(1, 3);
        int[] k = {k0, k1}, st = {rand(1, 3), rand(1, 3)}, pad = {rand(0, k0 / 2), rand(0, k1 / 2)}, dil = {rand(1, 2), rand(1, 2)};
        boolean ceil = G.nextLong(2) == 0;
        int[] shape = G.nextLong(3) == 0 ? new int[] {rand(1, 3), rand(4, 7), rand(4, 7)}
                : new int[] {rand(1, 2), rand(1, 3), rand(4, 7), rand(4, 7)};
        GradCheck.check(t -> Pooling.maxPool2d(t[0], k, st, pad, dil, ceil), leaf(shape, true));
    }

    @RepeatedTest(8)
    void avgPool2d() {
        int k0 = rand(1, 3), k1 = rand(1, 4);
        int[] k = {k0, k1}, st = {rand(1, 3), rand(1, 3)}, pad = {rand(0, k0 / 2), rand(0, k1 / 2)};
        boolean ceil = G.nextLong(2) == 0, include = G.nextLong(2) == 0;
        int[] shape = G.nextLong(3) == 0 ? new int[] {rand(1, 3), rand(4, 7), rand(4, 7)}
                : new int[] {rand(1, 2), rand(1, 3), rand(4, 7), rand(4, 7)};
        GradCheck.check(t -> Pooling.avgPool2d(t[0], k, st, pad, ceil, include), leaf(shape, false));
    }
}
