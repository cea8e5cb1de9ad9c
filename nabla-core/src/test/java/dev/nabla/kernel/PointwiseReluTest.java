package dev.nabla.kernel;

import dev.nabla.kernel.Pointwise.Unary;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The masked (vector) relu and its gradient against the scalar rule, bit for bit, at every tail length. */
class PointwiseReluTest {

    private static float[] values(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (rnd.nextInt(8)) {
                case 0 -> Float.NaN;
                case 1 -> -0f;
                case 2 -> 0f;
                case 3 -> rnd.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
                default -> (float) rnd.nextGaussian();
            };
        }
        return x;
    }

    @Test
    void reluMatchesScalarRuleAtEveryLengthAndOffset() {
        // Lengths around the 8-lane width, and one above the parallel grain (two threads, uneven halves).
        int[] lengths = {0, 1, 7, 8, 9, 15, 16, 17, 33, Pointwise.PARALLEL_GRAIN * 2 + 13};
        for (int n : lengths) {
            for (int off : new int[] {0, 3}) {
                float[] x = values(n + off, n * 31L + off);
                float[] g = values(n + off, n * 17L + off + 1);
                float[] out = new float[n + 2];
                Pointwise.unary(Unary.RELU, 0, 0, x, off, out, 2, n);
                float[] dx = new float[n];
                Pointwise.unaryGrad(Unary.RELU, 0, 0, x, off, out, 2, g, off, dx, n);
                for (int i = 0; i < n; i++) {
                    float v = x[off + i];
                    float want = v > 0 ? v : (v == v ? 0f : v);
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[2 + i]), "relu n=" + n + " i=" + i + " x=" + v);
                    float wantGrad = v > 0 ? g[off + i] : 0f;
                    assertEquals(Float.floatToRawIntBits(wantGrad), Float.floatToRawIntBits(dx[i]), "grad n=" + n + " i=" + i + " x=" + v);
                }
                assertEquals(0f, out[0]);
                assertEquals(0f, out[1]);
            }
        }
    }
}
