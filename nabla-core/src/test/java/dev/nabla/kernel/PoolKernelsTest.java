package dev.nabla.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** The specialised 2x2/stride-2 max pool against the general loop, bit for bit, including ties and NaNs. */
class PoolKernelsTest {

    private static PoolKernels.Geometry plain(int H, int W, boolean ceil) {
        int oh = (int) PoolKernels.outputSize(H, 2, 0, 2, 1, ceil), ow = (int) PoolKernels.outputSize(W, 2, 0, 2, 1, ceil);
        return new PoolKernels.Geometry(H, W, 2, 2, 2, 2, 0, 0, 1, 1, oh, ow);
    }

    @Test
    void maxForward2x2MatchesGeneralLoop() {
        SplittableRandom rnd = new SplittableRandom(7);
        int[][] sizes = {{2, 2}, {4, 6}, {5, 7}, {28, 28}, {14, 14}, {3, 9}, {1, 1}};
        for (int[] hw : sizes) {
            for (int layout = 0; layout < 3; layout++) {
                boolean strided = layout == 1;
                int H = hw[0], W = hw[1], planes = 3;
                // Strided: planes live in a [H, planes, W+1] buffer, read with sH = planes·(W+1), sW = 1.
                // Layout 2, channels last: [H, W, planes], sH = W·planes, sW = planes.
                int sH = strided ? planes * (W + 1) : layout == 2 ? W * planes : W, sW = layout == 2 ? planes : 1;
                int plane = strided ? W + 1 : layout == 2 ? 1 : H * W;
                float[] x = new float[5 + planes * H * (W + 1) + 8];
                for (int i = 0; i < x.length; i++) {
                    int kind = rnd.nextInt(10);
                    x[i] = kind == 0 ? Float.NaN : kind == 1 ? Float.NEGATIVE_INFINITY : kind < 5 ? rnd.nextInt(3) : (float) rnd.nextGaussian();
                }
                int[] planeOff = new int[planes];
                for (int p = 0; p < planes; p++) planeOff[p] = 5 + p * plane;
                for (boolean ceil : new boolean[] {false, true}) {
                    PoolKernels.Geometry g = plain(H, W, ceil);
                    if (H < 2 || W < 2) {
                        assertFalse(PoolKernels.isPlain2x2(g) && g.outH() > 0);
                        continue;
                    }
                    assertEquals(!ceil || (H % 2 == 0 && W % 2 == 0), PoolKernels.isPlain2x2(g), "H=" + H + " W=" + W + " ceil=" + ceil);
                    if (!PoolKernels.isPlain2x2(g)) continue;
                    int n = planes * g.outH() * g.outW();
                    float[] fast = new float[n], ref = new float[n];
                    int[] fastAt = new int[n], refAt = new int[n];
                    PoolKernels.maxForward2x2(x, planeOff, sH, sW, g, fast, fastAt);
                    PoolKernels.maxForwardGeneral(x, planeOff, sH, sW, g, ref, refAt);
                    assertArrayEquals(refAt, fastAt, "argmax H=" + H + " W=" + W + " strided=" + strided);
                    for (int i = 0; i < n; i++)
                        assertEquals(Float.floatToRawIntBits(ref[i]), Float.floatToRawIntBits(fast[i]), "out[" + i + "]");
                    float[] noArg = new float[n];
                    PoolKernels.maxForward(x, planeOff, sH, sW, g, noArg, null);
                    assertArrayEquals(ref, noArg);
                }
            }
        }
    }

    @Test
    void tiesGoToTheFirstMaximumAndNaNWins() {
        float[] x = {1, 1, 1, 1, /* row 2 */ 0, 5, Float.NaN, 2};
        // planes: 1 plane 2x4 -> 1x2 outputs
        PoolKernels.Geometry g = plain(2, 4, false);
        float[] out = new float[2];
        int[] at = new int[2];
        PoolKernels.maxForward(x, new int[] {0}, 4, 1, g, out, at);
        assertEquals(5f, out[0]);
        assertEquals(5, at[0]);
        assertTrue(Float.isNaN(out[1]));
        assertEquals(6, at[1]);
        float[] y = {3, 3, 3, 3};
        PoolKernels.maxForward(y, new int[] {0}, 2, 1, plain(2, 2, false), out, at);
        assertEquals(3f, out[0]);
        assertEquals(0, at[0]);
    }
}
