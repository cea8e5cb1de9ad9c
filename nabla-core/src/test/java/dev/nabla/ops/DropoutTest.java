package dev.nabla.ops;

import dev.nabla.autograd.NoGrad;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Dropout cannot be compared with PyTorch element by element (different RNG), so these tests check
 * its statistics, its determinism for a seed, its gradient and its identity cases.
 */
class DropoutTest {
    private static final int N = 200_001; // odd: the last element takes the single-draw path

    private static int kept(float[] v) {
        int k = 0;
        for (float f : v) if (f != 0) k++;
        return k;
    }

    @ParameterizedTest
    @ValueSource(floats = {0.05f, 0.3f, 0.5f, 0.9f})
    void keepsAFractionOneMinusPAndScalesTheRest(float p) {
        Tensor x = Tensor.ones(N);
        float[] out = Functional.dropout(x, p, true, new Generator(11)).toFloatArray();
        double q = 1 - p, sd = Math.sqrt(N * p * q);
        int k = kept(out);
        assertTrue(Math.abs(k - N * q) < 5 * sd, "kept " + k + " of " + N + ", expected about " + N * q);
        float scale = 1f / (1f - p);
        for (float v : out) assertTrue(v == 0f || v == scale, "value " + v + " is neither 0 nor 1/(1-p)");
        // the mean is preserved: E[out] = 1, with standard error sqrt(p / (1-p) / N)
        double mean = 0;
        for (float v : out) mean += v;
        mean /= N;
        assertEquals(1.0, mean, 5 * Math.sqrt(p / q / N));
        // neighbours (which share a 64-bit draw) are independent: both kept with probability (1-p)^2
        int both = 0, pairs = N / 2;
        for (int i = 0; i + 1 < N; i += 2) if (out[i] != 0 && out[i + 1] != 0) both++;
        double pb = q * q;
        assertTrue(Math.abs(both - pairs * pb) < 5 * Math.sqrt(pairs * pb * (1 - pb)), "pairs both kept: " + both);
    }

    @Test
    void scalesTheInputValues() {
        Tensor x = Tensor.randn(new Generator(3), 50, 40);
        float[] xv = x.toFloatArray(), out = Functional.dropout(x, 0.25f, true, new Generator(5)).toFloatArray();
        for (int i = 0; i < xv.length; i++) if (out[i] != 0) assertEquals(xv[i] / 0.75f, out[i], 1e-6f * Math.abs(out[i]));
        assertTrue(kept(out) > 0 && kept(out) < xv.length);
    }

    @Test
    void sameSeedSameMaskAndTheGeneratorAdvances() {
        Tensor x = Tensor.ones(1000);
        float[] a = Functional.dropout(x, 0.5f, true, new Generator(42)).toFloatArray();
        float[] b = Functional.dropout(x, 0.5f, true, new Generator(42)).toFloatArray();
        assertArrayEquals(a, b);
        Generator g = new Generator(42);
        float[] first = Functional.dropout(x, 0.5f, true, g).toFloatArray();
        float[] second = Functional.dropout(x, 0.5f, true, g).toFloatArray();
        assertArrayEquals(a, first);
        assertFalse(java.util.Arrays.equals(first, second), "a second call must draw a new mask");
        assertFalse(java.util.Arrays.equals(a, Functional.dropout(x, 0.5f, true, new Generator(43)).toFloatArray()));
    }

    @Test
    void gradientIsTheMaskTimesTheScale() {
        Tensor x = Tensor.randn(new Generator(1), 7, 9).requiresGrad(true);
        float p = 0.4f;
        Tensor y = Functional.dropout(x, p, true, new Generator(8));
        Tensor w = Tensor.randn(new Generator(2), 7, 9);
        y.backward(w);
        float[] out = y.toFloatArray(), xv = x.toFloatArray(), wv = w.toFloatArray(), gx = x.grad().toFloatArray();
        for (int i = 0; i < out.length; i++) {
            boolean keptHere = out[i] != 0 || xv[i] == 0;
            assertEquals(keptHere ? wv[i] / (1 - p) : 0f, gx[i], 1e-6f, "element " + i);
        }
    }

    @Test
    void keptElementWithZeroValueStillPassesGradient() {
        Tensor x = Tensor.zeros(64).requiresGrad(true);
        Tensor y = Functional.dropout(x, 0.5f, true, new Generator(9));
        y.sum().backward();
        float[] g = x.grad().toFloatArray();
        int twos = 0;
        for (float v : g) {
            assertTrue(v == 0f || v == 2f);
            if (v == 2f) twos++;
        }
        assertTrue(twos > 10 && twos < 54, "kept " + twos + " of 64");
        // the same seed without gradients draws the same mask: the kept positions match
        Tensor ones = Tensor.ones(64);
        float[] again = Functional.dropout(ones, 0.5f, true, new Generator(9)).toFloatArray();
        for (int i = 0; i < 64; i++) assertEquals(g[i], again[i]);
    }

    @Test
    void nonContiguousInputUsesRowMajorOrder() {
        Tensor base = Tensor.randn(new Generator(4), 6, 5);
        Tensor t = base.t();
        assertFalse(t.isContiguous());
        float[] a = Functional.dropout(t, 0.3f, true, new Generator(77)).toFloatArray();
        float[] b = Functional.dropout(t.contiguous(), 0.3f, true, new Generator(77)).toFloatArray();
        assertArrayEquals(b, a);
    }

    @Test
    void identityInEvalModeOrWithPZero() {
        Tensor x = Tensor.randn(new Generator(1), 4, 4).requiresGrad(true);
        assertSame(x, Functional.dropout(x, 0.5f, false, new Generator(1)));
        assertSame(x, Functional.dropout(x, 0.5f, false, null), "no generator is needed in eval mode");
        assertSame(x, Functional.dropout(x, 0f, true, null));
    }

    @Test
    void pOneGivesZerosAndZeroGradient() {
        Tensor x = Tensor.randn(new Generator(1), 3, 5).requiresGrad(true);
        Tensor y = Functional.dropout(x, 1f, true, new Generator(1));
        assertArrayEquals(new float[15], y.toFloatArray());
        y.sum().backward();
        assertArrayEquals(new float[15], x.grad().toFloatArray());
    }

    @Test
    void noGradModeSkipsTheMask() {
        Tensor x = Tensor.ones(100).requiresGrad(true);
        Tensor y;
        try (var ignored = NoGrad.enter()) {
            y = Functional.dropout(x, 0.5f, true, new Generator(3));
        }
        assertFalse(y.requiresGrad());
        assertArrayEquals(Functional.dropout(Tensor.ones(100), 0.5f, true, new Generator(3)).toFloatArray(), y.toFloatArray());
    }

    @Test
    void rejectsBadArguments() {
        Tensor x = Tensor.ones(3);
        for (float p : new float[] {-0.1f, 1.5f, Float.NaN}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Functional.dropout(x, p, true, new Generator(1)));
            assertTrue(e.getMessage().startsWith("dropout: probability has to be between 0 and 1"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Functional.dropout(x, p, false, new Generator(1)));
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Functional.dropout(x, 0.5f, true, null));
        assertTrue(e.getMessage().contains("Generator"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> Functional.dropout(Tensor.ofLongs(new long[] {1, 2}, 2), 0.5f, true, new Generator(1)));
        assertTrue(e2.getMessage().startsWith("dropout:") && e2.getMessage().contains("int64"), e2.getMessage());
    }
}
