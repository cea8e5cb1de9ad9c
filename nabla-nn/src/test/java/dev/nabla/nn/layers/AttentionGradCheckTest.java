package dev.nabla.nn.layers;

import dev.nabla.autograd.GradCheck;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of the fused attention op through its three entry points, on tiny random sizes, with
 * contiguous and non-contiguous (transposed-storage) inputs, with and without masks, causal, and with dropout
 * (a fresh Generator per evaluation makes the dropout mask the same each time).
 */
class AttentionGradCheckTest {
    private static final Generator G = new Generator(2024);

    /** The attention kernel every check runs through ({@link FlashAttentionGradCheckTest} runs them block-wise). */
    Attention.Kernel kernel() {
        return Attention.Kernel.MATERIALISED;
    }

    private Attention.Kernel saved;

    @BeforeEach
    void selectKernel() {
        saved = Attention.useKernel(kernel());
    }

    @AfterEach
    void restoreKernel() {
        Attention.useKernel(saved);
    }

    /** A leaf of {@code shape} whose storage is laid out with the first and last dims swapped (non-contiguous). */
    static Tensor leaf(int[] shape, boolean strided) {
        if (!strided) return Tensor.randn(G, shape).requiresGrad(true);
        int[] swapped = shape.clone();
        swapped[0] = shape[shape.length - 1];
        swapped[shape.length - 1] = shape[0];
        Tensor t = Tensor.randn(G, swapped).transpose(0, shape.length - 1).detach();
        return t.requiresGrad(true);
    }

    private static int size(int lo, int hi) {
        return lo + (int) G.nextLong(hi - lo + 1);
    }

    private static Tensor boolMask(int rows, int cols) {
        long[] m = new long[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 1; j < cols; j++) m[i * cols + j] = G.nextLong(3) == 0 ? 1 : 0; // key 0 always visible
        return Tensor.ofLongs(m, rows, cols);
    }

    @Test
    void sdpaPlainAndStrided() {
        for (int trial = 0; trial < 4; trial++) {
            int n = size(1, 2), h = size(1, 2), l = size(1, 4), s = size(1, 4), d = size(1, 3), dv = size(1, 3);
            boolean strided = trial % 2 == 1;
            GradCheck.check(t -> Attention.scaledDotProductAttention(t[0], t[1], t[2], null, 0, false, null),
                    leaf(new int[] {n, h, l, d}, strided), leaf(new int[] {n, h, s, d}, strided),
                    leaf(new int[] {n, h, s, dv}, !strided));
        }
    }

    @Test
    void sdpaMasksAndCausal() {
        int n = 2, h = 2, l = 3, s = 4, d = 2;
        Tensor bool = boolMask(l, s);
        Tensor additive = Tensor.randn(G, n, h, l, s);
        Tensor perHead = Tensor.randn(G, n * h, l, s);
        Tensor q = leaf(new int[] {n, h, l, d}, true), k = leaf(new int[] {n, h, s, d}, false),
                v = leaf(new int[] {n, h, s, 3}, true);
        GradCheck.check(t -> Attention.scaledDotProductAttention(t[0], t[1], t[2], bool, 0, false, null), q, k, v);
        GradCheck.check(t -> Attention.scaledDotProductAttention(t[0], t[1], t[2], additive, 0, false, null), q, k, v);
        GradCheck.check(t -> Attention.scaledDotProductAttention(t[0], t[1], t[2], perHead, 0, true, null), q, k, v);
        GradCheck.check(t -> Attention.scaledDotProductAttention(t[0], t[1], t[2], null, 0, true, null), q, k, v);
    }

    @Test
    void multiHeadWithPaddingMask() {
        int n = 2, l = 3, s = 4, e = 4, heads = 2;
        Tensor kpm = Tensor.ofLongs(new long[] {0, 0, 0, 1, 0, 1, 1, 0}, n, s);
        Tensor floatKpm = Tensor.randn(G, n, s);
        Tensor q = leaf(new int[] {n, l, e}, true), k = leaf(new int[] {n, s, e}, false), v = leaf(new int[] {n, s, 6}, true);
        GradCheck.check(t -> Attention.multiHead(t[0], t[1], t[2], heads, null, kpm, false, 0, null), q, k, v);
        Tensor mask = boolMask(l, s);
        GradCheck.check(t -> Attention.multiHead(t[0], t[1], t[2], heads, mask, floatKpm, false, 0, null), q, k, v);
        GradCheck.check(t -> Attention.multiHead(t[0], t[1], t[2], heads, null, floatKpm, true, 0, null), q, k, v);
    }

    @Test
    void packedSelfAttention() {
        for (boolean strided : new boolean[] {false, true})
            for (boolean causal : new boolean[] {false, true}) {
                int n = 2, l = 4, e = 6, heads = 3;
                Tensor qkv = leaf(new int[] {n, l, 3 * e}, strided);
                GradCheck.check(t -> Attention.packedSelfAttention(t[0], heads, null, null, causal, 0, null), qkv);
                Tensor kpm = Tensor.ofLongs(new long[] {0, 0, 0, 0, 0, 0, 1, 1}, n, l);
                Tensor mask = boolMask(l, l);
                GradCheck.check(t -> Attention.packedSelfAttention(t[0], heads, mask, kpm, causal, 0, null), qkv);
            }
    }

    @Test
    void causalBlocksOverLongerSequences() {
        // more than one 32-row block, and keys longer / shorter than queries
        Tensor qkv = leaf(new int[] {1, 40, 6}, true);
        GradCheck.check(t -> Attention.packedSelfAttention(t[0], 1, null, null, true, 0, null), qkv);
        for (int[] ls : new int[][] {{35, 38}, {37, 33}}) {
            Tensor q = leaf(new int[] {1, ls[0], 2}, false), k = leaf(new int[] {1, ls[1], 2}, true),
                    v = leaf(new int[] {1, ls[1], 2}, false);
            GradCheck.check(t -> Attention.multiHead(t[0], t[1], t[2], 1, null, null, true, 0, null), q, k, v);
        }
        Tensor q = leaf(new int[] {1, 1, 34, 2}, false), k = leaf(new int[] {1, 1, 34, 2}, false),
                v = leaf(new int[] {1, 1, 34, 2}, false);
        GradCheck.check(t -> Attention.scaledDotProductAttention(t[0], t[1], t[2], null, 0.25, true, new Generator(8)), q, k, v);
    }

    @Test
    void dropoutIsDifferentiableAndMatchesComposedPath() {
        int n = 2, l = 3, e = 4;
        Tensor qkv = leaf(new int[] {n, l, 3 * e}, false);
        GradCheck.check(t -> Attention.packedSelfAttention(t[0], 2, null, null, true, 0.4, new Generator(9)), qkv);
        GradCheck.check(t -> Attention.scaledDotProductAttention(t[0], t[1], t[2], null, 0.3, false, new Generator(4)),
                leaf(new int[] {1, 2, 3, 2}, true), leaf(new int[] {1, 2, 4, 2}, false), leaf(new int[] {1, 2, 4, 2}, false));
        // the fused op and the composed need_weights path draw the same dropout mask from the same seed
        MultiheadAttention mha = new MultiheadAttention(8, 2, 0.5f, true, true, new Generator(1));
        Tensor x = Tensor.randn(G, 2, 5, 8);
        mha.setGenerator(new Generator(77));
        Tensor fused = mha.forward(x);
        mha.setGenerator(new Generator(77));
        Tensor composed = mha.forward(x, x, x, null, true, null).output();
        AttentionTest.assertAllClose(composed, fused, 1e-5f);
        mha.setGenerator(new Generator(78));
        Tensor other = mha.forward(x);
        assertFalse(AttentionTest.allClose(fused, other, 1e-5f), "a different seed must drop different weights");
        mha.eval();
        Tensor evalA = mha.forward(x), evalB = mha.forward(x);
        assertTrue(AttentionTest.allClose(evalA, evalB, 0f), "evaluation mode is deterministic");
    }
}
