package dev.nabla.kernel;

import jdk.incubator.vector.FloatVector;

import static dev.nabla.kernel.GemmMicroKernel.MR;
import static dev.nabla.kernel.GemmMicroKernel.NR;
import static dev.nabla.kernel.GemmMicroKernel.S;

/**
 * Copies blocks of A and B into the layouts the micro-kernel streams through. Packing is where the
 * strides of the operands are paid for, once per block, so the kernel itself only ever sees unit strides:
 * a transposed or sliced operand costs the same as a contiguous one.
 */
final class GemmPacking {
    private GemmPacking() {}

    /**
     * Steps of k a packed sliver or panel holds for a block of {@code kc} steps: kc rounded up to even, the
     * extra step zero in both A and B. The packed kernel then always runs whole pairs of steps, with no
     * odd tail: a tail step after its unrolled loop made C2 schedule the loop differently, spilling
     * accumulators (24 GFLOPS instead of 80 once an odd kc had been seen).
     */
    static int padK(int kc) {
        return (kc + 1) & ~1;
    }

    /**
     * Packs B[k0 .. k0+kc)[j0 .. j0+nc) into panels of {@value GemmMicroKernel#NR} columns: panel q holds
     * step p at {@code bp[bpOff + q*kcp*NR + p*NR .. +NR)}, kcp = {@link #padK}(kc). Columns past nc in the
     * last panel and the padding step are zero, so the kernel can always compute a full tile.
     */
    static void packB(int k0, int kc, int j0, int nc, float[] b, int bOff, int bRs, int bCs, float[] bp, int bpOff) {
        int panels = (nc + NR - 1) / NR, kcp = padK(kc);
        for (int q = 0; q < panels; q++) {
            int j = j0 + q * NR, w = Math.min(NR, nc - q * NR), dst = bpOff + q * kcp * NR;
            if (kcp > kc) java.util.Arrays.fill(bp, dst + kc * NR, dst + kcp * NR, 0f);
            int src = bOff + k0 * bRs + j * bCs;
            if (w == NR && bCs == 1) {
                // Row-major B: two vector copies per step.
                for (int p = 0; p < kc; p++, src += bRs, dst += NR) {
                    FloatVector.fromArray(S, b, src).intoArray(bp, dst);
                    FloatVector.fromArray(S, b, src + 8).intoArray(bp, dst + 8);
                }
            } else if (bRs == 1) {
                // Column-major (transposed) B: read each column along k contiguously and scatter it
                // into its lane; reading in order matters more than writing in order here.
                for (int jj = 0; jj < w; jj++) {
                    int s = src + jj * bCs;
                    for (int p = 0, d = dst + jj; p < kc; p++, d += NR) bp[d] = b[s + p];
                }
                if (w < NR) zeroLanes(bp, dst, kc, w);
            } else {
                for (int p = 0; p < kc; p++, src += bRs, dst += NR) {
                    for (int jj = 0; jj < w; jj++) bp[dst + jj] = b[src + jj * bCs];
                    for (int jj = w; jj < NR; jj++) bp[dst + jj] = 0f;
                }
            }
        }
    }

    private static void zeroLanes(float[] bp, int dst, int kc, int w) {
        for (int p = 0; p < kc; p++, dst += NR)
            for (int jj = w; jj < NR; jj++) bp[dst + jj] = 0f;
    }

    /**
     * Packs A[i0 .. i0+mc)[k0 .. k0+kc) into slivers of {@value GemmMicroKernel#MR} rows interleaved by
     * step: sliver s holds A[i0+4s+r][k0+p] at {@code ap[s*4*kcp + 4p + r]}, kcp = {@link #padK}(kc). Rows
     * past mc in the last sliver and the padding step are zero, so the kernel can always compute a full tile.
     */
    static void packA(int i0, int mc, int k0, int kc, float[] a, int aOff, int aRs, int aCs, float[] ap) {
        int kcp = padK(kc);
        for (int i = 0; i < mc; i += MR) {
            int rows = Math.min(MR, mc - i), d = i * kcp;
            if (kcp > kc) java.util.Arrays.fill(ap, d + kc * MR, d + kcp * MR, 0f);
            int src = aOff + (i0 + i) * aRs + k0 * aCs;
            if (rows == MR && aRs == 1) {
                // Column-major (transposed) A: the four values of a step are contiguous.
                for (int p = 0; p < kc; p++, src += aCs, d += MR) {
                    ap[d] = a[src];
                    ap[d + 1] = a[src + 1];
                    ap[d + 2] = a[src + 2];
                    ap[d + 3] = a[src + 3];
                }
            } else if (rows == MR && aCs == 1) {
                // Row-major A: four row streams read in order, one interleaved write stream. Unit
                // stride spelt out so that C2 unrolls with constant offsets.
                int s1 = src + aRs, s2 = s1 + aRs, s3 = s2 + aRs;
                for (int p = 0; p < kc; p++, d += MR) {
                    ap[d] = a[src + p];
                    ap[d + 1] = a[s1 + p];
                    ap[d + 2] = a[s2 + p];
                    ap[d + 3] = a[s3 + p];
                }
            } else if (rows == MR) {
                // Four row streams read in order, one interleaved write stream.
                int s0 = src, s1 = s0 + aRs, s2 = s1 + aRs, s3 = s2 + aRs;
                for (int p = 0; p < kc; p++, d += MR) {
                    int o = p * aCs;
                    ap[d] = a[s0 + o];
                    ap[d + 1] = a[s1 + o];
                    ap[d + 2] = a[s2 + o];
                    ap[d + 3] = a[s3 + o];
                }
            } else {
                for (int p = 0; p < kc; p++, d += MR) {
                    for (int r = 0; r < rows; r++) ap[d + r] = a[src + r * aRs + p * aCs];
                    for (int r = rows; r < MR; r++) ap[d + r] = 0f;
                }
            }
        }
    }
}
