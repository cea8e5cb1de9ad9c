package dev.nabla.ops;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The shapes the small-tensor paths take: broadcasting whose dims merge (size-1 dims, a [N, 1] + [1] bias,
 * views that are contiguous in part) and matrix-vector products (one output column or row), each against
 * an element-by-element reference.
 */
class SmallShapesTest {
    private static final Generator GEN = new Generator(5);

    /** Row-major multi-index of flat position {@code i} in {@code shape}. */
    private static int[] index(int i, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]; i /= shape[d]; }
        return idx;
    }

    /** The element of {@code t} that broadcasting reads for output index {@code idx}. */
    private static float at(Tensor t, int[] idx) {
        int[] s = t.shape();
        int[] own = new int[s.length];
        for (int d = 0; d < s.length; d++) own[d] = s[d] == 1 ? 0 : idx[idx.length - s.length + d];
        return t.get(own);
    }

    private static void checkBinary(Tensor a, Tensor b) {
        Tensor sum = a.add(b), prod = a.mul(b), quot = a.div(b);
        int[] shape = sum.shape();
        for (int i = 0; i < sum.numel(); i++) {
            int[] idx = index(i, shape);
            float x = at(a, idx), y = at(b, idx);
            assertEquals(x + y, sum.get(idx), "add at " + i);
            assertEquals(x * y, prod.get(idx), "mul at " + i);
            assertEquals(x / y, quot.get(idx), "div at " + i);
        }
    }

    @Test
    void broadcastingWithMergeableDimsMatchesTheElementwiseDefinition() {
        checkBinary(Tensor.randn(GEN, 1000, 1), Tensor.randn(GEN, 1));               // the linreg bias add
        checkBinary(Tensor.randn(GEN, 1), Tensor.randn(GEN, 7, 1));                  // broadcast on the left
        checkBinary(Tensor.randn(GEN, 2, 1, 3), Tensor.randn(GEN, 1, 4, 1));         // outer product shape
        checkBinary(Tensor.randn(GEN, 4, 5, 6), Tensor.randn(GEN, 5, 1));            // merged outer dims only
        checkBinary(Tensor.randn(GEN, 3, 4, 5), Tensor.randn(GEN, 3, 4, 5));         // all dims merge
        checkBinary(Tensor.randn(GEN, 1, 1, 1), Tensor.randn(GEN, 1));               // one element, rank 3
        checkBinary(Tensor.scalar(2f), Tensor.randn(GEN, 2, 3));
        checkBinary(Tensor.randn(GEN, 6, 5).t(), Tensor.randn(GEN, 5, 6));          // transposed: no merge
        checkBinary(Tensor.randn(GEN, 4, 6).narrow(1, 1, 3), Tensor.randn(GEN, 3));  // rows with gaps
        checkBinary(Tensor.randn(GEN, 4, 3).unsqueeze(1).expand(4, 2, 3), Tensor.randn(GEN, 2, 1));
        assertArrayEquals(new int[] {0, 3}, Tensor.zeros(0, 3).add(Tensor.ones(3)).shape());
    }

    private static void checkMatmul(Tensor a, Tensor b) {
        Tensor c = a.matmul(b);
        int[] as = a.shape(), bs = b.shape();
        int m = as[0], k = as[1], n = bs[1];
        assertArrayEquals(new int[] {m, n}, c.shape());
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double) a.get(i, p) * b.get(p, j);
                assertEquals(s, c.get(i, j), 1e-5 * (1 + Math.abs(s)), "C[" + i + "][" + j + "]");
            }
    }

    @Test
    void matrixVectorProductsMatchTheTripleLoop() {
        checkMatmul(Tensor.rand(GEN, 1000, 10), Tensor.randn(GEN, 10, 1));            // linreg forward
        checkMatmul(Tensor.rand(GEN, 1000, 10).t(), Tensor.randn(GEN, 1000, 1));      // linreg weight gradient
        checkMatmul(Tensor.randn(GEN, 1, 37), Tensor.randn(GEN, 37, 9));               // one row
        checkMatmul(Tensor.randn(GEN, 1, 37), Tensor.randn(GEN, 9, 37).t());           // one row, transposed B
        checkMatmul(Tensor.randn(GEN, 5, 33), Tensor.randn(GEN, 1, 33).t());           // column from a row
        checkMatmul(Tensor.randn(GEN, 3, 8).narrow(1, 2, 5), Tensor.randn(GEN, 5, 2).narrow(1, 1, 1));
        checkMatmul(Tensor.randn(GEN, 40000, 3), Tensor.randn(GEN, 3, 1));             // rows split across threads
        checkMatmul(Tensor.randn(GEN, 3, 40000).t(), Tensor.randn(GEN, 3, 1));
        checkMatmul(Tensor.randn(GEN, 4, 0), Tensor.randn(GEN, 0, 1));                 // k = 0: zeros
    }

    @Test
    void batchedAndVectorFormsUseTheSamePath() {
        Tensor a = Tensor.randn(GEN, 3, 4, 6), v = Tensor.randn(GEN, 6);
        Tensor mv = a.matmul(v);
        assertArrayEquals(new int[] {3, 4}, mv.shape());
        for (int t = 0; t < 3; t++)
            for (int i = 0; i < 4; i++) {
                double s = 0;
                for (int p = 0; p < 6; p++) s += (double) a.get(t, i, p) * v.get(p);
                assertEquals(s, mv.get(t, i), 1e-5);
            }
        Tensor vm = v.matmul(Tensor.randn(GEN, 2, 6, 5));
        assertArrayEquals(new int[] {2, 5}, vm.shape());
        assertEquals(v.matmul(v).item(), (float) java.util.stream.IntStream.range(0, 6).mapToDouble(i -> v.get(i) * v.get(i)).sum(), 1e-5);
    }
}
