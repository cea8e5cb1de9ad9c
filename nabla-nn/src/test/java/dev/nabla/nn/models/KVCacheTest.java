package dev.nabla.nn.models;

import dev.nabla.nn.generate.GptDecoder;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GPT.forwardCached against full re-runs: every position, several prompt lengths, single steps, chunks, cropping. */
class KVCacheTest {
    private static final GPTConfig CFG = new GPTConfig(13, 16, 2, 2, 16, 0.1, true, false);

    private static Tensor tokens(long seed, int b, int t) {
        return Tensor.randint(new Generator(seed), 0, 13, b, t);
    }

    /** Asserts that rows [from, from+len) of full logits [B, T, V] equal cached [B, len, V] within 1e-5. */
    private static void assertRows(Tensor full, int from, Tensor cached, String what) {
        int b = full.size(0), len = cached.size(1), v = full.size(2);
        assertEquals(b, cached.size(0));
        for (int n = 0; n < b; n++)
            for (int i = 0; i < len; i++)
                for (int k = 0; k < v; k++)
                    assertEquals(full.get(n, from + i, k), cached.get(n, i, k), 1e-5,
                            what + ": batch " + n + ", position " + (from + i) + ", logit " + k);
    }

    @Test
    void cachedLogitsEqualFullRerunsAtEveryPosition() {
        GPT gpt = new GPT(CFG, new Generator(7));
        gpt.eval();
        Tensor seq = tokens(8, 2, 16);
        for (int prompt : new int[] {1, 2, 5, 9, 16}) {
            KVCache cache = gpt.newCache(2);
            Tensor cached = gpt.forwardCached(seq.narrow(1, 0, prompt), cache);
            assertRows(gpt.forward(seq.narrow(1, 0, prompt)), 0, cached, "prompt " + prompt);
            assertEquals(prompt, cache.length());
            for (int pos = prompt; pos < Math.min(16, prompt + 6); pos++) {
                Tensor step = gpt.forwardCached(seq.narrow(1, pos, 1), cache);
                assertRows(gpt.forward(seq.narrow(1, 0, pos + 1)), pos, step, "prompt " + prompt + ", step to " + pos);
            }
        }
    }

    @Test
    void chunksAfterCachedPositionsSeeOnlyTheirPast() {
        GPT gpt = new GPT(CFG, new Generator(9));
        gpt.eval();
        Tensor seq = tokens(10, 3, 16);
        KVCache cache = gpt.newCache(3);
        gpt.forwardCached(seq.narrow(1, 0, 3), cache);
        Tensor chunk = gpt.forwardCached(seq.narrow(1, 3, 5), cache); // positions 3..7 at once: a shifted causal mask
        assertRows(gpt.forward(seq.narrow(1, 0, 8)), 3, chunk, "chunk 3..7");
        Tensor rest = gpt.forwardCached(seq.narrow(1, 8, 8), cache);
        assertRows(gpt.forward(seq), 8, rest, "chunk 8..15");
        assertEquals(0, cache.remaining());
        var e = assertThrows(IllegalArgumentException.class, () -> gpt.forwardCached(seq.narrow(1, 0, 1), cache));
        assertTrue(e.getMessage().startsWith("GPT.forwardCached: 1 new tokens after 16 cached positions exceed block_size 16"),
                e.getMessage());
        cache.reset();
        assertRows(gpt.forward(seq.narrow(1, 4, 12)), 0, gpt.forwardCached(seq.narrow(1, 4, 12), cache), "after reset");
    }

    @Test
    void cachedForwardIsInferenceOnlyInAnyMode() {
        GPT gpt = new GPT(CFG, new Generator(11)); // training mode, dropout 0.1
        Tensor seq = tokens(12, 1, 10);
        Tensor cached = gpt.forwardCached(seq, gpt.newCache(1));
        assertFalse(cached.requiresGrad(), "no graph is recorded");
        gpt.eval();
        assertRows(gpt.forward(seq), 0, cached, "no dropout in the cached pass");
    }

    @Test
    void decoderCropsToTheLastBlockLikeNanoGPT() {
        GPT gpt = new GPT(CFG, new Generator(13));
        gpt.eval();
        Tensor seq = tokens(14, 2, 30);
        GptDecoder d = new GptDecoder(gpt);
        Tensor logits = d.prefill(seq.narrow(1, 0, 4));
        for (int len = 4; len <= 30; len++) {
            int from = Math.max(0, len - 16);
            Tensor full = gpt.forward(seq.narrow(1, from, len - from));
            for (int n = 0; n < 2; n++)
                for (int k = 0; k < 13; k++)
                    assertEquals(full.get(n, len - from - 1, k), logits.get(n, k), 1e-5, "length " + len + ", batch " + n);
            if (len < 30) logits = d.step(seq.narrow(1, len, 1));
        }
        // a prompt longer than block_size is cropped too
        Tensor longPrompt = d.prefill(seq.narrow(1, 0, 20));
        Tensor full = gpt.forward(seq.narrow(1, 4, 16));
        for (int k = 0; k < 13; k++) assertEquals(full.get(1, 15, k), longPrompt.get(1, k), 1e-5);
    }

    @Test
    void errors() {
        GPT gpt = new GPT(CFG, new Generator(1));
        KVCache cache = gpt.newCache(2);
        var e = assertThrows(IllegalArgumentException.class, () -> gpt.forwardCached(Tensor.ofLongs(new long[3], 1, 3), cache));
        assertEquals("GPT.forwardCached: expected int64 token indices of shape [2, T] with T >= 1 (the cache's batch), got int64 [1, 3]",
                e.getMessage());
        GPT other = new GPT(new GPTConfig(13, 8, 2, 2, 16, 0.0, true), new Generator(1));
        e = assertThrows(IllegalArgumentException.class, () -> other.forwardCached(Tensor.ofLongs(new long[2], 2, 1), cache));
        assertTrue(e.getMessage().startsWith("GPT.forwardCached: the cache was made for another model"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> gpt.newCache(0));
    }
}
