package dev.nabla.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link VecMath} against double-precision references: the largest relative error over many random arguments
 * (and the edge values) must stay within a few float ulps (2⁻²³ ≈ 1.19e-7 relative).
 */
class VecMathTest {
    private static final double ULP = 0x1.0p-23;

    /** Runs fn over xs through the array kernel (whole vectors and the padded tail). */
    private static float[] map(VecMath.Fn fn, float[] xs) {
        float[] out = new float[xs.length + 2];
        float[] in = new float[xs.length + 3];
        System.arraycopy(xs, 0, in, 3, xs.length);
        VecMath.map(fn, in, 3, out, 2, xs.length);
        return java.util.Arrays.copyOfRange(out, 2, out.length);
    }

    private static float[] samples(SplittableRandom rnd, int n, double lo, double hi, float... extra) {
        float[] x = new float[n + extra.length];
        for (int i = 0; i < n; i++) x[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        System.arraycopy(extra, 0, x, n, extra.length);
        return x;
    }

    /** Max relative error (in float ulps) of got against ref over the points where |ref| ≥ floor; else absolute. */
    private static double maxUlps(float[] x, float[] got, DoubleUnaryOperator ref, double floor, String what) {
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double r = ref.applyAsDouble(x[i]);
            double err = Math.abs(got[i] - r);
            if (Math.abs(r) >= floor) worst = Math.max(worst, err / Math.abs(r) / ULP);
            else assertTrue(err <= floor * 4 * ULP, what + "(" + x[i] + ") = " + got[i] + ", expected " + r);
        }
        return worst;
    }

    @Test
    void expWithinTwoUlps() {
        float[] x = samples(new SplittableRandom(1), 200_003, -87, 88.7, 0f, -0f, 1f, -1f, 1e-8f, -1e-8f, 88.72f, -87.3f);
        float[] y = map(VecMath.Fn.EXP, x);
        double ulps = maxUlps(x, y, Math::exp, Float.MIN_NORMAL, "exp");
        assertTrue(ulps <= 2, "exp max error " + ulps + " ulps");
        assertEquals(1f, map(VecMath.Fn.EXP, new float[] {0f})[0]);
        float[] edge = map(VecMath.Fn.EXP, new float[] {89f, 1000f, Float.POSITIVE_INFINITY, -200f,
                Float.NEGATIVE_INFINITY, Float.NaN, -100f});
        assertEquals(Float.POSITIVE_INFINITY, edge[0]);
        assertEquals(Float.POSITIVE_INFINITY, edge[1]);
        assertEquals(Float.POSITIVE_INFINITY, edge[2]);
        assertEquals(0f, edge[3]);
        assertEquals(0f, edge[4]);
        assertTrue(Float.isNaN(edge[5]));
        assertEquals(Math.exp(-100), edge[6], 1e-45); // a denormal
    }

    @Test
    void tanhWithinTwoUlpsIncludingTinyArguments() {
        SplittableRandom rnd = new SplittableRandom(2);
        float[] x = samples(rnd, 200_000, -10, 10, 0f, 1e-30f, -1e-7f, 3e-4f, 20f, -20f, 1000f);
        for (int i = 0; i < 20_000; i++) x[i] = (float) (Math.pow(10, -8 + 8 * rnd.nextDouble()) * (i % 2 == 0 ? 1 : -1));
        float[] y = map(VecMath.Fn.TANH, x);
        double ulps = maxUlps(x, y, Math::tanh, 1e-37, "tanh");
        assertTrue(ulps <= 2.5, "tanh max error " + ulps + " ulps");
        float[] edge = map(VecMath.Fn.TANH, new float[] {20f, -20f, Float.POSITIVE_INFINITY, Float.NaN, -0f});
        assertEquals(1f, edge[0]);
        assertEquals(-1f, edge[1]);
        assertEquals(1f, edge[2]);
        assertTrue(Float.isNaN(edge[3]));
        assertEquals(-0f, edge[4]);
    }

    @Test
    void sigmoidWithinThreeUlps() {
        float[] x = samples(new SplittableRandom(3), 200_000, -80, 40, 0f, 1e-9f, -1e-9f);
        float[] y = map(VecMath.Fn.SIGMOID, x);
        double ulps = maxUlps(x, y, v -> 1 / (1 + Math.exp(-v)), Float.MIN_NORMAL, "sigmoid");
        assertTrue(ulps <= 3, "sigmoid max error " + ulps + " ulps");
        float[] edge = map(VecMath.Fn.SIGMOID, new float[] {0f, 100f, -200f, Float.NaN});
        assertEquals(0.5f, edge[0]);
        assertEquals(1f, edge[1]);
        assertEquals(0f, edge[2]);
        assertTrue(Float.isNaN(edge[3]));
    }

    @Test
    void geluAndItsGradientMatchDoubleFormulas() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] x = samples(rnd, 100_001, -12, 9, 0f, 1e-6f, -1e-6f, -30f, 30f, -7.5f, -5f, -3f);
        float[] g = samples(rnd, x.length, -2, 2);
        float[] y = map(VecMath.Fn.GELU, x);
        DoubleUnaryOperator gelu = v -> 0.5 * v * erfc(-v / Math.sqrt(2));
        // GELU's negative tail (|y| < 1e-6 for x < -5.5) is judged by absolute error at that scale
        double ulps = maxUlps(x, y, gelu, 1e-6, "gelu");
        assertTrue(ulps <= 8, "gelu max error " + ulps + " ulps");
        float[] dx = new float[x.length];
        VecMath.geluBackward(false, x, 0, g, 0, dx, 0, x.length);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            double cdf = 0.5 * erfc(-v / Math.sqrt(2)), xPdf = v * Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
            double d = g[i] * (cdf + xPdf);
            // relative to the size of the two terms: their sum cancels to 0 at GELU's minimum (x ≈ −0.75)
            double scale = Math.abs(g[i]) * Math.max(1e-6, cdf + Math.abs(xPdf));
            worst = Math.max(worst, Math.abs(dx[i] - d) / scale);
        }
        assertTrue(worst <= 8 * ULP, "gelu gradient max relative error " + worst);
    }

    @Test
    void tanhGeluAndItsGradientMatchDoubleFormulas() {
        SplittableRandom rnd = new SplittableRandom(6);
        float[] x = samples(rnd, 50_000, -9, 9, 0f, -30f, 30f);
        float[] g = samples(rnd, x.length, -2, 2);
        float[] y = map(VecMath.Fn.GELU_TANH, x);
        double k = Math.sqrt(2 / Math.PI);
        for (int i = 0; i < x.length; i++) {
            double v = x[i], t = Math.tanh(k * (v + 0.044715 * v * v * v));
            double ref = 0.5 * v * (1 + t);
            // the float rounding of the cubic argument u (|2u| up to ~15 in the tail) alone costs ~10 ulps there
            assertEquals(ref, y[i], 24 * ULP * Math.max(1e-6, Math.abs(ref)), "gelu_tanh(" + v + ")");
        }
        float[] dx = new float[x.length];
        VecMath.geluBackward(true, x, 0, g, 0, dx, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            double v = x[i], t = Math.tanh(k * (v + 0.044715 * v * v * v));
            double d = g[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v));
            double terms = Math.abs(g[i]) * (0.5 * (1 + t) + Math.abs(0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v)));
            assertEquals(d, dx[i], 24 * ULP * Math.max(1e-6 * Math.abs(g[i]), terms), "gelu_tanh'(" + v + ")");
        }
    }

    @Test
    void resultsDoNotDependOnPositionOrSplit() {
        float[] x = samples(new SplittableRandom(7), 70_001, -6, 6);
        float[] whole = map(VecMath.Fn.GELU, x);
        for (int i = 0; i < 40; i++)
            assertEquals(whole[i * 1000 + 13], map(VecMath.Fn.GELU, new float[] {x[i * 1000 + 13]})[0]);
    }

    @Test
    void expShiftSumOverShortAndLongRowsMatchesMathExp() {
        SplittableRandom rnd = new SplittableRandom(8);
        for (int n : new int[] {1, 3, 7, 8, 9, 16, 31, 128, 129}) {
            float[] a = new float[n + 5];
            for (int i = 0; i < a.length; i++) a[i] = (float) (rnd.nextDouble() * 20 - 10);
            float[] before = a.clone();
            float shift = 4.5f;
            float sum = VecMath.expShiftSum(a, 2, n, shift);
            double ref = 0;
            for (int i = 0; i < a.length; i++) {
                if (i < 2 || i >= n + 2) { assertEquals(before[i], a[i], "element " + i + " outside the row changed"); continue; }
                double e = Math.exp((double) (before[i] - shift));
                ref += e;
                assertEquals(e, a[i], 2 * ULP * e, "n=" + n + " i=" + i);
            }
            assertEquals(ref, sum, 1e-6 * ref, "sum n=" + n);
        }
    }

    /** erfc in double: the Maclaurin series of erf below 2.5, Lentz's continued fraction above. */
    static double erfc(double x) {
        if (x < 0) return 2 - erfc(-x);
        if (x < 2.5) {
            double term = x, sum = x, x2 = x * x;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-18 * Math.abs(sum)) break;
            }
            return 1 - 2 / Math.sqrt(Math.PI) * sum;
        }
        // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
        double tiny = 1e-300, f = x, c = x, d = 0;
        for (int n = 1; n < 500; n++) {
            double a = n / 2.0;
            d = x + a * d;
            if (d == 0) d = tiny;
            c = x + a / c;
            if (c == 0) c = tiny;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }

    @Test
    void sumLanesAddsInLaneOrder() {
        // large and small values alternate, so every order of addition gives its own float result
        int n = VecMath.S.length();
        float[] lanes = new float[n];
        for (int i = 0; i < n; i++) lanes[i] = i % 2 == 0 ? (i % 4 == 0 ? 1e8f : -1e8f) : 1 + i;
        float expected = lanes[0];
        for (int i = 1; i < n; i++) expected += lanes[i];
        var v = jdk.incubator.vector.FloatVector.fromArray(VecMath.S, lanes, 0);
        for (int round = 0; round < 20_000; round++) // compiled as well as interpreted
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(VecMath.sumLanes(v)));
    }
}
