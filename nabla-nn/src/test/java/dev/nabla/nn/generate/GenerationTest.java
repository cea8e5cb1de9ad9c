package dev.nabla.nn.generate;

import dev.nabla.nn.Module;
import dev.nabla.nn.layers.Embedding;
import dev.nabla.nn.layers.GRU;
import dev.nabla.nn.layers.LSTM;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.layers.RNN;
import dev.nabla.nn.layers.ReLU;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.nn.layers.TransformerEncoderLayer;
import dev.nabla.nn.models.GPT;
import dev.nabla.nn.models.GPTConfig;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenerationTest {
    private static final int V = 11;

    /** nanoGPT's generate loop, written out: re-run the cropped context every step, sample from the last position. */
    private static long[] naive(Module model, long[] prompt, int n, int blockSize, Sampling s, Generator g) {
        long[] out = java.util.Arrays.copyOf(prompt, prompt.length + n);
        for (int i = 0; i < n; i++) {
            int len = prompt.length + i, t = blockSize > 0 ? Math.min(len, blockSize) : len;
            Tensor logits = model.forward(Tensor.ofLongs(java.util.Arrays.copyOfRange(out, len - t, len), 1, t));
            out[len] = s.sample(logits.contiguous().toFloatArray(), (t - 1) * V, V, g);
        }
        return out;
    }

    private static Sequential lstmLm(long seed, Module recurrent) {
        Generator g = new Generator(seed);
        return new Sequential(new Embedding(V, 6, g), recurrent, new Linear(12, V, g));
    }

    @Test
    void gptWithTheCacheGeneratesWhatFullRerunsGenerate() {
        GPT gpt = new GPT(new GPTConfig(V, 8, 2, 2, 16, 0.0, true), new Generator(3));
        gpt.eval();
        long[] prompt = {1, 4, 2};
        for (Sampling s : List.of(Sampling.greedy(), new Sampling(1.0, 0, 1), new Sampling(0.8, 5, 0.9))) {
            long[] cached = Generation.generate(gpt, prompt, 20, s, new Generator(99)); // 23 tokens: crosses block_size 8
            long[] slow = naive(gpt, prompt, 20, 8, s, new Generator(99));
            assertArrayEquals(slow, cached, s.toString());
            assertArrayEquals(cached, Generation.generate(gpt, prompt, 20, s, new Generator(99)), "a seed repeats");
        }
        long[] a = Generation.generate(gpt, prompt, 30, Sampling.temperature(1.5), new Generator(1));
        long[] b = Generation.generate(gpt, prompt, 30, Sampling.temperature(1.5), new Generator(2));
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b), "other seeds, other text");
    }

    @Test
    void batchesOfPromptsAndTrainingModeIsRestored() {
        GPT gpt = new GPT(new GPTConfig(V, 8, 1, 2, 8, 0.2, true), new Generator(4));
        Tensor prompts = Tensor.ofLongs(new long[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor out = Generation.generate(gpt, prompts, 6, Sampling.greedy(), null);
        assertArrayEquals(new int[] {2, 9}, out.shape());
        assertTrue(gpt.isTraining(), "the mode is restored");
        gpt.eval();
        for (int n = 0; n < 2; n++) {
            long[] one = Generation.generate(gpt, new long[] {1 + 3 * n, 2 + 3 * n, 3 + 3 * n}, 6, Sampling.greedy(), null);
            for (int i = 0; i < 9; i++) assertEquals(one[i], out.getLong(n, i), "row " + n + ", position " + i);
        }
        assertArrayEquals(new long[] {1, 2}, Generation.generate(gpt, new long[] {1, 2}, 0, Sampling.greedy(), null));
    }

    @Test
    void recurrentModelsCarryTheirStateStepByStep() {
        Generator g = new Generator(5);
        List<Module> cells = List.of(new LSTM(6, 12, 2, true, true, 0f, false, g), new GRU(6, 12, 1, true, true, 0f, false, g),
                new RNN(6, 12, 2, "tanh", true, true, 0f, false, g));
        Tensor seq = Tensor.randint(new Generator(6), 0, V, 2, 12);
        for (Module cell : cells) {
            Sequential lm = lstmLm(7, cell);
            lm.eval();
            Decoder d = Generation.decoderFor(lm);
            assertInstanceOf(RecurrentDecoder.class, d);
            Tensor logits = d.prefill(seq.narrow(1, 0, 3));
            for (int len = 3; len <= 12; len++) {
                Tensor full = lm.forward(seq.narrow(1, 0, len));
                for (int n = 0; n < 2; n++)
                    for (int k = 0; k < V; k++)
                        assertEquals(full.get(n, len - 1, k), logits.get(n, k), 1e-5, cell.name() + ", length " + len);
                if (len < 12) logits = d.step(seq.narrow(1, len, 1));
            }
            Sampling s = new Sampling(1.0, 4, 0.95);
            assertArrayEquals(naive(lm, new long[] {3, 1}, 15, 0, s, new Generator(8)),
                    Generation.generate(lm, new long[] {3, 1}, 15, s, new Generator(8)), cell.name());
        }
    }

    @Test
    void decoderChoiceAndErrors() {
        Generator g = new Generator(9);
        Sequential timeMajor = lstmLm(1, new LSTM(6, 12, 1, true, false, 0f, false, g));
        assertInstanceOf(FullContextDecoder.class, Generation.decoderFor(timeMajor));
        var e = assertThrows(IllegalArgumentException.class, () -> new RecurrentDecoder(timeMajor));
        assertEquals("RecurrentDecoder: layer 1 (LSTM) must have batch_first=True to read token sequences [B, T, features]",
                e.getMessage());
        Sequential bi = new Sequential(new Embedding(V, 6, g), new GRU(6, 6, 1, true, true, 0f, true, g), new Linear(12, V, g));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RecurrentDecoder(bi)).getMessage().contains("bidirectional"));
        Sequential attn = new Sequential(new Embedding(V, 8, g),
                new TransformerEncoderLayer(8, 2, 16, 0f, "relu", 1e-5, true, false, g), new Linear(8, V, g));
        assertInstanceOf(FullContextDecoder.class, Generation.decoderFor(attn));
        attn.eval();
        assertArrayEquals(naive(attn, new long[] {2}, 5, 0, Sampling.greedy(), null),
                Generation.generate(attn, new long[] {2}, 5, Sampling.greedy(), null));
        Sequential mlp = new Sequential(new Embedding(V, 8, g), new ReLU(), new Linear(8, V, g));
        assertInstanceOf(FullContextDecoder.class, Generation.decoderFor(mlp), "no recurrent layer");
        e = assertThrows(IllegalArgumentException.class, () -> Generation.generate(mlp, new long[0], 3, Sampling.greedy(), null));
        assertEquals("generate: the prompt needs at least one token", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Generation.generate(mlp, new long[] {1}, 3, Sampling.temperature(1), null));
        assertEquals("generate: a Generator is needed to sample (temperature > 0)", e.getMessage());
        assertThrows(IllegalStateException.class, () -> new GptDecoder(new GPT(new GPTConfig(V, 4, 1, 1, 4, 0, true), g))
                .step(Tensor.ofLongs(new long[] {1}, 1, 1)));
    }
}
