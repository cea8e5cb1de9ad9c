package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.Gemm;
import dev.nabla.kernel.Parallel;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/** Matrix products with PyTorch's {@code matmul} rules. */
public final class Linalg {
    private Linalg() {}

    /**
     * 1-D·1-D is a dot product; a 1-D operand is treated as a row (left) or column (right) vector and
     * that dim is removed from the result; otherwise the last two dims multiply as matrices and the
     * leading (batch) dims broadcast.
     */
    public static Tensor matmul(Tensor a, Tensor b) {
        Elementwise.requireFloat("matmul", a, b);
        if (a.rank() == 0 || b.rank() == 0)
            throw new IllegalArgumentException("matmul: both arguments need at least 1 dim, got shapes "
                    + Shape.str(a.shape()) + " and " + Shape.str(b.shape()));
        if (a.rank() == 1 && b.rank() == 1) return matmul(a.unsqueeze(0), b.unsqueeze(1)).reshape();
        if (a.rank() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
        if (b.rank() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
        return batched(a, b);
    }

    /** Both operands have rank &gt;= 2. */
    private static Tensor batched(Tensor a, Tensor b) {
        int[] as = a.shape(), bs = b.shape();
        int m = as[as.length - 2], k = as[as.length - 1], k2 = bs[bs.length - 2], n = bs[bs.length - 1];
        if (k != k2)
            throw new IllegalArgumentException("matmul: shapes " + Shape.str(as) + " and " + Shape.str(bs)
                    + " cannot be multiplied (" + m + "x" + k + " and " + k2 + "x" + n + ")");
        int[] batch = Shape.broadcast("matmul", java.util.Arrays.copyOf(as, as.length - 2), java.util.Arrays.copyOf(bs, bs.length - 2));
        int[] outShape = java.util.Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        float[] out = Graph.buffer(Shape.numel(outShape));
        multiplyInto(a, b, batch, m, n, k, out, false);
        Tensor y = Tensor.of(out, outShape);
        return Graph.record("matmul", y, g -> new Tensor[] {
                a.requiresGrad() ? matmul(g, b.transpose(-1, -2)) : null,
                b.requiresGrad() ? matmul(a.transpose(-1, -2), g) : null}, a, b);
    }

    /**
     * y[i·ys] (+)= Σ_p A[i][p]·x[p] for i < m, with A[i][p] at {@code a[aOff + i·aRs + p·aCs]} and x[p] at
     * {@code x[xOff + p·xs]}: a product with one output column (or, transposed, one row). The blocked GEMM
     * would pack x into a 16-wide panel and compute 15 columns to throw away, and its vector code runs slowly
     * until the JIT has compiled it; these plain loops cost a few µs for the linear-regression workload's
     * [1000, 10]·[10, 1] and [10, 1000]·[1000, 1] and warm up at once.
     */
    static void gemv(int m, int k, float[] a, int aOff, int aRs, int aCs, float[] x, int xOff, int xs,
                     float[] y, int yOff, int ys, boolean accumulate) {
        if (aCs == 1 || aRs != 1) { // a dot product per row
            Parallel.forRange(m, Math.max(1, (1 << 15) / Math.max(1, k)), (from, to) -> {
                for (int i = from; i < to; i++) {
                    float v = dot(k, a, aOff + i * aRs, aCs, x, xOff, xs);
                    if (accumulate) y[yOff + i * ys] += v; else y[yOff + i * ys] = v;
                }
            });
        } else { // A column-major (a transposed operand): add x[p] times column p, a contiguous loop over i
            Parallel.forRange(m, Math.max(1, (1 << 15) / Math.max(1, k)), (from, to) -> {
                float[] acc = Graph.buffer(to - from);
                for (int p = 0; p < k; p++) axpy(acc, x[xOff + p * xs], a, aOff + p * aCs + from);
                for (int i = from; i < to; i++) {
                    if (accumulate) y[yOff + i * ys] += acc[i - from]; else y[yOff + i * ys] = acc[i - from];
                }
            });
        }
    }

    // The loops of gemv live in these small methods, called once per row: a method called a thousand times
    // per product is compiled by C2 within the first few products, while a long loop in a method called once
    // per product stays in C1's slower profiling code for hundreds of calls (measured: the linear-regression
    // workload ran ~400 us/epoch instead of ~60 us for its first 600 epochs).

    /** Σ_p a[ai + p·as]·x[xi + p·xs], with four partial sums when both are contiguous so the adds overlap. */
    private static float dot(int k, float[] a, int ai, int as, float[] x, int xi, int xs) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int p = 0;
        if (as == 1 && xs == 1) {
            for (; p + 4 <= k; p += 4) {
                s0 += a[ai + p] * x[xi + p];
                s1 += a[ai + p + 1] * x[xi + p + 1];
                s2 += a[ai + p + 2] * x[xi + p + 2];
                s3 += a[ai + p + 3] * x[xi + p + 3];
            }
        }
        for (; p < k; p++) s0 += a[ai + p * as] * x[xi + p * xs];
        return (s0 + s1) + (s2 + s3);
    }

    /** acc[i] += v·a[ai + i] for every i of acc. */
    private static void axpy(float[] acc, float v, float[] a, int ai) {
        for (int i = 0; i < acc.length; i++) acc[i] += a[ai + i] * v;
    }

    /** Runs one GEMM per batch index, reading a and b through their (broadcast) strides. */
    private static void multiplyInto(Tensor a, Tensor b, int[] batch, int m, int n, int k, float[] out, boolean acc) {
        int r = batch.length;
        int[] aBatchStr = Shape.broadcastStrides(java.util.Arrays.copyOf(a.shape(), a.rank() - 2),
                java.util.Arrays.copyOf(a.strides(), a.rank() - 2), batch);
        int[] bBatchStr = Shape.broadcastStrides(java.util.Arrays.copyOf(b.shape(), b.rank() - 2),
                java.util.Arrays.copyOf(b.strides(), b.rank() - 2), batch);
        int[] ast = a.strides(), bst = b.strides();
        int aRs = ast[a.rank() - 2], aCs = ast[a.rank() - 1], bRs = bst[b.rank() - 2], bCs = bst[b.rank() - 1];
        int count = Shape.numel(batch);
        int[] idx = new int[r];
        for (int t = 0; t < count; t++) {
            int ao = a.offset(), bo = b.offset();
            for (int d = 0; d < r; d++) { ao += idx[d] * aBatchStr[d]; bo += idx[d] * bBatchStr[d]; }
            if (n == 1) gemv(m, k, a.data(), ao, aRs, aCs, b.data(), bo, bRs, out, t * m * n, 1, acc);
            else if (m == 1) gemv(n, k, b.data(), bo, bCs, bRs, a.data(), ao, aCs, out, t * m * n, 1, acc);
            else Gemm.sgemm(m, n, k, a.data(), ao, aRs, aCs, b.data(), bo, bRs, bCs, out, t * m * n, n, acc);
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < batch[d]) break;
                idx[d] = 0;
            }
        }
    }
}
