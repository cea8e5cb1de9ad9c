package dev.nabla.ops;

import dev.nabla.autograd.GradCheck;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of softmax, log_softmax, logsumexp, max/min, cross_entropy and mse_loss over
 * random shapes with contiguous and non-contiguous (transposed, strided) inputs; edge cases PyTorch
 * defines (infinities, NaN, ties, ignored targets); the multi-threaded paths against a double-precision
 * reference; and the error messages for bad arguments.
 */
class SoftmaxLossesGradCheckTest {
    private static final Generator G = new Generator(7);

    /** A random shape of rank 1..4 with sizes 1..4. */
    private static int[] randomShape(int minRank) {
        int rank = minRank + (int) G.nextLong(5 - minRank);
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) s[i] = 1 + (int) G.nextLong(4);
        return s;
    }

    /**
     * A leaf of {@code shape} scaled by {@code scale}: contiguous, read through a transposed view, or
     * every other element of a larger tensor, in turn.
     */
    private static Tensor leaf(int[] shape, float scale, int layout) {
        Tensor t;
        switch (layout % 3) {
            case 1 -> {
                if (shape.length < 2) return leaf(shape, scale, 2);
                int[] swapped = shape.clone();
                swapped[0] = shape[shape.length - 1];
                swapped[shape.length - 1] = shape[0];
                t = Tensor.randn(G, swapped).mul(scale).transpose(0, shape.length - 1).detach();
            }
            case 2 -> {
                int[] wide = shape.clone();
                wide[wide.length - 1] *= 2;
                t = Tensor.randn(G, wide).mul(scale).slice(wide.length - 1, 0, wide[wide.length - 1], 2).detach();
            }
            default -> t = Tensor.randn(G, shape).mul(scale);
        }
        return t.requiresGrad(true);
    }

    private static int randomDim(int[] shape) {
        return (int) G.nextLong(shape.length) - (G.nextLong(2) == 0 ? 0 : shape.length); // also negative dims
    }

    @RepeatedTest(6)
    void softmaxAndLogSoftmax(org.junit.jupiter.api.RepetitionInfo info) {
        int[] s = randomShape(1);
        int dim = randomDim(s);
        Tensor x = leaf(s, 2f, info.getCurrentRepetition());
        GradCheck.check(t -> t[0].softmax(dim), x);
        GradCheck.check(t -> t[0].logSoftmax(dim), x);
    }

    @Test
    void leavesAreReallyNonContiguous() {
        assertFalse(leaf(new int[] {3, 4}, 1f, 1).isContiguous());
        assertFalse(leaf(new int[] {3, 4}, 1f, 2).isContiguous());
        assertFalse(leaf(new int[] {4}, 1f, 1).isContiguous());
    }

    @RepeatedTest(6)
    void logsumexp(org.junit.jupiter.api.RepetitionInfo info) {
        int[] s = randomShape(1);
        // a random non-empty subset of dims, possibly not adjacent
        int[] dims = java.util.stream.IntStream.range(0, s.length).filter(d -> G.nextLong(2) == 0).toArray();
        if (dims.length == 0) dims = new int[] {s.length - 1};
        int[] fd = dims;
        boolean keep = G.nextLong(2) == 0;
        GradCheck.check(t -> t[0].logsumexp(fd, keep), leaf(s, 2f, info.getCurrentRepetition()));
    }

    @RepeatedTest(6)
    void maxAndMin(org.junit.jupiter.api.RepetitionInfo info) {
        int[] s = randomShape(1);
        int dim = randomDim(s);
        boolean keep = G.nextLong(2) == 0;
        Tensor x = leaf(s, 1f, info.getCurrentRepetition());
        GradCheck.check(t -> t[0].max(dim, keep), x);
        GradCheck.check(t -> t[0].min(dim, keep), x);
        GradCheck.check(t -> t[0].max(), x);
        GradCheck.check(t -> t[0].min(), x);
    }

    @RepeatedTest(9)
    void crossEntropy(org.junit.jupiter.api.RepetitionInfo info) {
        int rep = info.getCurrentRepetition();
        int[] s = randomShape(2); // [N, C, d...]
        int classes = s[1];
        int[] ts = new int[s.length - 1];
        ts[0] = s[0];
        System.arraycopy(s, 2, ts, 1, s.length - 2);
        long[] t = new long[Shape.numel(ts)];
        for (int i = 0; i < t.length; i++) t[i] = G.nextLong(4) == 0 ? -100 : G.nextLong(classes);
        if (Arrays.stream(t).allMatch(v -> v == -100)) t[0] = 0;
        Tensor target = Tensor.ofLongs(t, ts);
        Reduction red = Reduction.values()[rep % 3];
        float smoothing = rep % 2 == 0 ? 0.1f : 0f;
        GradCheck.check(in -> Functional.crossEntropy(in[0], target, red, smoothing, -100), leaf(s, 2f, rep));
    }

    @Test
    void crossEntropyUnbatched() {
        Tensor target = Tensor.ofLongs(new long[] {2});
        GradCheck.check(in -> Functional.crossEntropy(in[0], target, Reduction.NONE, 0.2f, -100), leaf(new int[] {5}, 1f, 0));
        assertEquals(0, Functional.crossEntropy(Tensor.randn(G, 5), target, Reduction.NONE, 0f, -100).rank());
    }

    @RepeatedTest(3)
    void mse(org.junit.jupiter.api.RepetitionInfo info) {
        int[] s = randomShape(1);
        Reduction red = Reduction.values()[info.getCurrentRepetition() % 3];
        GradCheck.check(in -> Functional.mse(in[0], in[1], red), leaf(s, 1f, info.getCurrentRepetition()), leaf(s, 1f, 0));
    }

    // ------------------------------------------------------------------ semantics PyTorch defines

    @Test
    void crossEntropyMatchesTheDefinition() {
        // logits [2, 3], targets [2, ignored]: loss = (1-ε)(lse - x_t) + ε/C Σ_c (lse - x_c), mean over 1 target
        float[] x = {1f, 2f, 3f, 0.5f, -1f, 4f};
        Tensor logits = Tensor.of(x.clone(), 2, 3);
        Tensor target = Tensor.ofLongs(new long[] {0, 7}, 2);
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        double expected = 0.9 * (lse - 1) + 0.1 / 3 * (3 * lse - 6);
        assertEquals(expected, Functional.crossEntropy(logits, target, Reduction.MEAN, 0.1f, 7).item(), 1e-5);
        Tensor none = Functional.crossEntropy(logits, target, Reduction.NONE, 0.1f, 7);
        assertArrayEquals(new float[] {(float) expected, 0f}, none.toFloatArray(), 1e-5f);
    }

    @Test
    void softmaxSurvivesLargeMagnitudesAndLogsumexpOfMinusInfinityIsMinusInfinity() {
        Tensor x = Tensor.of(new float[] {1000f, 1000f, -1000f, Float.NEGATIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, 2, 3);
        float[] p = x.softmax(1).toFloatArray();
        assertArrayEquals(new float[] {0.5f, 0.5f, 0f}, Arrays.copyOf(p, 3), 1e-6f);
        assertTrue(Float.isNaN(p[3]), "softmax of an all -inf row is NaN, as in PyTorch");
        float[] l = x.logsumexp(new int[] {1}, false).toFloatArray();
        assertEquals(1000f + (float) Math.log(2), l[0], 1e-3f);
        assertEquals(Float.NEGATIVE_INFINITY, l[1]);
        assertEquals(Float.NEGATIVE_INFINITY, Tensor.zeros(2, 0).logsumexp(new int[] {1}, false).get(0));
        assertEquals((float) Math.log(6 * Math.E), Tensor.ones(2, 3).logsumexp(new int[0], false).item(), 1e-5f,
                "an empty dim list reduces everything");
    }

    @Test
    void extremaPropagateNaNAndShareTiedGradients() {
        Tensor x = Tensor.of(new float[] {3f, 1f, 3f, 2f}).requiresGrad(true);
        x.max().backward();
        assertArrayEquals(new float[] {0.5f, 0f, 0.5f, 0f}, x.grad().toFloatArray());
        x.setGrad(null);
        x.max(0, false).backward();
        assertArrayEquals(new float[] {1f, 0f, 0f, 0f}, x.grad().toFloatArray(), "first occurrence, as PyTorch");
        Tensor n = Tensor.of(new float[] {1f, Float.NaN, 5f, Float.NaN}).requiresGrad(true);
        assertTrue(Float.isNaN(n.max().item()));
        assertTrue(Float.isNaN(n.min(0, true).item()));
        assertEquals(1L, n.argmax().longItem());
        assertEquals(1L, n.argmin(0, false).longItem());
        n.max().backward();
        assertArrayEquals(new float[] {0f, 0.5f, 0f, 0.5f}, n.grad().toFloatArray());
    }

    @Test
    void extremaOfInt64AndZeroDimTensors() {
        Tensor l = Tensor.ofLongs(new long[] {4, 9, 9, -2, 7, 1}, 2, 3);
        assertEquals(DType.INT64, l.max().dtype());
        assertEquals(9L, l.max().longItem());
        assertEquals(-2L, l.min().longItem());
        assertArrayEquals(new long[] {9, 7}, l.max(1, false).toLongArray());
        assertArrayEquals(new long[] {1, 1}, l.argmax(1, false).toLongArray());
        assertArrayEquals(new long[] {0, 0}, l.argmin(1, false).toLongArray());
        assertEquals(1L, l.argmax().longItem()); // the first of the two 9s
        Tensor s = Tensor.scalar(2.5f);
        assertEquals(2.5f, s.max(0, false).item());
        assertEquals(0L, s.argmax(0, false).longItem());
        assertArrayEquals(new int[] {0}, Tensor.zeros(0, 3).max(1, false).shape());
    }

    // ------------------------------------------------------------------ the parallel paths vs a reference

    /** softmax along {@code dim} in double precision, the slow obvious way. */
    private static double[] softmaxRef(float[] x, int[] shape, int dim, boolean log) {
        int n = shape[dim], inner = Softmax.inner(shape, dim), outer = x.length / (n * inner);
        double[] y = new double[x.length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++) {
                double m = Double.NEGATIVE_INFINITY, s = 0;
                for (int j = 0; j < n; j++) m = Math.max(m, x[(o * n + j) * inner + i]);
                for (int j = 0; j < n; j++) s += Math.exp(x[(o * n + j) * inner + i] - m);
                for (int j = 0; j < n; j++) {
                    int p = (o * n + j) * inner + i;
                    y[p] = log ? x[p] - m - Math.log(s) : Math.exp(x[p] - m) / s;
                }
            }
        return y;
    }

    private static void assertNear(double[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < actual.length; i++)
            if (Math.abs(expected[i] - actual[i]) > tol * (1 + Math.abs(expected[i])))
                throw new AssertionError("element " + i + ": expected " + expected[i] + ", got " + actual[i]);
    }

    @Test
    void largeTensorsTakeTheParallelPathsAndStayExact() {
        int[][] shapes = {{64, 1000}, {4, 50, 1200}};
        for (int[] shape : shapes) {
            Tensor x = Tensor.randn(G, shape).mul(5f);
            float[] xv = x.toFloatArray();
            for (int dim = 0; dim < shape.length; dim++) {
                assertNear(softmaxRef(xv, shape, dim, false), x.softmax(dim).toFloatArray(), 1e-5);
                assertNear(softmaxRef(xv, shape, dim, true), x.logSoftmax(dim).toFloatArray(), 1e-5);
            }
        }
        // cross_entropy on [4096, 10]: the fused loss equals -mean(log_softmax[target]), gradient softmax - onehot
        int n = 4096, c = 10;
        Tensor logits = Tensor.randn(G, n, c).requiresGrad(true);
        Tensor target = Tensor.randint(G, 0, c, n);
        Tensor loss = Functional.crossEntropy(logits, target);
        double[] lp = softmaxRef(logits.toFloatArray(), new int[] {n, c}, 1, true);
        double ref = 0;
        long[] t = target.toLongArray();
        for (int i = 0; i < n; i++) ref -= lp[i * c + (int) t[i]] / n;
        assertEquals(ref, loss.item(), 1e-5);
        loss.backward();
        double[] dRef = new double[n * c];
        for (int i = 0; i < n * c; i++) dRef[i] = (Math.exp(lp[i]) - (t[i / c] == i % c ? 1 : 0)) / n;
        float[] d = logits.grad().toFloatArray();
        for (int i = 0; i < d.length; i++) assertEquals(dRef[i], d[i], 1e-8, "grad element " + i);
    }

    // ------------------------------------------------------------------ errors

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void errorsNameTheOpAndTheBadValue() {
        Tensor logits = Tensor.randn(G, 3, 5);
        String m = message(() -> Functional.crossEntropy(logits, Tensor.ofLongs(new long[] {0, 7, 1}, 3)));
        assertTrue(m.startsWith("cross_entropy:") && m.contains("target 7") && m.contains("5 classes"), m);
        m = message(() -> Functional.crossEntropy(logits, Tensor.ofLongs(new long[] {0, -1, 1}, 3)));
        assertTrue(m.contains("target -1"), m);
        m = message(() -> Functional.crossEntropy(logits, Tensor.ofLongs(new long[] {0, 1}, 2)));
        assertTrue(m.startsWith("cross_entropy:") && m.contains("[2]") && m.contains("[3, 5]") && m.contains("[3]"), m);
        m = message(() -> Functional.crossEntropy(logits, Tensor.zeros(3)));
        assertTrue(m.startsWith("cross_entropy:") && m.contains("int64"), m);
        m = message(() -> Functional.crossEntropy(logits, Tensor.ofLongs(new long[] {0, 1, 2}, 3), Reduction.MEAN, 1.5f, -100));
        assertTrue(m.startsWith("cross_entropy:") && m.contains("label_smoothing") && m.contains("1.5"), m);
        m = message(() -> Functional.crossEntropy(Tensor.scalar(1f), Tensor.ofLongs(new long[] {0})));
        assertTrue(m.startsWith("cross_entropy:"), m);

        m = message(() -> Functional.mse(Tensor.zeros(3), Tensor.zeros(3, 1)));
        assertTrue(m.startsWith("mse_loss:") && m.contains("[3]") && m.contains("[3, 1]"), m);

        m = message(() -> Tensor.zeros(0).max());
        assertTrue(m.startsWith("max:") && m.contains("[0]"), m);
        m = message(() -> Tensor.zeros(2, 0).min(1, false));
        assertTrue(m.startsWith("min:") && m.contains("dim 1") && m.contains("[2, 0]"), m);
        m = message(() -> Tensor.zeros(2, 0).argmax(1, false));
        assertTrue(m.startsWith("argmax:"), m);
        m = message(() -> Tensor.zeros(0, 2).argmax());
        assertTrue(m.startsWith("argmax:"), m);
        m = message(() -> Tensor.zeros(2, 3).softmax(2));
        assertTrue(m.startsWith("softmax:") && m.contains("dim 2"), m);
        m = message(() -> Tensor.zeros(2, 3).logsumexp(new int[] {1, -1}, false));
        assertTrue(m.startsWith("logsumexp:"), m);
        m = message(() -> Tensor.ofLongs(new long[] {1, 2}).logSoftmax(0));
        assertTrue(m.startsWith("log_softmax:") && m.contains("int64"), m);
    }
}
