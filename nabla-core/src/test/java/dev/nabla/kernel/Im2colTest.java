package dev.nabla.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * im2col and col2im against their definitions, element by element, on geometries that take the
 * whole-block path ("same" width, stride 1, with padding and dilation) and ones that do not.
 */
class Im2colTest {

    /** {C, H, W, kH, kW, stride, pad, dilation}. */
    private static final int[][] CASES = {
            {1, 28, 28, 3, 3, 1, 1, 1}, {3, 14, 14, 3, 3, 1, 1, 1}, {2, 5, 7, 3, 3, 1, 2, 2}, {2, 6, 5, 5, 5, 1, 2, 1},
            {1, 4, 4, 1, 1, 1, 0, 1}, {2, 3, 3, 3, 3, 1, 1, 1}, {1, 2, 9, 3, 3, 1, 1, 1}, {2, 7, 6, 3, 5, 1, 1, 1},
            {1, 9, 9, 3, 3, 2, 1, 1}, {2, 8, 8, 3, 3, 1, 0, 1}, {1, 6, 6, 3, 3, 1, 3, 1}};

    private static Im2col.Geometry geometry(int[] c) {
        int C = c[0], H = c[1], W = c[2], kH = c[3], kW = c[4], s = c[5], p = c[6], d = c[7];
        int oh = (H + 2 * p - d * (kH - 1) - 1) / s + 1, ow = (W + 2 * p - d * (kW - 1) - 1) / s + 1;
        return new Im2col.Geometry(C, H, W, kH, kW, s, s, p, p, d, d, oh, ow);
    }

    private static float pixel(float[] x, int off, Im2col.Geometry g, int ch, int ih, int iw) {
        return ih < 0 || ih >= g.height() || iw < 0 || iw >= g.width() ? 0f : x[off + (ch * g.height() + ih) * g.width() + iw];
    }

    @Test
    void im2colMatchesDefinition() {
        SplittableRandom rnd = new SplittableRandom(3);
        int blockCases = 0;
        for (int[] c : CASES) {
            Im2col.Geometry g = geometry(c);
            if (Im2col.sameWidthRows(g, g.width(), 1)) blockCases++;
            int off = 5, n = g.channels() * g.height() * g.width();
            float[] x = new float[off + n + 5];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] col = new float[g.rows() * g.cols()];
            java.util.Arrays.fill(col, Float.NaN); // every entry must be written
            Im2col.im2col(x, off, g.height() * g.width(), g.width(), 1, g, col);
            int r = 0;
            for (int ch = 0; ch < g.channels(); ch++)
                for (int kh = 0; kh < g.kernelH(); kh++)
                    for (int kw = 0; kw < g.kernelW(); kw++, r++)
                        for (int oh = 0; oh < g.outH(); oh++)
                            for (int ow = 0; ow < g.outW(); ow++) {
                                float want = pixel(x, off, g, ch, oh * g.strideH() - g.padH() + kh * g.dilationH(),
                                        ow * g.strideW() - g.padW() + kw * g.dilationW());
                                assertEquals(want, col[r * g.cols() + oh * g.outW() + ow], "case " + java.util.Arrays.toString(c));
                            }
        }
        assertTrue(blockCases >= 6, "the whole-block path must be exercised");
    }

    @Test
    void col2imMatchesDefinition() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int[] c : CASES) {
            Im2col.Geometry g = geometry(c);
            float[] col = new float[g.rows() * g.cols()];
            for (int i = 0; i < col.length; i++) col[i] = (float) rnd.nextGaussian();
            float[] colCopy = col.clone();
            int off = 3, n = g.channels() * g.height() * g.width();
            double[] want = new double[n];
            int r = 0;
            for (int ch = 0; ch < g.channels(); ch++)
                for (int kh = 0; kh < g.kernelH(); kh++)
                    for (int kw = 0; kw < g.kernelW(); kw++, r++)
                        for (int oh = 0; oh < g.outH(); oh++)
                            for (int ow = 0; ow < g.outW(); ow++) {
                                int ih = oh * g.strideH() - g.padH() + kh * g.dilationH();
                                int iw = ow * g.strideW() - g.padW() + kw * g.dilationW();
                                if (ih >= 0 && ih < g.height() && iw >= 0 && iw < g.width())
                                    want[(ch * g.height() + ih) * g.width() + iw] += colCopy[r * g.cols() + oh * g.outW() + ow];
                            }
            float[] dx = new float[off + n + 4];
            dx[0] = 7f;
            dx[off + n] = 9f;
            Im2col.col2im(col, g, dx, off);
            for (int i = 0; i < n; i++) assertEquals(want[i], dx[off + i], 1e-5, "case " + java.util.Arrays.toString(c) + " i=" + i);
            assertEquals(7f, dx[0]);
            assertEquals(9f, dx[off + n]);
        }
    }
}
