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

    /** A 4×16 tile of zeros: what {@link #panel} and {@link #panelPacked} add to a tile that overwrites C. */
    private static final float[] ZERO_TILE = new float[MR * NR];

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
        // What each tile adds before it is stored: C itself, or a tile of zeros. Chosen here, not by an
        // if inside the loop over tiles: C2 hoists a loop-invariant branch that its profile has never
        // seen taken out of the loop as a predicate; the first call that takes it then fails the
        // predicate, and C2 recompiles the method without loop predication, which made it unroll the
        // k loop itself and spill accumulators (24 instead of 80 GFLOPS).
        float[] add = accumulate ? c : ZERO_TILE;
        int s0 = accumulate ? cIdx : 0, addStep = accumulate ? MR * ldc : 0, addRow = accumulate ? ldc : NR;
        // Progressive indices, as in panelPacked (which says why).
        for (int tiles = rows / MR, ar0 = aBase, r0 = cIdx; tiles > 0;
             tiles--, ar0 += MR * rowStride, r0 += MR * ldc, s0 += addStep) {
            int ar1 = ar0 + rowStride, ar2 = ar1 + rowStride, ar3 = ar2 + rowStride;
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
            int r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
            int s1 = s0 + addRow, s2 = s1 + addRow, s3 = s2 + addRow;
            c00 = c00.add(FloatVector.fromArray(S, add, s0));
            c01 = c01.add(FloatVector.fromArray(S, add, s0 + 8));
            c10 = c10.add(FloatVector.fromArray(S, add, s1));
            c11 = c11.add(FloatVector.fromArray(S, add, s1 + 8));
            c20 = c20.add(FloatVector.fromArray(S, add, s2));
            c21 = c21.add(FloatVector.fromArray(S, add, s2 + 8));
            c30 = c30.add(FloatVector.fromArray(S, add, s3));
            c31 = c31.add(FloatVector.fromArray(S, add, s3 + 8));
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
     *
     * <p>The k loop is unrolled by hand by two. C2 does not unroll this loop itself, and a single step
     * costs 22 instructions for its 8 FMAs, seven of them index arithmetic and the loop test; two steps
     * per iteration cost 36 for 16. On this machine the core is often shared with another hardware thread,
     * which halves the instructions dispatched per cycle: with the unrolled loop the kernel alone (A and
     * B in L1/L2, interleaved samples) went from a median of 63-70 to 74-82 GFLOPS, its uncontended best
     * staying at 91-96. Unrolling by three or four does not work: C2 hoists all the loads of B to the top
     * of the body and spills accumulators. {@code kc} must be even ({@link GemmPacking#padK}): a tail step
     * for odd kc, once executed, made C2 compile the loop with spills.
     */
    static void panelPacked(int kc, int rows, float[] ap, int apBase, float[] bp, int bIdx,
                            float[] c, int cIdx, int ldc, boolean accumulate) {
        assert (kc & 1) == 0 : "packed kc must be even (GemmPacking.padK): " + kc;
        // What each tile adds before it is stored: C itself, or a tile of zeros. Chosen here, not by an
        // if inside the loop over tiles: C2 hoists a loop-invariant branch that its profile has never
        // seen taken out of the loop as a predicate; the first call that takes it then fails the
        // predicate, and C2 recompiles the method without loop predication, which made it unroll the
        // k loop itself and spill accumulators (24 instead of 80 GFLOPS).
        float[] add = accumulate ? c : ZERO_TILE;
        int s0 = accumulate ? cIdx : 0, addStep = accumulate ? MR * ldc : 0, addRow = accumulate ? ldc : NR;
        // Progressive indices (one per operand, advanced per tile) rather than ir times a stride: fewer values
        // live across the k loop. With addBase, addScale and ir live as well, C2 kept B's base in a vector
        // register and reloaded bIdx and the loop bound from the stack on every k step (seen in the compiled
        // loop); this form's loop has neither, and ran 1.00-1.12x the other in same-process A/B by shape.
        for (int tiles = rows / MR, a0 = apBase, r0 = cIdx; tiles > 0; tiles--, a0 += MR * kc, r0 += MR * ldc, s0 += addStep) {
            FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
            FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
            FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
            FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
            FloatVector b0, b1, x;
            // Indices computed from p (not carried as separate induction variables): C2 then removes
            // the range checks from the loop.
            for (int p = 0; p < kc; p += 2) {
                int ai = a0 + MR * p, bi = bIdx + NR * p;
                b0 = FloatVector.fromArray(S, bp, bi);
                b1 = FloatVector.fromArray(S, bp, bi + 8);
                x = FloatVector.broadcast(S, ap[ai]);
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
                b0 = FloatVector.fromArray(S, bp, bi + 16);
                b1 = FloatVector.fromArray(S, bp, bi + 24);
                x = FloatVector.broadcast(S, ap[ai + 4]);
                c00 = x.fma(b0, c00);
                c01 = x.fma(b1, c01);
                x = FloatVector.broadcast(S, ap[ai + 5]);
                c10 = x.fma(b0, c10);
                c11 = x.fma(b1, c11);
                x = FloatVector.broadcast(S, ap[ai + 6]);
                c20 = x.fma(b0, c20);
                c21 = x.fma(b1, c21);
                x = FloatVector.broadcast(S, ap[ai + 7]);
                c30 = x.fma(b0, c30);
                c31 = x.fma(b1, c31);
            }
            int r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
            int s1 = s0 + addRow, s2 = s1 + addRow, s3 = s2 + addRow;
            c00 = c00.add(FloatVector.fromArray(S, add, s0));
            c01 = c01.add(FloatVector.fromArray(S, add, s0 + 8));
            c10 = c10.add(FloatVector.fromArray(S, add, s1));
            c11 = c11.add(FloatVector.fromArray(S, add, s1 + 8));
            c20 = c20.add(FloatVector.fromArray(S, add, s2));
            c21 = c21.add(FloatVector.fromArray(S, add, s2 + 8));
            c30 = c30.add(FloatVector.fromArray(S, add, s3));
            c31 = c31.add(FloatVector.fromArray(S, add, s3 + 8));
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
     *
     * <p>The tile has its own loop rather than calling {@link #panelPacked} with four rows: when the
     * many one-tile calls of edges dominated panelPacked's profile, C2 compiled its k loop with
     * accumulators spilled to the stack, for every caller.
     */
    static void edgeTilePacked(int kc, float[] ap, int sliverBase, float[] bp, int bIdx,
                               float[] c, int cIdx, int ldc, boolean accumulate, int mr, int nr, float[] scratch) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int ai = sliverBase + MR * p, bi = bIdx + NR * p;
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
        c00.intoArray(scratch, 0);
        c01.intoArray(scratch, 8);
        c10.intoArray(scratch, NR);
        c11.intoArray(scratch, NR + 8);
        c20.intoArray(scratch, 2 * NR);
        c21.intoArray(scratch, 2 * NR + 8);
        c30.intoArray(scratch, 3 * NR);
        c31.intoArray(scratch, 3 * NR + 8);
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
            tile(kc, a, ar0, rowStride, bp, bIdx, scratch);
        } else {
            // Gather the valid rows (k contiguous) into the front of scratch's tail and run the full
            // tile on them with the missing rows zero: nothing past the edge of A is read.
            int base = MR * NR;
            for (int r = 0; r < MR; r++) {
                if (r < mr) System.arraycopy(a, ar0 + r * rowStride, scratch, base + r * kc, kc);
                else java.util.Arrays.fill(scratch, base + r * kc, base + (r + 1) * kc, 0f);
            }
            tile(kc, scratch, base, kc, bp, bIdx, scratch);
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

    /**
     * One 4×16 tile of rows read in place into {@code out[0 .. 64)}: {@link #panel}'s loop, kept apart
     * so that the one-tile calls of edges do not shape the profile C2 compiles panel's loop from (see
     * {@link #edgeTilePacked}).
     */
    private static void tile(int kc, float[] a, int ar0, int rowStride, float[] bp, int bIdx, float[] out) {
        int ar1 = ar0 + rowStride, ar2 = ar1 + rowStride, ar3 = ar2 + rowStride;
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
        c00.intoArray(out, 0);
        c01.intoArray(out, 8);
        c10.intoArray(out, NR);
        c11.intoArray(out, NR + 8);
        c20.intoArray(out, 2 * NR);
        c21.intoArray(out, 2 * NR + 8);
        c30.intoArray(out, 3 * NR);
        c31.intoArray(out, 3 * NR + 8);
    }
}
