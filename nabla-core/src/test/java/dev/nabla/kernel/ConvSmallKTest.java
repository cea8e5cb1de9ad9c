package dev.nabla.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The small-K convolution products against plain double loops, at every vector tail of L and K. */
class ConvSmallKTest {

    private static float[] gauss(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    @Test
    void forwardMatchesDefinition() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int K : new int[] {1, 3, 4, 5, 9, ConvSmallK.MAX_K})
            for (int L : new int[] {1, 7, 8, 15, 16, 17, 33, 784})
                for (boolean withBias : new boolean[] {false, true}) {
                    int rows = 3, wOff = 2, bOff = 1, yOff = 5;
                    float[] w = gauss(rnd, wOff + rows * K), col = gauss(rnd, K * L), bias = gauss(rnd, bOff + rows);
                    float[] y = new float[yOff + rows * L + 3];
                    y[yOff + rows * L] = 42f;
                    ConvSmallK.forward(w, wOff, rows, K, col, L, withBias ? bias : null, bOff, y, yOff);
                    for (int o = 0; o < rows; o++)
                        for (int l = 0; l < L; l++) {
                            double want = withBias ? bias[bOff + o] : 0;
                            for (int k = 0; k < K; k++) want += (double) w[wOff + o * K + k] * col[k * L + l];
                            assertEquals(want, y[yOff + o * L + l], 1e-4, "K=" + K + " L=" + L + " o=" + o + " l=" + l);
                        }
                    assertEquals(42f, y[yOff + rows * L]);
                    assertEquals(0f, y[yOff - 1]);
                }
    }

    @Test
    void weightGradAccumulatesDefinition() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int K : new int[] {1, 3, 4, 5, 8, 9, ConvSmallK.MAX_K})
            for (int L : new int[] {1, 7, 8, 9, 16, 23, 784})
                for (boolean withBias : new boolean[] {false, true}) {
                    int rows = 2, gOff = 3, dwOff = 1, dbOff = 2;
                    float[] g = gauss(rnd, gOff + rows * L), col = gauss(rnd, K * L);
                    float[] dw = gauss(rnd, dwOff + rows * K + 1), before = dw.clone();
                    double[] db = withBias ? new double[dbOff + rows + 1] : null;
                    if (db != null) db[dbOff] = 0.5;
                    ConvSmallK.weightGrad(g, gOff, rows, L, col, K, dw, dwOff, db, dbOff);
                    for (int o = 0; o < rows; o++) {
                        for (int k = 0; k < K; k++) {
                            double want = before[dwOff + o * K + k];
                            for (int l = 0; l < L; l++) want += (double) g[gOff + o * L + l] * col[k * L + l];
                            assertEquals(want, dw[dwOff + o * K + k], 1e-3, "K=" + K + " L=" + L + " o=" + o + " k=" + k);
                        }
                        if (db != null) {
                            double want = o == 0 ? 0.5 : 0;
                            for (int l = 0; l < L; l++) want += g[gOff + o * L + l];
                            assertEquals(want, db[dbOff + o], 1e-3, "db K=" + K + " L=" + L + " o=" + o);
                        }
                    }
                    assertEquals(before[0], dw[0]);
                    assertEquals(before[dwOff + rows * K], dw[dwOff + rows * K]);
                    if (db != null) assertEquals(0.0, db[dbOff + rows]);
                }
    }
}
