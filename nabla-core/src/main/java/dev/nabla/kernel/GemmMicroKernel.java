package dev.nabla.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The inner loop of {@link Gemm}: one {@value #MR}×{@value #NR} tile of C from a sliver of A
 * ({@value #MR} rows, k contiguous) and one packed panel of B ({@value #NR} floats per k).
 *
 * <p>Why this shape: Zen 3 (and every AVX2 core since Haswell) has two FMA pipes with a latency of
 * four cycles, so eight independent accumulators are needed to keep both pipes busy. 4 rows × 2
 * vectors of 8 lanes gives exactly eight, and the 8 accumulators + 2 B vectors + 1 broadcast fit the 16
 * ymm registers. Larger tiles (12 accumulators) make JDK 25's C2 spill an accumulator inside the loop,
 * which halves the speed; accumulators in an array instead of locals are 30× slower.
 *
 * <p>A is read through four row indices that advance by one per k step: a packed sliver (rows of kc
 * floats) and a row-major operand read in place look the same, and the unit stride lets C2 hoist the
 * bounds checks out of the loop.
 */
final class GemmMicroKernel {
    private GemmMicroKernel() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    /** Rows of C per tile. */
    static final int MR = 4;
    /** Columns of C per tile: two vectors. */
    static final int NR = 16;

    /**
     * C[0..rows)[0..16) (+)= A·Bp for {@code rows} a multiple of 4: one 4×16 tile after another down a
     * column panel, all against the same packed B panel (which stays in L1). The loop over tiles lives
     * here rather than in the caller because this method is too big for C2 to inline, and a call per
     * tile (a dozen arguments) costs several percent when kc is small.
     *
     * <p>Row i of A starts at {@code a[aBase + i*rowStride]} (k contiguous); B step p is
     * {@code bp[bIdx + 16p .. +16)}; C row i starts at {@code c[cIdx + i*ldc]}. With {@code accumulate}
     * false, C is overwritten.
     */
    static void panel(int kc, int rows, float[] a, int aBase, int rowStride, float[] bp, int bIdx,
                      float[] c, int cIdx, int ldc, boolean accumulate) {
        for (int ir = 0; ir < rows; ir += MR) {
            int ar0 = aBase + ir * rowStride, ar1 = ar0 + rowStride, ar2 = ar1 + rowStride, ar3 = ar2 + rowStride;
            FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
            FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
            FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
            FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int bi = bIdx + p * NR;
                FloatVector b0 = FloatVector.fromArray(S, bp, bi);
                FloatVector b1 = FloatVector.fromArray(S, bp, bi + 8);
                FloatVector x = FloatVector.broadcast(S, a[ar0 + p]);
                c00 = x.fma(b0, c00);
                c01 = x.fma(b1, c01);
                x = FloatVector.broadcast(S, a[ar1 + p]);
                c10 = x.fma(b0, c10);
                c11 = x.fma(b1, c11);
                x = FloatVector.broadcast(S, a[ar2 + p]);
                c20 = x.fma(b0, c20);
                c21 = x.fma(b1, c21);
                x = FloatVector.broadcast(S, a[ar3 + p]);
                c30 = x.fma(b0, c30);
                c31 = x.fma(b1, c31);
            }
            int r0 = cIdx + ir * ldc, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
            if (accumulate) {
                c00 = c00.add(FloatVector.fromArray(S, c, r0));
                c01 = c01.add(FloatVector.fromArray(S, c, r0 + 8));
                c10 = c10.add(FloatVector.fromArray(S, c, r1));
                c11 = c11.add(FloatVector.fromArray(S, c, r1 + 8));
                c20 = c20.add(FloatVector.fromArray(S, c, r2));
                c21 = c21.add(FloatVector.fromArray(S, c, r2 + 8));
                c30 = c30.add(FloatVector.fromArray(S, c, r3));
                c31 = c31.add(FloatVector.fromArray(S, c, r3 + 8));
            }
            c00.intoArray(c, r0);
            c01.intoArray(c, r0 + 8);
            c10.intoArray(c, r1);
            c11.intoArray(c, r1 + 8);
            c20.intoArray(c, r2);
            c21.intoArray(c, r2 + 8);
            c30.intoArray(c, r3);
            c31.intoArray(c, r3 + 8);
        }
    }

    /**
     * As {@link #panel}, for A packed by {@link GemmPacking#packA}: sliver s (rows 4s .. 4s+3) holds
     * step p's four values at {@code ap[apBase + s*4*kc + 4p .. +4)}. One index then walks the whole
     * sliver, and the four broadcasts of a step come from one cache line; measured against the
     * four-row-stream form of {@link #panel} on the same data, this form ran about 20% faster (C2 keeps
     * fewer live indices and range checks in the loop).
     */
    static void panelPacked(int kc, int rows, float[] ap, int apBase, float[] bp, int bIdx,
                            float[] c, int cIdx, int ldc, boolean accumulate) {
        for (int ir = 0; ir < rows; ir += MR) {
            FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
            FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
            FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
            FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
            int ai = apBase + ir * kc, bi = bIdx;
            for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
                FloatVector b0 = FloatVector.fromArray(S, bp, bi);
                FloatVector b1 = FloatVector.fromArray(S, bp, bi + 8);
                FloatVector x = FloatVector.broadcast(S, ap[ai]);
                c00 = x.fma(b0, c00);
                c01 = x.fma(b1, c01);
                x = FloatVector.broadcast(S, ap[ai + 1]);
                c10 = x.fma(b0, c10);
                c11 = x.fma(b1, c11);
                x = FloatVector.broadcast(S, ap[ai + 2]);
                c20 = x.fma(b0, c20);
                c21 = x.fma(b1, c21);
                x = FloatVector.broadcast(S, ap[ai + 3]);
                c30 = x.fma(b0, c30);
                c31 = x.fma(b1, c31);
            }
            int r0 = cIdx + ir * ldc, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
            if (accumulate) {
                c00 = c00.add(FloatVector.fromArray(S, c, r0));
                c01 = c01.add(FloatVector.fromArray(S, c, r0 + 8));
                c10 = c10.add(FloatVector.fromArray(S, c, r1));
                c11 = c11.add(FloatVector.fromArray(S, c, r1 + 8));
                c20 = c20.add(FloatVector.fromArray(S, c, r2));
                c21 = c21.add(FloatVector.fromArray(S, c, r2 + 8));
                c30 = c30.add(FloatVector.fromArray(S, c, r3));
                c31 = c31.add(FloatVector.fromArray(S, c, r3 + 8));
            }
            c00.intoArray(c, r0);
            c01.intoArray(c, r0 + 8);
            c10.intoArray(c, r1);
            c11.intoArray(c, r1 + 8);
            c20.intoArray(c, r2);
            c21.intoArray(c, r2 + 8);
            c30.intoArray(c, r3);
            c31.intoArray(c, r3 + 8);
        }
    }

    /**
     * An edge tile of a packed sliver (zero-padded to four rows by the packing): the full tile is
     * computed into {@code scratch} (at least 64 floats) and its valid {@code mr}×{@code nr} part
     * copied out.
     */
    static void edgeTilePacked(int kc, float[] ap, int sliverBase, float[] bp, int bIdx,
                               float[] c, int cIdx, int ldc, boolean accumulate, int mr, int nr, float[] scratch) {
        panelPacked(kc, MR, ap, sliverBase, bp, bIdx, scratch, 0, NR, false);
        for (int r = 0; r < mr; r++) {
            int ci = cIdx + r * ldc, si = r * NR;
            if (accumulate) {
                for (int j = 0; j < nr; j++) c[ci + j] += scratch[si + j];
            } else {
                System.arraycopy(scratch, si, c, ci, nr);
            }
        }
    }

    /**
     * An edge tile: only {@code mr} ≤ 4 rows and {@code nr} ≤ 16 columns of C exist. The full tile is
     * computed into {@code scratch} (at least 64 + 4·kc floats; the packed B panel is zero-padded and
     * missing A rows are copied in as zeros) and the valid part copied out.
     */
    static void edgeTile(int kc, float[] a, int ar0, int rowStride, float[] bp, int bIdx,
                         float[] c, int cIdx, int ldc, boolean accumulate, int mr, int nr, float[] scratch) {
        if (mr == MR) {
            panel(kc, MR, a, ar0, rowStride, bp, bIdx, scratch, 0, NR, false);
        } else {
            // Gather the valid rows (k contiguous) into the front of scratch's tail and run the full
            // tile on them with the missing rows zero: nothing past the edge of A is read.
            int base = MR * NR;
            for (int r = 0; r < MR; r++) {
                if (r < mr) System.arraycopy(a, ar0 + r * rowStride, scratch, base + r * kc, kc);
                else java.util.Arrays.fill(scratch, base + r * kc, base + (r + 1) * kc, 0f);
            }
            panel(kc, MR, scratch, base, kc, bp, bIdx, scratch, 0, NR, false);
        }
        for (int r = 0; r < mr; r++) {
            int ci = cIdx + r * ldc, si = r * NR;
            if (accumulate) {
                for (int j = 0; j < nr; j++) c[ci + j] += scratch[si + j];
            } else {
                System.arraycopy(scratch, si, c, ci, nr);
            }
        }
    }
}
