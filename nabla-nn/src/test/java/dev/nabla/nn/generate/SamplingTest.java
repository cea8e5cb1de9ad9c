package dev.nabla.nn.generate;

import dev.nabla.tensor.Generator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplingTest {
    /** Logits whose softmax is exactly {0.5, 0.3, 0.15, 0.05} (up to rounding), in a shuffled order. */
    private static final float[] LOGITS = {(float) Math.log(0.15), (float) Math.log(0.5), (float) Math.log(0.05),
            (float) Math.log(0.3)};

    private static int[] counts(Sampling s, float[] logits, long seed, int draws) {
        Generator g = new Generator(seed);
        int[] c = new int[logits.length];
        for (int i = 0; i < draws; i++) c[s.sample(logits, 0, logits.length, g)]++;
        return c;
    }

    @Test
    void greedyIsTheArgmaxAndTopKOneIsGreedy() {
        Generator g = new Generator(1);
        for (int trial = 0; trial < 50; trial++) {
            float[] v = new float[17];
            for (int i = 0; i < v.length; i++) v[i] = (float) g.nextGaussian() * 3;
            int best = 0;
            for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
            assertEquals(best, Sampling.greedy().sample(v, 0, v.length, null));
            assertEquals(best, new Sampling(1.5, 1, 1).sample(v, 0, v.length, g), "top_k=1 is greedy at any temperature");
            assertEquals(best, new Sampling(0.7, 1, 0.9).sample(v, 0, v.length, g));
        }
        // ties: the lowest id, as torch.argmax; and offsets are honoured
        float[] tied = {9, 1, 3, 3, 0};
        assertEquals(1, Sampling.greedy().sample(tied, 1, 4, null));
        assertEquals(1, new Sampling(1, 1, 1).sample(tied, 1, 4, new Generator(3)));
    }

    @Test
    void temperatureScalesTheLogits() {
        for (double t : new double[] {0.5, 1, 2}) {
            double[] p = Sampling.temperature(t).probabilities(LOGITS, 0, 4);
            double z = 0;
            for (float l : LOGITS) z += Math.exp(l / t);
            for (int i = 0; i < 4; i++) assertEquals(Math.exp(LOGITS[i] / t) / z, p[i], 1e-12, "T=" + t + ", token " + i);
        }
        double[] p1 = Sampling.temperature(1).probabilities(LOGITS, 0, 4);
        assertArrayEquals(new double[] {0.15, 0.5, 0.05, 0.3}, p1, 1e-6);
        // sampled frequencies follow the distribution
        int[] c = counts(Sampling.temperature(2), LOGITS, 5, 40000);
        double[] p2 = Sampling.temperature(2).probabilities(LOGITS, 0, 4);
        for (int i = 0; i < 4; i++) assertEquals(p2[i], c[i] / 40000.0, 0.01, "token " + i);
        // low temperature concentrates on the arg-max
        assertTrue(Sampling.temperature(0.05).probabilities(LOGITS, 0, 4)[1] > 0.999);
    }

    @Test
    void topKKeepsTheKMostLikely() {
        double[] p = new Sampling(1, 2, 1).probabilities(LOGITS, 0, 4);
        assertArrayEquals(new double[] {0, 0.5 / 0.8, 0, 0.3 / 0.8}, p, 1e-6);
        int[] c = counts(new Sampling(1, 2, 1), LOGITS, 6, 20000);
        assertEquals(0, c[0] + c[2], "dropped tokens are never drawn");
        assertEquals(0.625, c[1] / 20000.0, 0.015);
        assertArrayEquals(Sampling.temperature(1).probabilities(LOGITS, 0, 4), new Sampling(1, 10, 1).probabilities(LOGITS, 0, 4),
                "k larger than the vocabulary keeps everything");
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // sorted: 0.5 (id 1), 0.3 (id 3), 0.15 (id 0), 0.05 (id 2); cumulative 0.5, 0.8, 0.95, 1
        assertArrayEquals(new double[] {0, 1, 0, 0}, new Sampling(1, 0, 0.45).probabilities(LOGITS, 0, 4), 1e-9);
        assertArrayEquals(new double[] {0, 0.5 / 0.8, 0, 0.3 / 0.8}, new Sampling(1, 0, 0.75).probabilities(LOGITS, 0, 4), 1e-6);
        assertArrayEquals(new double[] {0.15 / 0.95, 0.5 / 0.95, 0, 0.3 / 0.95},
                new Sampling(1, 0, 0.9).probabilities(LOGITS, 0, 4), 1e-6);
        assertArrayEquals(new double[] {0.15, 0.5, 0.05, 0.3}, new Sampling(1, 0, 1).probabilities(LOGITS, 0, 4), 1e-6);
        // after top-k the nucleus is taken over the renormalised kept tokens: 0.625, 0.375 -> p=0.6 keeps one
        assertArrayEquals(new double[] {0, 1, 0, 0}, new Sampling(1, 2, 0.6).probabilities(LOGITS, 0, 4), 1e-9);
        int[] c = counts(new Sampling(1, 0, 0.75), LOGITS, 7, 20000);
        assertEquals(0, c[0] + c[2]);
        assertEquals(0.625, c[1] / 20000.0, 0.015);
    }

    @Test
    void aSeedGivesTheSameDraws() {
        Sampling s = new Sampling(0.9, 3, 0.95);
        float[] v = {0.1f, 1.2f, -0.3f, 0.8f, 0.7f, 0.2f};
        int[] a = new int[200], b = new int[200], c = new int[200];
        Generator ga = new Generator(42), gb = new Generator(42), gc = new Generator(43);
        for (int i = 0; i < 200; i++) {
            a[i] = s.sample(v, 0, 6, ga);
            b[i] = s.sample(v, 0, 6, gb);
            c[i] = s.sample(v, 0, 6, gc);
        }
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    @Test
    void errors() {
        assertEquals("sampling: temperature must be a finite number >= 0 (0 = greedy), got -1.0",
                assertThrows(IllegalArgumentException.class, () -> new Sampling(-1, 0, 1)).getMessage());
        assertEquals("sampling: top_k must be >= 0 (0 = off), got -2",
                assertThrows(IllegalArgumentException.class, () -> new Sampling(1, -2, 1)).getMessage());
        assertEquals("sampling: top_p must be in (0, 1] (1 = off), got 0.0",
                assertThrows(IllegalArgumentException.class, () -> new Sampling(1, 0, 0)).getMessage());
        assertEquals("sampling: logit 1 is NaN (the model's output is not finite)", assertThrows(IllegalArgumentException.class,
                () -> Sampling.greedy().sample(new float[] {0, Float.NaN}, 0, 2, null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sampling.temperature(1).sample(new float[] {0, 1}, 0, 2, null));
    }
}
