package dev.nabla.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The products of a convolution whose reduction length K = (channels per group)·kH·kW is tiny, such as
 * the first layer of an image model (1 channel, 3×3: K = 9) or a depthwise 3×3: out[o, l] = Σ_k w[o, k]·col[k, l]
 * and the weight gradient dW[o, k] = Σ_l g[o, l]·col[k, l], straight from one image's column matrix.
 *
 * <p>As a GEMM these are store-bound: each output element gets only K multiply-adds, yet goes through
 * packing of B and a read-modify-write of the C tile per k block, and K = 9 fills only part of a 16-wide panel.
 * Here each output vector is built in registers from K column vectors and the bias, then stored once;
 * the weight gradient walks each gradient plane once per 4 k with 4 accumulators, and sums the bias
 * gradient from the same (cached) plane.
 */
public final class ConvSmallK {
    private ConvSmallK() {}

    /** The largest K this path takes; beyond it the GEMM's blocking pays off. */
    public static final int MAX_K = 16;

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final int V = F.length();

    /** Whether the vector loops run in hardware (8 float lanes); otherwise callers keep to the GEMM. */
    public static final boolean AVAILABLE = FloatVector.SPECIES_PREFERRED.length() >= 8;

    /**
     * y[yOff + o·L + l] = bias[bOff + o] (0 when bias is null) + Σ_k w[wOff + o·K + k]·col[k·L + l] for
     * o in [0, rows), l in [0, L).
     */
    public static void forward(float[] w, int wOff, int rows, int K, float[] col, int L, float[] bias, int bOff,
                               float[] y, int yOff) {
        int full = F.loopBound(L), pairs = L - L % (2 * V);
        for (int o = 0; o < rows; o++) {
            float b = bias == null ? 0f : bias[bOff + o];
            int wr = wOff + o * K, yr = yOff + o * L;
            int l = 0;
            for (; l < pairs; l += 2 * V) { // two vectors per pass: each weight broadcast feeds two FMAs
                FloatVector a0 = FloatVector.broadcast(F, b), a1 = a0;
                for (int k = 0, c = l; k < K; k++, c += L) {
                    FloatVector wk = FloatVector.broadcast(F, w[wr + k]);
                    a0 = FloatVector.fromArray(F, col, c).fma(wk, a0);
                    a1 = FloatVector.fromArray(F, col, c + V).fma(wk, a1);
                }
                a0.intoArray(y, yr + l);
                a1.intoArray(y, yr + l + V);
            }
            for (; l < full; l += V) {
                FloatVector a0 = FloatVector.broadcast(F, b);
                for (int k = 0, c = l; k < K; k++, c += L)
                    a0 = FloatVector.fromArray(F, col, c).fma(FloatVector.broadcast(F, w[wr + k]), a0);
                a0.intoArray(y, yr + l);
            }
            for (; l < L; l++) {
                float s = b;
                for (int k = 0; k < K; k++) s = Math.fma(w[wr + k], col[k * L + l], s);
                y[yr + l] = s;
            }
        }
    }

    /**
     * dw[dwOff + o·K + k] += Σ_l g[gOff + o·L + l]·col[k·L + l] for o in [0, rows), k in [0, K); and, when
     * {@code db} is not null, db[dbOff + o] += Σ_l g[gOff + o·L + l].
     */
    public static void weightGrad(float[] g, int gOff, int rows, int L, float[] col, int K,
                                  float[] dw, int dwOff, double[] db, int dbOff) {
        int full = F.loopBound(L);
        for (int o = 0; o < rows; o++) {
            int gr = gOff + o * L, dr = dwOff + o * K;
            int k = 0;
            for (; k + 4 <= K; k += 4) {
                int c0 = k * L, c1 = c0 + L, c2 = c1 + L, c3 = c2 + L;
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
                int l = 0;
                for (; l < full; l += V) {
                    FloatVector gv = FloatVector.fromArray(F, g, gr + l);
                    s0 = gv.fma(FloatVector.fromArray(F, col, c0 + l), s0);
                    s1 = gv.fma(FloatVector.fromArray(F, col, c1 + l), s1);
                    s2 = gv.fma(FloatVector.fromArray(F, col, c2 + l), s2);
                    s3 = gv.fma(FloatVector.fromArray(F, col, c3 + l), s3);
                }
                float t0 = VecMath.sumLanes(s0), t1 = VecMath.sumLanes(s1);
                float t2 = VecMath.sumLanes(s2), t3 = VecMath.sumLanes(s3);
                for (; l < L; l++) {
                    float gl = g[gr + l];
                    t0 = Math.fma(gl, col[c0 + l], t0);
                    t1 = Math.fma(gl, col[c1 + l], t1);
                    t2 = Math.fma(gl, col[c2 + l], t2);
                    t3 = Math.fma(gl, col[c3 + l], t3);
                }
                dw[dr + k] += t0;
                dw[dr + k + 1] += t1;
                dw[dr + k + 2] += t2;
                dw[dr + k + 3] += t3;
            }
            for (; k < K; k++) {
                int c0 = k * L;
                FloatVector s0 = FloatVector.zero(F);
                int l = 0;
                for (; l < full; l += V)
                    s0 = FloatVector.fromArray(F, g, gr + l).fma(FloatVector.fromArray(F, col, c0 + l), s0);
                float t0 = VecMath.sumLanes(s0);
                for (; l < L; l++) t0 = Math.fma(g[gr + l], col[c0 + l], t0);
                dw[dr + k] += t0;
            }
            if (db != null) {
                FloatVector s0 = FloatVector.zero(F);
                int l = 0;
                for (; l < full; l += V) s0 = s0.add(FloatVector.fromArray(F, g, gr + l));
                float t0 = VecMath.sumLanes(s0);
                for (; l < L; l++) t0 += g[gr + l];
                db[dbOff + o] += t0;
            }
        }
    }
}
