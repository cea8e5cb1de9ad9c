package dev.nabla.kernel;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

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

    /** The first (last) four lanes of two vectors, one after the other. */
    private static final VectorShuffle<Float> FIRST_HALVES = VectorShuffle.fromValues(S, 0, 1, 2, 3, 8, 9, 10, 11);
    private static final VectorShuffle<Float> SECOND_HALVES = VectorShuffle.fromValues(S, 4, 5, 6, 7, 12, 13, 14, 15);
    /** Lane pairs (0,8), (1,9), … of two vectors: the first or last four steps of two rows, interleaved. */
    private static final VectorShuffle<Float> ZIP_LOW = VectorShuffle.fromValues(S, 0, 8, 1, 9, 2, 10, 3, 11);
    private static final VectorShuffle<Float> ZIP_HIGH = VectorShuffle.fromValues(S, 4, 12, 5, 13, 6, 14, 7, 15);
    /** The same on pairs of floats (viewed as doubles): two rows' pairs become four rows' quadruples. */
    private static final VectorShuffle<Double> ZIP2_LOW = VectorShuffle.fromValues(DoubleVector.SPECIES_256, 0, 4, 1, 5);
    private static final VectorShuffle<Double> ZIP2_HIGH = VectorShuffle.fromValues(DoubleVector.SPECIES_256, 2, 6, 3, 7);

    /**
     * Writes steps p .. p+7 of four rows (starting at r0 … r3 in {@code a}) as 32 floats at {@code ap[d]},
     * step by step, four rows per step: two rounds of two-vector shuffles. Measured on a 4096×384 block
     * packed 96×192 at a time: 0.32 ns per element against 0.61-0.72 for the scalar loop, whose four
     * stores per step bound it.
     */
    private static void interleave4x8(float[] a, int r0, int r1, int r2, int r3, float[] ap, int d) {
        FloatVector x0 = FloatVector.fromArray(S, a, r0), x1 = FloatVector.fromArray(S, a, r1);
        FloatVector x2 = FloatVector.fromArray(S, a, r2), x3 = FloatVector.fromArray(S, a, r3);
        DoubleVector lo01 = x0.rearrange(ZIP_LOW, x1).reinterpretAsDoubles();
        DoubleVector hi01 = x0.rearrange(ZIP_HIGH, x1).reinterpretAsDoubles();
        DoubleVector lo23 = x2.rearrange(ZIP_LOW, x3).reinterpretAsDoubles();
        DoubleVector hi23 = x2.rearrange(ZIP_HIGH, x3).reinterpretAsDoubles();
        lo01.rearrange(ZIP2_LOW, lo23).reinterpretAsFloats().intoArray(ap, d);
        lo01.rearrange(ZIP2_HIGH, lo23).reinterpretAsFloats().intoArray(ap, d + 8);
        hi01.rearrange(ZIP2_LOW, hi23).reinterpretAsFloats().intoArray(ap, d + 16);
        hi01.rearrange(ZIP2_HIGH, hi23).reinterpretAsFloats().intoArray(ap, d + 24);
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
        int i = 0;
        if (aRs == 1) {
            // Column-major (transposed) A: eight consecutive rows at one step are eight contiguous floats,
            // the four of one sliver and the four of the next. Two steps of two slivers at a time: two
            // loads, two shuffles, two stores instead of sixteen scalar loads and stores (0.47 against
            // 0.75 ns per element on gpt's 384×4096 weight-gradient operand).
            for (; i + 2 * MR <= mc; i += 2 * MR) {
                int d = i * kcp, d2 = d + MR * kcp, src = aOff + (i0 + i) + k0 * aCs, p = 0;
                for (; p + 1 < kc; p += 2, src += 2 * aCs, d += 2 * MR, d2 += 2 * MR) {
                    FloatVector s0 = FloatVector.fromArray(S, a, src), s1 = FloatVector.fromArray(S, a, src + aCs);
                    s0.rearrange(FIRST_HALVES, s1).intoArray(ap, d);
                    s0.rearrange(SECOND_HALVES, s1).intoArray(ap, d2);
                }
                for (; p < kc; p++, src += aCs, d += MR, d2 += MR)
                    for (int r = 0; r < MR; r++) {
                        ap[d + r] = a[src + r];
                        ap[d2 + r] = a[src + MR + r];
                    }
                for (int z = 0; z < 2; z++) {
                    int sliver = (i + z * MR) * kcp;
                    if (kcp > kc) java.util.Arrays.fill(ap, sliver + kc * MR, sliver + kcp * MR, 0f);
                }
            }
        }
        for (; i < mc; i += MR) {
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
                // Row-major A: eight steps of the four rows at a time, interleaved in registers (a 4×8
                // transpose), then the scalar loop for the last few steps. Unit stride spelt out so that C2
                // unrolls the tail with constant offsets.
                int s1 = src + aRs, s2 = s1 + aRs, s3 = s2 + aRs;
                int p = 0;
                for (int upper = kc - 7; p < upper; p += 8, d += 4 * MR * 2)
                    interleave4x8(a, src + p, s1 + p, s2 + p, s3 + p, ap, d);
                for (; p < kc; p++, d += MR) {
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
