package dev.nabla.nn.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The small products of a recurrence step, C[m×w] (+)= A[m×k]·B[k×w] with m the batch (≈32), against a weight
 * matrix packed ONCE per sequence into 16-column panels ({@link #pack}), instead of the general GEMM repacking
 * the same 1 MiB of weights at each of the T steps (packing was about a sixth of an LSTM step).
 *
 * <p>A panel is k rows of 16 floats (row p = B[p][j0..j0+16), zero-padded past the last column), so the 4×16 tile
 * ({@link #tile4}: 8 accumulators, two B loads and four broadcasts of A per step of k) streams it from L1/L2.
 * A rows are read in place through a row stride; the caller picks which panels each thread multiplies, so that a
 * thread can run the nonlinearity of the columns it owns right after (see Recurrent).
 */
public final class LmPanelGemm {
    private LmPanelGemm() {}

    /** Columns per panel: two 8-float vectors. */
    public static final int W = 16;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

    /**
     * Packs the columns {@code j0 .. j0+width} (width ≤ 16) of B[k×…] (element B[p][j] at
     * {@code b[off + p*kStride + j*nStride]}) into {@code dst} from {@code dstOff}: k·16 floats.
     */
    public static void pack(float[] b, int off, int kStride, int nStride, int k, int j0, int width,
                            float[] dst, int dstOff) {
        for (int p = 0; p < k; p++) {
            int d = dstOff + p * W, s = off + p * kStride + j0 * nStride;
            if (nStride == 1) System.arraycopy(b, s, dst, d, width);
            else for (int j = 0; j < width; j++) dst[d + j] = b[s + j * nStride];
            for (int j = width; j < W; j++) dst[d + j] = 0f;
        }
    }

    /**
     * C[m×width] (+)= A[m×k]·panel: row i of A starts at {@code a[aOff + i*aRs]} (contiguous in k), row i of C at
     * {@code c[cOff + i*ldc]}; the panel at {@code bp[bOff]} is in {@link #pack}'s layout.
     */
    public static void multiply(int m, int k, float[] a, int aOff, int aRs, float[] bp, int bOff,
                                float[] c, int cOff, int ldc, int width, boolean accumulate) {
        if (width == W) {
            int i = 0;
            for (; i + 4 <= m; i += 4) tile4(k, a, aOff + i * aRs, aRs, bp, bOff, c, cOff + i * ldc, ldc, accumulate);
            for (; i < m; i++) row(k, a, aOff + i * aRs, bp, bOff, c, cOff + i * ldc, accumulate);
            return;
        }
        float[] tmp = new float[W];
        for (int i = 0; i < m; i++) {
            row(k, a, aOff + i * aRs, bp, bOff, tmp, 0, false);
            int ci = cOff + i * ldc;
            if (accumulate) for (int j = 0; j < width; j++) c[ci + j] += tmp[j];
            else System.arraycopy(tmp, 0, c, ci, width);
        }
    }

    private static void tile4(int k, float[] a, int a0, int aRs, float[] bp, int b0, float[] c, int c0, int ldc,
                              boolean acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S),
                c11 = FloatVector.zero(S), c20 = FloatVector.zero(S), c21 = FloatVector.zero(S),
                c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        int a1 = a0 + aRs, a2 = a1 + aRs, a3 = a2 + aRs;
        for (int p = 0; p < k; p++) {
            int bi = b0 + p * W;
            FloatVector v0 = FloatVector.fromArray(S, bp, bi), v1 = FloatVector.fromArray(S, bp, bi + 8);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = v0.fma(x, c00);
            c01 = v1.fma(x, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = v0.fma(x, c10);
            c11 = v1.fma(x, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = v0.fma(x, c20);
            c21 = v1.fma(x, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = v0.fma(x, c30);
            c31 = v1.fma(x, c31);
        }
        // stores written out here: a helper taking vectors, compiled on its own first, would box them
        int r1 = c0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
        if (acc) {
            c00 = c00.add(FloatVector.fromArray(S, c, c0));
            c01 = c01.add(FloatVector.fromArray(S, c, c0 + 8));
            c10 = c10.add(FloatVector.fromArray(S, c, r1));
            c11 = c11.add(FloatVector.fromArray(S, c, r1 + 8));
            c20 = c20.add(FloatVector.fromArray(S, c, r2));
            c21 = c21.add(FloatVector.fromArray(S, c, r2 + 8));
            c30 = c30.add(FloatVector.fromArray(S, c, r3));
            c31 = c31.add(FloatVector.fromArray(S, c, r3 + 8));
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + 8);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + 8);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + 8);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + 8);
    }

    private static void row(int k, float[] a, int a0, float[] bp, int b0, float[] c, int c0, boolean acc) {
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
            int bi = b0 + p * W;
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            s0 = FloatVector.fromArray(S, bp, bi).fma(x, s0);
            s1 = FloatVector.fromArray(S, bp, bi + 8).fma(x, s1);
        }
        if (acc) {
            s0 = s0.add(FloatVector.fromArray(S, c, c0));
            s1 = s1.add(FloatVector.fromArray(S, c, c0 + 8));
        }
        s0.intoArray(c, c0);
        s1.intoArray(c, c0 + 8);
    }
}
