package dev.nabla.kernel;

/** The obviously-correct GEMM (accumulating in double) that faster kernels are checked against. */
public final class GemmReference {
    private GemmReference() {}

    /** Same contract as {@link Gemm#sgemm}. */
    public static void sgemm(int m, int n, int k,
                             float[] a, int aOff, int aRs, int aCs,
                             float[] b, int bOff, int bRs, int bCs,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        double[] row = new double[n];
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(row, 0);
            for (int p = 0; p < k; p++) {
                double av = a[aOff + i * aRs + p * aCs]; // no skipping zeros: 0 × NaN must stay NaN, as IEEE says
                int bp = bOff + p * bRs;
                for (int j = 0; j < n; j++) row[j] += av * b[bp + j * bCs];
            }
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) c[ci + j] = (float) (accumulate ? c[ci + j] + row[j] : row[j]);
        }
    }
}
