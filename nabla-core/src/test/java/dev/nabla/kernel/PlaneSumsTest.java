package dev.nabla.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** {@link PlaneSums#channelSums} against a double loop, over plane lengths around the vector widths. */
class PlaneSumsTest {
    @Test
    void matchesDoubleLoop() {
        SplittableRandom rnd = new SplittableRandom(3);
        int[][] cases = {{1, 1, 1}, {2, 3, 7}, {3, 2, 8}, {2, 5, 16}, {4, 3, 17}, {64, 32, 784}, {5, 7, 196}, {1, 4, 23}};
        for (int[] k : cases) {
            int N = k[0], C = k[1], L = k[2], off = 3;
            float[] x = new float[off + N * C * L + 4];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] got = PlaneSums.channelSums(x, off, N, C, L);
            assertEquals(C, got.length);
            for (int c = 0; c < C; c++) {
                double s = 0;
                for (int n = 0; n < N; n++)
                    for (int l = 0; l < L; l++) s += x[off + (n * C + c) * L + l];
                assertEquals(s, got[c], 1e-5 * (N * L), "N=" + N + " C=" + C + " L=" + L + " c=" + c);
            }
        }
    }
}
