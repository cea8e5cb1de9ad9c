package dev.nabla.nn.layers;

import dev.nabla.autograd.NoGrad;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Attention op semantics beyond the oracle, module structure and init, and error messages. */
class AttentionTest {
    private static final Generator G = new Generator(11);

    static boolean allClose(Tensor a, Tensor b, float tol) {
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        if (x.length != y.length) return false;
        for (int i = 0; i < x.length; i++) if (!(Math.abs(x[i] - y[i]) <= tol)) return false;
        return true;
    }

    static void assertAllClose(Tensor expected, Tensor actual, float tol) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), tol);
    }

    /** softmax(q·kᵀ/√d + mask)·v from plain loops over [N, H, L, D] arrays. */
    private static float[] reference(Tensor q, Tensor k, Tensor v, float[] addMask, boolean causal) {
        int n = q.size(0), h = q.size(1), l = q.size(2), d = q.size(3), s = k.size(2), dv = v.size(3);
        float[] out = new float[n * h * l * dv];
        for (int b = 0; b < n; b++)
            for (int hh = 0; hh < h; hh++)
                for (int i = 0; i < l; i++) {
                    double[] sc = new double[s];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < s; j++) {
                        double dot = 0;
                        for (int p = 0; p < d; p++) dot += q.get(b, hh, i, p) * k.get(b, hh, j, p);
                        sc[j] = dot / Math.sqrt(d) + (addMask == null ? 0 : addMask[i * s + j]) + (causal && j > i ? Double.NEGATIVE_INFINITY : 0);
                        max = Math.max(max, sc[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < s; j++) sum += (sc[j] = Math.exp(sc[j] - max));
                    for (int c = 0; c < dv; c++) {
                        double acc = 0;
                        for (int j = 0; j < s; j++) acc += sc[j] / sum * v.get(b, hh, j, c);
                        out[((b * h + hh) * l + i) * dv + c] = (float) acc;
                    }
                }
        return out;
    }

    @Test
    void forwardMatchesPlainLoopsForLargerSizes() {
        // sizes that make the op split its (batch, head) pairs over threads
        int n = 3, h = 4, l = 40, s = 40, d = 16;
        Tensor q = Tensor.randn(G, n, h, l, d), k = Tensor.randn(G, n, h, s, d), v = Tensor.randn(G, n, h, s, d);
        float[] mask = Tensor.randn(G, l, s).toFloatArray();
        Tensor out = Attention.scaledDotProductAttention(q, k, v, Tensor.of(mask.clone(), l, s), 0, true, null);
        assertArrayEquals(new int[] {n, h, l, d}, out.shape());
        assertArrayEquals(reference(q, k, v, mask, true), out.toFloatArray(), 2e-5f);
        Tensor plain = Attention.scaledDotProductAttention(q, k, v, null, 0, false, null);
        assertArrayEquals(reference(q, k, v, null, false), plain.toFloatArray(), 2e-5f);
        Tensor kShort = k.narrow(2, 0, 30), vShort = v.narrow(2, 0, 30); // S < L, causal
        assertArrayEquals(reference(q, kShort, vShort, null, true),
                Attention.scaledDotProductAttention(q, kShort, vShort, null, 0, true, null).toFloatArray(), 2e-5f);
    }

    @Test
    void boolMaskEqualsMinusInfinityAndFullyMaskedRowIsNaN() {
        Tensor q = Tensor.randn(G, 1, 1, 2, 3), k = Tensor.randn(G, 1, 1, 3, 3), v = Tensor.randn(G, 1, 1, 3, 2);
        Tensor bool = Tensor.ofLongs(new long[] {0, 1, 0, 1, 1, 1}, 2, 3);
        float inf = Float.NEGATIVE_INFINITY;
        Tensor additive = Tensor.of(new float[] {0, inf, 0, inf, inf, inf}, 2, 3);
        Tensor a = Attention.scaledDotProductAttention(q, k, v, bool, 0, false, null);
        Tensor b = Attention.scaledDotProductAttention(q, k, v, additive, 0, false, null);
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        assertEquals(x[0], y[0], 0f);
        assertEquals(x[1], y[1], 0f);
        assertTrue(Float.isNaN(x[2]) && Float.isNaN(x[3]), "a row with every key masked is NaN, as in PyTorch");
    }

    @Test
    void fusedAndComposedPathsAgreeWithGradients() {
        MultiheadAttention mha = new MultiheadAttention(12, 3, 0f, true, false, new Generator(3));
        Tensor x = Tensor.randn(G, 6, 2, 12).requiresGrad(true);
        Tensor kpm = Tensor.ofLongs(new long[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, 2, 6);
        Tensor w = Tensor.randn(G, 6, 2, 12);
        Tensor fused = mha.forward(x, x, x, kpm, false, null, true, true).output();
        fused.mul(w).sum().backward();
        float[] gFused = x.grad().toFloatArray(), gW = mha.inProjWeight().grad().toFloatArray();
        x.setGrad(null);
        mha.zeroGrad();
        var composed = mha.forward(x, x, x, kpm, true, null, true, true);
        composed.output().mul(w).sum().backward();
        assertAllClose(composed.output(), fused, 1e-5f);
        assertArrayEquals(x.grad().toFloatArray(), gFused, 1e-5f);
        assertArrayEquals(mha.inProjWeight().grad().toFloatArray(), gW, 1e-5f);
        assertArrayEquals(new int[] {2, 6, 6}, composed.weights().shape());
        // each averaged weight row is a distribution over the unmasked, non-future keys
        float[] p = composed.weights().toFloatArray();
        for (int row = 0; row < 12; row++) {
            double sum = 0;
            for (int j = 0; j < 6; j++) sum += p[row * 6 + j];
            assertEquals(1.0, sum, 1e-5);
        }
        assertEquals(0f, p[5 * 6 + 5 + 36], 0f); // batch 1, query 5, padded key 5
        assertEquals(0f, p[0 * 6 + 1], 0f); // batch 0, query 0 cannot see key 1
    }

    @Test
    void noGradForwardSavesNothingAndStillComputes() {
        MultiheadAttention mha = new MultiheadAttention(8, 2, new Generator(3));
        Tensor x = Tensor.randn(G, 4, 3, 8);
        Tensor withGrad = mha.forward(x);
        try (var _ = NoGrad.enter()) {
            Tensor y = mha.forward(x);
            assertNull(y.gradFn());
            assertAllClose(withGrad, y, 0f);
        }
    }

    @Test
    void multiheadAttentionStructureAndInit() {
        MultiheadAttention mha = new MultiheadAttention(16, 4, 0.1f, true, true, new Generator(5));
        assertEquals(List.of("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"),
                List.copyOf(mha.stateDict().keySet()));
        assertArrayEquals(new int[] {48, 16}, mha.inProjWeight().shape());
        double bound = Math.sqrt(6.0 / (16 + 48));
        float max = 0;
        for (float f : mha.inProjWeight().toFloatArray()) max = Math.max(max, Math.abs(f));
        assertTrue(max <= bound && max > 0.8 * bound, "xavier_uniform bound " + bound + ", max " + max);
        for (float f : mha.inProjBias().toFloatArray()) assertEquals(0f, f);
        for (float f : mha.outProj().bias().toFloatArray()) assertEquals(0f, f);
        MultiheadAttention noBias = new MultiheadAttention(8, 2, 0f, false, false, new Generator(5));
        assertEquals(List.of("in_proj_weight", "out_proj.weight"), List.copyOf(noBias.stateDict().keySet()));
        assertTrue(mha.toString().startsWith("MultiheadAttention(\n  embed_dim=16, num_heads=4, dropout=0.1, batch_first=True"));
    }

    @Test
    void encoderLayerStructure() {
        TransformerEncoderLayer enc = new TransformerEncoderLayer(8, 2, 16, 0.1f, "gelu", 1e-5, true, true, new Generator(1));
        assertEquals(List.of("self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"),
                List.copyOf(enc.namedChildren().keySet()));
        assertEquals(List.of("self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
                "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"), List.copyOf(enc.stateDict().keySet()));
        Tensor x = Tensor.randn(G, 2, 5, 8);
        Tensor train = enc.forward(x); // dropout active, drawn from the constructor's Generator
        enc.eval();
        Tensor eval = enc.forward(x);
        assertArrayEquals(new int[] {2, 5, 8}, train.shape());
        assertFalse(allClose(train, eval, 1e-6f), "training-mode dropout changes the output");
    }

    @Test
    void positionalEncodings() {
        SinusoidalPositionalEncoding sin = new SinusoidalPositionalEncoding(4, 10, true);
        assertTrue(sin.stateDict().isEmpty(), "the table is a non-persistent buffer");
        assertEquals(List.of("pe"), List.copyOf(sin.namedBuffers().keySet()));
        // position 3, pair 1: angle 3 / 10000^(2/4) = 0.03
        assertEquals((float) Math.sin(0.03), sin.pe().get(3, 2), 1e-7f);
        assertEquals((float) Math.cos(0.03), sin.pe().get(3, 3), 1e-7f);
        SinusoidalPositionalEncoding odd = new SinusoidalPositionalEncoding(5, 4, false);
        assertEquals((float) Math.sin(2 * Math.exp(-Math.log(10000) * 4 / 5)), odd.pe().get(2, 4), 1e-7f);
        LearnedPositionalEncoding learned = new LearnedPositionalEncoding(6, 3, true, new Generator(2));
        assertEquals(List.of("embedding.weight"), List.copyOf(learned.stateDict().keySet()));
        Tensor x = Tensor.zeros(2, 4, 3);
        assertAllClose(learned.positions(4).unsqueeze(0).expand(2, 4, 3), learned.forward(x), 0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sin.forward(Tensor.zeros(1, 11, 4)));
        assertEquals("SinusoidalPositionalEncoding: sequence length 11 exceeds max_len 10 (input [1, 11, 4])", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> learned.forward(Tensor.zeros(2, 4, 5)));
        assertTrue(e.getMessage().startsWith("LearnedPositionalEncoding: expected input of shape [N, T, 3], got [2, 4, 5]"));
    }

    private static void assertError(String start, Runnable r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().startsWith(start), "message: " + e.getMessage());
    }

    @Test
    void errors() {
        Tensor q = Tensor.randn(G, 1, 2, 3, 4), k = Tensor.randn(G, 1, 2, 5, 4), v = Tensor.randn(G, 1, 2, 5, 4);
        assertError("scaled_dot_product_attention: expected 4-D query [N, H, L, D]",
                () -> Attention.scaledDotProductAttention(q.select(0, 0), k, v, null, 0, false, null));
        assertError("scaled_dot_product_attention: query, key and value do not match",
                () -> Attention.scaledDotProductAttention(q, k, Tensor.randn(G, 1, 2, 4, 4), null, 0, false, null));
        assertError("scaled_dot_product_attention: attn_mask must have shape [L, S] = [3, 5] or [N*num_heads, L, S] = [2, 3, 5], got [5, 3]",
                () -> Attention.scaledDotProductAttention(q, k, v, Tensor.zeros(5, 3), 0, false, null));
        assertError("scaled_dot_product_attention: a Generator is required for attention dropout",
                () -> Attention.scaledDotProductAttention(q, k, v, null, 0.5, false, null));
        assertError("scaled_dot_product_attention: dropout_p must be in [0, 1], got 1.5",
                () -> Attention.scaledDotProductAttention(q, k, v, null, 1.5, false, new Generator(1)));
        assertError("scaled_dot_product_attention: expected float32 inputs, got int64",
                () -> Attention.scaledDotProductAttention(Tensor.ofLongs(new long[24], 1, 2, 3, 4), k, v, null, 0, false, null));
        assertError("self_attention: expected a packed projection [N, L, 3E], got [2, 3, 8]",
                () -> Attention.packedSelfAttention(Tensor.zeros(2, 3, 8), 2, null, null, false, 0, null));
        assertError("self_attention: embed_dim 4 must be divisible by num_heads 3",
                () -> Attention.packedSelfAttention(Tensor.zeros(2, 3, 12), 3, null, null, false, 0, null));
        assertError("multi_head_attention: key_padding_mask must have shape [N, S] = [2, 4], got [4, 2]",
                () -> Attention.multiHead(Tensor.zeros(2, 3, 4), Tensor.zeros(2, 4, 4), Tensor.zeros(2, 4, 4), 2, null,
                        Tensor.zeros(4, 2), false, 0, null));
        assertError("MultiheadAttention: embed_dim must be divisible by num_heads, got embed_dim=10, num_heads=4",
                () -> new MultiheadAttention(10, 4, new Generator(1)));
        MultiheadAttention mha = new MultiheadAttention(8, 2, new Generator(1));
        assertError("MultiheadAttention: expected embed_dim=8 features in the last dim",
                () -> mha.forward(Tensor.zeros(3, 2, 6)));
        assertError("MultiheadAttention: query, key and value must have the same batch size",
                () -> mha.forward(Tensor.zeros(3, 2, 8), Tensor.zeros(4, 3, 8), Tensor.zeros(4, 3, 8)));
        assertError("MultiheadAttention: key and value must have the same sequence length",
                () -> mha.forward(Tensor.zeros(3, 2, 8), Tensor.zeros(4, 2, 8), Tensor.zeros(5, 2, 8)));
        assertError("MultiheadAttention: takes 1 (self-attention) or 3 (query, key, value) inputs, got 2",
                () -> mha.forward(Tensor.zeros(3, 2, 8), Tensor.zeros(3, 2, 8)));
        assertError("TransformerEncoderLayer: activation should be relu/gelu, not tanh",
                () -> new TransformerEncoderLayer(8, 2, 16, 0f, "tanh", 1e-5, true, false, new Generator(1)));
    }
}
