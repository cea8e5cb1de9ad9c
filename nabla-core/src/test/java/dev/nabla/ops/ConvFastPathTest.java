package dev.nabla.ops;

import dev.nabla.kernel.Parallel;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * conv2d forward and all three gradients against a plain double-precision definition, on geometries
 * chosen to reach each fast path: the small-K products (channels per group · kH · kW &lt;= 16) with
 * stride, padding, dilation, groups, depthwise, rectangular kernels and channels-last inputs; the
 * whole-block im2col/col2im of stride-1 "same" convolutions; and the GEMM path beside them.
 */
class ConvFastPathTest {

    /** {N, C, H, W, O, kH, kW, strideH, strideW, padH, padW, dilH, dilW, groups, channelsLast}. */
    static Stream<int[]> cases() {
        return Stream.of(
                new int[] {3, 1, 28, 28, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0},   // conv1 of the cnn: small K, block im2col
                new int[] {2, 1, 9, 7, 3, 3, 3, 2, 1, 1, 2, 1, 1, 1, 0},     // small K, stride and padding
                new int[] {2, 2, 8, 9, 4, 2, 2, 1, 1, 1, 1, 2, 2, 1, 0},     // small K (8), dilation, same width
                new int[] {2, 4, 6, 6, 6, 2, 2, 1, 1, 0, 1, 1, 1, 2, 0},     // small K, groups 2 with 2 channels each
                new int[] {2, 5, 7, 8, 10, 3, 3, 1, 2, 1, 1, 1, 1, 5, 0},    // depthwise multiplier 2
                new int[] {2, 3, 6, 7, 4, 1, 5, 1, 1, 0, 2, 1, 1, 1, 0},     // K = 15, rectangular, same width
                new int[] {2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},     // channels-last input, K = 27 GEMM
                new int[] {2, 1, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},     // channels-last input, small K
                new int[] {2, 4, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0},     // GEMM with block im2col
                new int[] {2, 2, 6, 6, 3, 3, 3, 1, 1, 2, 2, 2, 2, 1, 0});    // GEMM (K = 18) dilated same width
    }

    @ParameterizedTest
    @MethodSource("cases")
    void matchesDefinition(int[] c) {
        int N = c[0], C = c[1], H = c[2], W = c[3], O = c[4], kH = c[5], kW = c[6];
        int sH = c[7], sW = c[8], pH = c[9], pW = c[10], dH = c[11], dW = c[12], G = c[13];
        boolean channelsLast = c[14] == 1;
        int Cg = C / G, Og = O / G;
        Generator gen = new Generator(5);
        Tensor x = Tensor.randn(gen, N, C, H, W), w = Tensor.randn(gen, O, Cg, kH, kW), b = Tensor.randn(gen, O);
        Tensor xIn = channelsLast ? x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : x;
        xIn = xIn.detach().requiresGrad(true);
        w.requiresGrad(true);
        b.requiresGrad(true);
        Tensor y = Convolution.conv2d(xIn, w, b, new int[] {sH, sW}, new int[] {pH, pW}, new int[] {dH, dW}, G);
        int OH = (H + 2 * pH - dH * (kH - 1) - 1) / sH + 1, OW = (W + 2 * pW - dW * (kW - 1) - 1) / sW + 1;
        assertEquals(java.util.Arrays.toString(new int[] {N, O, OH, OW}), java.util.Arrays.toString(y.shape()));
        Tensor gy = Tensor.randn(gen, N, O, OH, OW);
        y.backward(gy);

        float[] xv = x.toFloatArray(), wv = w.toFloatArray(), bv = b.toFloatArray(), gv = gy.toFloatArray(), yv = y.toFloatArray();
        double[] dx = new double[xv.length], dw = new double[wv.length], db = new double[O];
        for (int n = 0; n < N; n++)
            for (int o = 0; o < O; o++) {
                int gi = o / Og;
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++) {
                        double s = bv[o];
                        double go = gv[((n * O + o) * OH + oh) * OW + ow];
                        db[o] += go;
                        for (int ci = 0; ci < Cg; ci++)
                            for (int i = 0; i < kH; i++)
                                for (int j = 0; j < kW; j++) {
                                    int ih = oh * sH - pH + i * dH, iw = ow * sW - pW + j * dW;
                                    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                    int xi = ((n * C + gi * Cg + ci) * H + ih) * W + iw, wi = ((o * Cg + ci) * kH + i) * kW + j;
                                    s += (double) xv[xi] * wv[wi];
                                    dx[xi] += go * wv[wi];
                                    dw[wi] += go * xv[xi];
                                }
                        assertEquals(s, yv[((n * O + o) * OH + oh) * OW + ow], 1e-4 * (1 + Math.abs(s)), "y " + java.util.Arrays.toString(c));
                    }
            }
        check("dx", dx, xIn.grad().toFloatArray());
        check("dw", dw, w.grad().toFloatArray());
        check("db", db, b.grad().toFloatArray());
    }

    private static void check(String what, double[] want, float[] got) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-3 * (1 + Math.abs(want[i])), what + "[" + i + "]");
    }

    /**
     * The batch is cut into a fixed number of chunks whose weight-gradient sums are added in chunk order, so
     * the gradients have the same bits on one thread and on two, and from run to run, for the small-K path
     * (conv1 of the cnn) and the GEMM path (conv2), with more images than chunks and fewer.
     */
    @ParameterizedTest
    @MethodSource("batches")
    void gradientsHaveTheSameBitsOnOneThreadAndOnTwo(int n, int cin) {
        int threads = Parallel.threads();
        try {
            float[][] one = null;
            for (int t : new int[] {1, 2, 2}) {
                Parallel.setThreads(t);
                Generator gen = new Generator(11);
                Tensor x = Tensor.randn(gen, n, cin, 14, 14).requiresGrad(true);
                Tensor w = Tensor.randn(gen, 8, cin, 3, 3).requiresGrad(true), b = Tensor.randn(gen, 8).requiresGrad(true);
                Tensor y = Convolution.conv2d(x, w, b, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
                y.backward(Tensor.randn(gen, n, 8, 14, 14));
                float[][] got = {y.toFloatArray(), x.grad().toFloatArray(), w.grad().toFloatArray(), b.grad().toFloatArray()};
                if (one == null) one = got;
                else for (int i = 0; i < got.length; i++)
                    assertArrayEquals(one[i], got[i], "output/dx/dw/db " + i + " on " + t + " threads");
            }
        } finally {
            Parallel.setThreads(threads);
        }
    }

    static Stream<Arguments> batches() {
        return Stream.of(Arguments.of(13, 1), Arguments.of(13, 4),
                Arguments.of(3, 4));
    }
}
