package dev.nabla.kernel;

/**
 * Single-precision matrix multiply: C = A·B (or C += A·B), with A and B given by strides so that
 * transposed and sliced operands need no copy.
 *
 * <p>TEMPORARY reference implementation (plain loops); replaced by the packed Vector API kernel.
 */
public final class Gemm {
    private Gemm() {}

    /**
     * C[m×n] = A[m×k]·B[k×n] (+ C when {@code accumulate}). Element A[i][p] is at
     * {@code a[aOff + i*aRs + p*aCs]}, B[p][j] at {@code b[bOff + p*bRs + j*bCs]}, C[i][j] at
     * {@code c[cOff + i*ldc + j]}.
     */
    public static void sgemm(int m, int n, int k,
                             float[] a, int aOff, int aRs, int aCs,
                             float[] b, int bOff, int bRs, int bCs,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        GemmReference.sgemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
    }
}
