package dev.nabla.nn.layers;

import dev.nabla.nn.layers.Attention.Kernel;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The block-wise kernel against the materialised one: outputs and every gradient, through all three entry points,
 * with each mask kind, causal and not, L ≠ S, sizes that are not multiples of the blocks, dropout; NaN for fully
 * masked rows; and the memory bound (no [N·H, L, S] buffer).
 */
class FlashAttentionTest {
    private static final Generator G = new Generator(4242);

    @AfterEach
    void restore() {
        Attention.useKernel(Kernel.AUTO);
    }

    private static Tensor leaf(int... shape) {
        return Tensor.randn(G, shape).requiresGrad(true);
    }

    /** Runs {@code f} under each kernel with fresh copies of {@code inputs} and compares output and gradients. */
    private static void assertSame(String what, Function<Tensor[], Tensor> f, Tensor... inputs) {
        Tensor w = null;
        float[][][] res = new float[2][][];
        Kernel[] kernels = {Kernel.MATERIALISED, Kernel.FLASH};
        for (int r = 0; r < 2; r++) {
            Attention.useKernel(kernels[r]);
            Tensor[] in = new Tensor[inputs.length];
            for (int i = 0; i < in.length; i++) in[i] = inputs[i].detach().requiresGrad(true);
            Tensor out = f.apply(in);
            if (w == null) w = Tensor.randn(new Generator(7), out.shape());
            out.mul(w).sum().backward();
            res[r] = new float[in.length + 1][];
            res[r][0] = out.toFloatArray();
            for (int i = 0; i < in.length; i++) res[r][i + 1] = in[i].grad().toFloatArray();
        }
        for (int t = 0; t < res[0].length; t++) {
            float[] a = res[0][t], b = res[1][t];
            assertEquals(a.length, b.length);
            float max = 0f;
            for (float x : a) if (Float.isFinite(x)) max = Math.max(max, Math.abs(x));
            float tol = 2e-5f * Math.max(1f, max);
            for (int i = 0; i < a.length; i++) {
                if (Float.isNaN(a[i]) || Float.isNaN(b[i])) { // a fully masked row: NaN on both paths
                    assertTrue(Float.isNaN(a[i]) && Float.isNaN(b[i]), what + ": " + t + " [" + i + "] materialised "
                            + a[i] + " vs flash " + b[i]);
                    continue;
                }
                if (!(Math.abs(a[i] - b[i]) <= tol))
                    fail(what + ": " + (t == 0 ? "output" : "grad of input " + (t - 1)) + " [" + i + "] materialised "
                            + a[i] + " vs flash " + b[i]);
            }
        }
    }

    private static Tensor boolMask(int rows, int cols, int avoidCol) {
        long[] m = new long[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) if (j != avoidCol && G.nextLong(3) == 0) m[i * cols + j] = 1;
        return Tensor.ofLongs(m, rows, cols);
    }

    @Test
    void sdpaEveryMaskKindAndShape() {
        // odd sizes: not multiples of the 32-row / 64-key blocks nor of the 16-float panels; L < S, L > S, L = S
        int[][] sizes = {{2, 3, 37, 70, 5, 7}, {1, 2, 130, 45, 32, 32}, {2, 1, 67, 67, 9, 3}, {1, 1, 1, 1, 1, 1}};
        for (int[] sz : sizes) {
            int n = sz[0], h = sz[1], l = sz[2], s = sz[3], d = sz[4], dv = sz[5];
            Tensor q = leaf(n, h, l, d), k = leaf(n, h, s, d), v = leaf(n, h, s, dv);
            Tensor bool = boolMask(l, s, 0), additive = Tensor.randn(G, l, s), perHead = Tensor.randn(G, n, h, l, s);
            for (boolean causal : new boolean[] {false, true}) {
                String at = java.util.Arrays.toString(sz) + (causal ? " causal" : "");
                assertSame(at, t -> Attention.scaledDotProductAttention(t[0], t[1], t[2], null, 0, causal, null), q, k, v);
                assertSame(at + " bool", t -> Attention.scaledDotProductAttention(t[0], t[1], t[2], bool, 0, causal, null), q, k, v);
                assertSame(at + " additive", t -> Attention.scaledDotProductAttention(t[0], t[1], t[2], additive, 0, causal, null), q, k, v);
                assertSame(at + " per head", t -> Attention.scaledDotProductAttention(t[0], t[1], t[2], perHead, 0, causal, null), q, k, v);
                assertSame(at + " dropout", t -> Attention.scaledDotProductAttention(t[0], t[1], t[2], additive, 0.3, causal,
                        new Generator(99)), q, k, v);
            }
        }
    }

    @Test
    void multiHeadAndPackedWithKeyPadding() {
        int n = 3, l = 75, s = 98, e = 12, heads = 3;
        Tensor q = leaf(n, l, e), k = leaf(n, s, e), v = leaf(n, s, 6);
        Tensor kpm = boolMask(n, s, 1), floatKpm = Tensor.randn(G, n, s), mask = boolMask(l, s, 1);
        for (boolean causal : new boolean[] {false, true}) {
            assertSame("mha kpm", t -> Attention.multiHead(t[0], t[1], t[2], heads, null, kpm, causal, 0, null), q, k, v);
            assertSame("mha mask+kpm", t -> Attention.multiHead(t[0], t[1], t[2], heads, mask, floatKpm, causal, 0, null), q, k, v);
            // keys visible in a block may all be padded while others remain: the online max must skip the block
            Tensor qkv = leaf(n, l, 3 * e);
            Tensor selfKpm = boolMask(n, l, 0), selfMask = boolMask(l, l, 0);
            assertSame("packed", t -> Attention.packedSelfAttention(t[0], heads, null, null, causal, 0, null), qkv);
            assertSame("packed masks", t -> Attention.packedSelfAttention(t[0], heads, selfMask, selfKpm, causal, 0, null), qkv);
            assertSame("packed dropout", t -> Attention.packedSelfAttention(t[0], heads, null, selfKpm, causal, 0.2,
                    new Generator(5)), qkv);
        }
        // a strided (transposed-storage) query
        Tensor qt = Tensor.randn(G, e, l, n).transpose(0, 2).detach();
        assertSame("strided", t -> Attention.multiHead(t[0], t[1], t[2], heads, null, null, true, 0, null), qt, k, v);
    }

    @Test
    void autoChoosesByContextLength() {
        Attention.useKernel(Kernel.AUTO);
        var gpt = new dev.nabla.nn.internal.AttentionKernel.Dims(32, 4, 128, 128, 32, 32, 0.17f, true);
        var longer = new dev.nabla.nn.internal.AttentionKernel.Dims(1, 4, 512, 512, 32, 32, 0.17f, true);
        assertFalse(Attention.flash(gpt), "short contexts keep the materialised kernel");
        assertTrue(Attention.flash(longer), "L*S >= 512^2 runs block-wise");
        Attention.useKernel(Kernel.MATERIALISED);
        assertFalse(Attention.flash(longer));
        Attention.useKernel(Kernel.FLASH);
        assertTrue(Attention.flash(gpt));
    }

    @Test
    void fullyMaskedRowsGiveNaNAndLeaveOthersFinite() {
        int l = 70, s = 80;
        long[] m = new long[l * s];
        for (int j = 0; j < s; j++) m[5 * s + j] = 1; // query 5 sees nothing
        for (int j = 0; j < 64; j++) m[40 * s + j] = 1; // query 40 sees only keys in the second block
        Tensor mask = Tensor.ofLongs(m, l, s);
        Tensor q = leaf(1, 2, l, 8), k = leaf(1, 2, s, 8), v = leaf(1, 2, s, 8);
        assertSame("masked rows", t -> Attention.scaledDotProductAttention(t[0], t[1], t[2], mask, 0, false, null), q, k, v);
        Attention.useKernel(Kernel.FLASH);
        Tensor out = Attention.scaledDotProductAttention(q, k, v, mask, 0, false, null); // [1, 2, L, 8]
        for (int hh = 0; hh < 2; hh++)
            for (int i = 0; i < l; i++)
                for (int c = 0; c < 8; c++) {
                    float x = out.get(0, hh, i, c);
                    if (i == 5) assertTrue(Float.isNaN(x), "fully masked row is NaN");
                    else assertTrue(Float.isFinite(x), "row " + i + " finite, got " + x);
                }
    }

    /** Heap bytes in use after a full collection. */
    private static long retained() {
        Runtime rt = Runtime.getRuntime();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) { // the smallest of a few readings: a collection may finish lazily
            System.gc();
            best = Math.min(best, rt.totalMemory() - rt.freeMemory());
        }
        return best;
    }

    /** Bytes the forward keeps alive for the backward (its output included), then runs the backward. */
    private static long savedBytes(Kernel kernel, Tensor q, Tensor k, Tensor v) {
        Attention.useKernel(kernel);
        Tensor[] in = {q.detach().requiresGrad(true), k.detach().requiresGrad(true), v.detach().requiresGrad(true)};
        long before = retained();
        Tensor out = Attention.scaledDotProductAttention(in[0], in[1], in[2], null, 0, true, null);
        long saved = retained() - before;
        out.sum().backward();
        for (Tensor t : in) assertTrue(Float.isFinite(t.grad().toFloatArray()[0]));
        return saved;
    }

    @Test
    void longContextKeepsNoScoreMatrix() {
        int l = 4096, d = 32;
        Tensor q = Tensor.randn(G, 1, 1, l, d), k = Tensor.randn(G, 1, 1, l, d), v = Tensor.randn(G, 1, 1, l, d);
        long scores = 4L * l * l; // one [L, S] float matrix: 64 MiB
        long flash = savedBytes(Kernel.FLASH, q, k, v), materialised = savedBytes(Kernel.MATERIALISED, q, k, v);
        // flash keeps the output (512 KiB) and the row log-sum-exp (16 KiB); its backward's scratch is O(block·S + S·D)
        assertTrue(flash < scores / 16, "flash keeps " + flash + " bytes for the backward");
        assertTrue(materialised >= scores, "the materialised kernel keeps P: " + materialised + " bytes");
    }
}
