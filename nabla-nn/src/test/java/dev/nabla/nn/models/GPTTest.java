package dev.nabla.nn.models;

import dev.nabla.autograd.NoGrad;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GPT structure, nanoGPT names and init, weight tying, dropout, training and errors (values: AttentionOracleTest). */
class GPTTest {
    private static final GPTConfig TINY = new GPTConfig(11, 8, 2, 2, 16, 0.0, true, false);

    private static double std(Tensor t) {
        float[] v = t.toFloatArray();
        double s = 0, s2 = 0;
        for (float x : v) { s += x; s2 += x * x; }
        double m = s / v.length;
        return Math.sqrt(s2 / v.length - m * m);
    }

    @Test
    void stateDictNamesAreNanoGPTs() {
        GPT gpt = new GPT(new GPTConfig(11, 8, 1, 2, 16, 0.0, true, false), new Generator(1));
        assertEquals(List.of("transformer.wte.weight", "transformer.wpe.weight",
                "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias",
                "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias",
                "transformer.h.0.attn.c_proj.weight", "transformer.h.0.attn.c_proj.bias",
                "transformer.h.0.ln_2.weight", "transformer.h.0.ln_2.bias",
                "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_fc.bias",
                "transformer.h.0.mlp.c_proj.weight", "transformer.h.0.mlp.c_proj.bias",
                "transformer.ln_f.weight", "transformer.ln_f.bias", "lm_head.weight"),
                new ArrayList<>(gpt.stateDict().keySet()));
        var sd = gpt.stateDict();
        assertArrayEquals(new int[] {48, 16}, sd.get("transformer.h.0.attn.c_attn.weight").shape());
        assertArrayEquals(new int[] {64, 16}, sd.get("transformer.h.0.mlp.c_fc.weight").shape());
        assertArrayEquals(new int[] {11, 16}, sd.get("lm_head.weight").shape());
        String repr = gpt.toString();
        assertTrue(repr.startsWith("GPT(\n  (transformer): Transformer(\n    (wte): Embedding(11, 16)"), repr);
        assertTrue(repr.contains("(c_attn): Linear(in_features=16, out_features=48, bias=True)"), repr);
        assertTrue(repr.endsWith("(lm_head): Linear(in_features=16, out_features=11, bias=False)\n)"), repr);
        GPT noBias = new GPT(new GPTConfig(11, 8, 1, 2, 16, 0.0, false, false), new Generator(1));
        assertTrue(noBias.stateDict().keySet().stream().noneMatch(k -> k.endsWith(".bias")));
    }

    @Test
    void initialisationFollowsNanoGPT() {
        GPT gpt = new GPT(new GPTConfig(300, 64, 4, 4, 64, 0.0, true, false), new Generator(3));
        var sd = gpt.stateDict();
        assertEquals(0.02, std(sd.get("transformer.wte.weight")), 0.002);
        assertEquals(0.02, std(sd.get("transformer.h.1.attn.c_attn.weight")), 0.002);
        assertEquals(0.02, std(sd.get("lm_head.weight")), 0.002);
        double proj = 0.02 / Math.sqrt(8);
        assertEquals(proj, std(sd.get("transformer.h.2.attn.c_proj.weight")), 0.001);
        assertEquals(proj, std(sd.get("transformer.h.0.mlp.c_proj.weight")), 0.0008);
        for (float f : sd.get("transformer.h.3.mlp.c_fc.bias").toFloatArray()) assertEquals(0f, f);
        for (float f : sd.get("transformer.ln_f.weight").toFloatArray()) assertEquals(1f, f);
        for (float f : sd.get("transformer.h.0.ln_2.bias").toFloatArray()) assertEquals(0f, f);
        GPT same = new GPT(new GPTConfig(300, 64, 4, 4, 64, 0.0, true, false), new Generator(3));
        assertArrayEquals(sd.get("transformer.h.2.attn.c_proj.weight").toFloatArray(),
                same.stateDict().get("transformer.h.2.attn.c_proj.weight").toFloatArray(), "same seed, same weights");
    }

    @Test
    void tiedHeadSharesTheEmbedding() {
        GPTConfig cfg = new GPTConfig(11, 8, 1, 2, 16, 0.0, false);
        assertTrue(cfg.tieWeights(), "tied by default, as nanoGPT");
        GPT gpt = new GPT(cfg, new Generator(1));
        Tensor wte = gpt.namedParameters().get("transformer.wte.weight");
        assertTrue(gpt.stateDict().containsKey("lm_head.weight"));
        assertTrue(!gpt.namedParameters().containsKey("lm_head.weight"), "a shared tensor is listed once");
        assertSame(wte, gpt.namedModules().get("lm_head").namedParameters().get("weight"));
        Tensor idx = Tensor.ofLongs(new long[] {1, 2, 3, 4}, 1, 4);
        gpt.loss(idx, Tensor.ofLongs(new long[] {2, 3, 4, 5}, 1, 4)).backward();
        // the shared weight gets both the embedding rows' and the head's gradient: every row is touched by the head
        float[] g = wte.grad().toFloatArray();
        for (int row = 0; row < 11; row++) {
            double norm = 0;
            for (int c = 0; c < 16; c++) norm += Math.abs(g[row * 16 + c]);
            assertTrue(norm > 0, "row " + row + " of the tied weight has a gradient");
        }
    }

    @Test
    void forwardShapesAndCausality() {
        GPT gpt = new GPT(TINY, new Generator(2));
        gpt.eval();
        Tensor a = Tensor.ofLongs(new long[] {1, 2, 3, 4, 5, 6}, 1, 6);
        Tensor b = Tensor.ofLongs(new long[] {1, 2, 3, 9, 9, 9}, 1, 6);
        Tensor la = gpt.forward(a), lb = gpt.forward(b);
        assertArrayEquals(new int[] {1, 6, 11}, la.shape());
        float[] x = la.toFloatArray(), y = lb.toFloatArray();
        for (int i = 0; i < 3 * 11; i++) assertEquals(x[i], y[i], 0f, "positions before the change see the same prefix");
        assertNotEquals(x[3 * 11], y[3 * 11]);
    }

    @Test
    void dropoutTrainsAndEvaluationIsDeterministic() {
        GPT gpt = new GPT(new GPTConfig(11, 8, 2, 2, 16, 0.2, true, false), new Generator(4));
        Tensor idx = Tensor.ofLongs(new long[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 8);
        Tensor t1 = gpt.forward(idx), t2 = gpt.forward(idx);
        assertTrue(!java.util.Arrays.equals(t1.toFloatArray(), t2.toFloatArray()), "dropout draws anew each step");
        gpt.eval();
        assertArrayEquals(gpt.forward(idx).toFloatArray(), gpt.forward(idx).toFloatArray());
    }

    @Test
    void gradientDescentLowersTheLoss() {
        GPT gpt = new GPT(TINY, new Generator(5));
        Generator g = new Generator(6);
        Tensor idx = Tensor.randint(g, 0, 11, 4, 8), targets = Tensor.randint(g, 0, 11, 4, 8);
        float first = 0, last = 0;
        for (int step = 0; step < 40; step++) {
            gpt.zeroGrad();
            Tensor loss = gpt.loss(idx, targets);
            if (step == 0) first = loss.item();
            last = loss.item();
            loss.backward();
            try (var _ = NoGrad.enter()) {
                for (Tensor p : gpt.parameters()) p.add_(p.grad(), -0.5f);
            }
        }
        assertEquals(Math.log(11), first, 0.2, "an untrained model predicts roughly uniformly");
        assertTrue(last < 0.6 * first, "loss " + first + " -> " + last);
    }

    @Test
    void errors() {
        GPT gpt = new GPT(TINY, new Generator(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> gpt.forward(Tensor.ofLongs(new long[9], 1, 9)));
        assertEquals("GPT: cannot forward a sequence of length 9, block_size is only 8 (input [1, 9])", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> gpt.forward(Tensor.zeros(1, 4)));
        assertEquals("GPT: expected int64 token indices of shape [B, T], got float32 [1, 4]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> gpt.loss(Tensor.ofLongs(new long[4], 1, 4), Tensor.ofLongs(new long[3], 1, 3)));
        assertEquals("GPT.loss: targets must be int64 of the same shape as idx [1, 4], got int64 [1, 3]", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> gpt.forward(Tensor.ofLongs(new long[] {3, 11}, 1, 2)));
        e = assertThrows(IllegalArgumentException.class, () -> new GPTConfig(11, 8, 2, 3, 16, 0.0, true));
        assertEquals("GPTConfig: n_embd must be divisible by n_head, got n_embd=16, n_head=3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GPTConfig(0, 8, 2, 2, 16, 0.0, true));
        assertEquals("GPTConfig: vocab_size must be positive, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GPTConfig(11, 8, 2, 2, 16, 1.0, true));
        assertEquals("GPTConfig: dropout must be in [0, 1), got 1.0", e.getMessage());
    }
}
