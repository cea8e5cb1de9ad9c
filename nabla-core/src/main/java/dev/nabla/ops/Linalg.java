package dev.nabla.ops;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.Gemm;
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
        float[] out = new float[Shape.numel(outShape)];
        multiplyInto(a, b, batch, m, n, k, out, false);
        Tensor y = Tensor.of(out, outShape);
        return Graph.record("matmul", y, g -> new Tensor[] {
                a.requiresGrad() ? matmul(g, b.transpose(-1, -2)) : null,
                b.requiresGrad() ? matmul(a.transpose(-1, -2), g) : null}, a, b);
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
            Gemm.sgemm(m, n, k, a.data(), ao, aRs, aCs, b.data(), bo, bRs, bCs, out, t * m * n, n, acc);
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < batch[d]) break;
                idx[d] = 0;
            }
        }
    }
}
