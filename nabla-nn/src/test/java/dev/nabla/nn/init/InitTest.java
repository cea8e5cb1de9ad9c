package dev.nabla.nn.init;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class InitTest {
    /** Mean, standard deviation, min, max. */
    public static double[] stats(Tensor t) {
        float[] v = t.toFloatArray();
        double s = 0, ss = 0, lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (float x : v) {
            s += x;
            ss += (double) x * x;
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        double mean = s / v.length;
        return new double[] {mean, Math.sqrt(ss / v.length - mean * mean), lo, hi};
    }

    /** Uniform in ±bound: all inside, reaching near both ends, std bound/√3. */
    public static void assertUniform(Tensor t, double bound) {
        double[] s = stats(t);
        assertTrue(s[2] >= -bound && s[3] <= bound, "values within ±" + bound + ": " + s[2] + ".." + s[3]);
        assertTrue(s[2] < -0.95 * bound && s[3] > 0.95 * bound, "values reach the bounds: " + s[2] + ".." + s[3]);
        assertEquals(0, s[0], 0.03 * bound);
        assertEquals(bound / Math.sqrt(3), s[1], 0.03 * bound);
    }

    public static void assertNormal(Tensor t, double mean, double std) {
        double[] s = stats(t);
        assertEquals(mean, s[0], 0.03 * std + 1e-6);
        assertEquals(std, s[1], 0.03 * std);
    }

    @Test
    void fansFollowPyTorch() {
        assertArrayEquals(new int[] {3 * 5 * 5, 8 * 5 * 5}, Init.fans(Tensor.zeros(8, 3, 5, 5)));
        assertArrayEquals(new int[] {7, 4}, Init.fans(Tensor.zeros(4, 7)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Init.fans(Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("[4]"), e.getMessage());
    }

    @Test
    void gainsFollowPyTorch() {
        assertEquals(1.0, Init.calculateGain("linear", null));
        assertEquals(1.0, Init.calculateGain("sigmoid", null));
        assertEquals(5.0 / 3, Init.calculateGain("tanh", null), 1e-12);
        assertEquals(Math.sqrt(2), Init.calculateGain("relu", null), 1e-12);
        assertEquals(Math.sqrt(2 / (1 + 0.01 * 0.01)), Init.calculateGain("leaky_relu", null), 1e-12);
        assertEquals(Math.sqrt(2 / 6.0), Init.calculateGain("leaky_relu", Math.sqrt(5)), 1e-12);
        assertEquals(0.75, Init.calculateGain("selu", null));
        assertThrows(IllegalArgumentException.class, () -> Init.calculateGain("swish", null));
    }

    @Test
    void uniformAndNormalHaveTheirMoments() {
        Generator g = new Generator(1);
        Tensor u = Init.uniform_(Tensor.zeros(200, 100), -2, 4, g);
        double[] s = stats(u);
        assertTrue(s[2] >= -2 && s[3] < 4);
        assertEquals(1, s[0], 0.05);
        assertEquals(6 / Math.sqrt(12), s[1], 0.05);
        assertNormal(Init.normal_(Tensor.zeros(200, 100), 0.5, 2, g), 0.5, 2);
        assertArrayEquals(new float[] {3, 3}, Init.constant_(Tensor.zeros(2), 3).toFloatArray());
        assertArrayEquals(new float[] {1, 1}, Init.ones_(Tensor.zeros(2)).toFloatArray());
        assertArrayEquals(new float[] {0, 0}, Init.zeros_(Tensor.ones(2)).toFloatArray());
    }

    @Test
    void xavierAndKaimingScaleByFans() {
        Generator g = new Generator(2);
        // fan_in = 60 * 9 = 540, fan_out = 40 * 9 = 360
        Tensor w = Tensor.zeros(40, 60, 3, 3);
        assertUniform(Init.xavierUniform_(w, 2.0, g), 2.0 * Math.sqrt(6.0 / 900));
        assertNormal(Init.xavierNormal_(w, 1.0, g), 0, Math.sqrt(2.0 / 900));
        assertUniform(Init.kaimingUniform_(w, 0, Init.Mode.FAN_IN, "relu", g), Math.sqrt(2) * Math.sqrt(3.0 / 540));
        assertNormal(Init.kaimingNormal_(w, 0, Init.Mode.FAN_OUT, "relu", g), 0, Math.sqrt(2.0 / 360));
        // PyTorch's Linear/Conv default: kaiming_uniform(a=√5) is U(±1/√fan_in)
        assertUniform(Init.kaimingUniform_(w, Math.sqrt(5), Init.Mode.FAN_IN, "leaky_relu", g), 1 / Math.sqrt(540));
    }

    @Test
    void initialisersWorkOnParametersThatRequireGrad() {
        Tensor p = Tensor.zeros(3, 3).requiresGrad(true);
        Init.xavierUniform_(p, 1, new Generator(3));
        assertTrue(p.requiresGrad() && p.isLeaf());
        assertTrue(stats(p)[3] > 0);
    }

    @Test
    void byNameMatchesTheDirectCallsIncludingAliases() {
        Tensor a = Init.byName("glorot_uniform", Map.of("gain", 1.5)).apply(Tensor.zeros(5, 6), new Generator(9));
        Tensor b = Init.xavierUniform_(Tensor.zeros(5, 6), 1.5, new Generator(9));
        assertArrayEquals(b.toFloatArray(), a.toFloatArray());
        Tensor c = Init.byName("he_normal", Map.of("mode", "fan_out", "nonlinearity", "relu"))
                .apply(Tensor.zeros(5, 6), new Generator(9));
        Tensor d = Init.kaimingNormal_(Tensor.zeros(5, 6), 0, Init.Mode.FAN_OUT, "relu", new Generator(9));
        assertArrayEquals(d.toFloatArray(), c.toFloatArray());
        Tensor e = Init.byName("kaiming_uniform", null).apply(Tensor.zeros(5, 6), new Generator(9));
        Tensor f = Init.kaimingUniform_(Tensor.zeros(5, 6), 0, Init.Mode.FAN_IN, "leaky_relu", new Generator(9));
        assertArrayEquals(f.toFloatArray(), e.toFloatArray());
        assertArrayEquals(new float[] {2.5f, 2.5f}, Init.byName("constant", Map.of("val", 2.5)).apply(Tensor.zeros(2), null).toFloatArray());
        Tensor n = Init.byName("normal", Map.of("mean", 1, "std", 0.5)).apply(Tensor.zeros(100, 100), new Generator(4));
        assertNormal(n, 1, 0.5);
        Tensor u = Init.byName("uniform", Map.of("a", -3, "b", 3)).apply(Tensor.zeros(100, 100), new Generator(4));
        assertUniform(u, 3);
        assertArrayEquals(new float[] {1}, Init.byName("ones", Map.of()).apply(Tensor.zeros(1), null).toFloatArray());
        assertArrayEquals(new float[] {0}, Init.byName("zeros", Map.of()).apply(Tensor.ones(1), null).toFloatArray());
    }

    @Test
    void byNameRejectsUnknownNamesAndOptions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Init.byName("lecun", Map.of()));
        assertTrue(e.getMessage().contains("unknown initialiser 'lecun'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Init.byName("normal", Map.of("sigma", 1)));
        assertTrue(e.getMessage().contains("unknown option 'sigma'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Init.byName("kaiming_normal", Map.of("mode", "fan_avg")));
        assertThrows(IllegalArgumentException.class, () -> Init.byName("kaiming_normal", Map.of("nonlinearity", "swish")));
        assertThrows(IllegalArgumentException.class, () -> Init.byName("constant", Map.of()));
    }
}
