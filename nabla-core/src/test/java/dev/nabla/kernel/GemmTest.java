package dev.nabla.kernel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** {@link Gemm} against {@link GemmReference} over shapes, layouts, offsets, accumulate and thread counts. */
class GemmTest {
    private static final int DEFAULT_THREADS = Parallel.threads();
    private static final float SENTINEL = -777f;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(DEFAULT_THREADS);
    }

    /** How an operand of r×s is laid out in its backing array. */
    enum Layout { ROW_MAJOR, COL_MAJOR, STRIDED }

    /** An r×s operand: array, offset, row stride, column stride. */
    record Operand(float[] data, int off, int rs, int cs) {
        static Operand random(int r, int s, Layout layout, SplittableRandom rnd) {
            int off = rnd.nextInt(5);
            int rs, cs, size;
            switch (layout) {
                case ROW_MAJOR -> { rs = s + rnd.nextInt(3); cs = 1; }
                case COL_MAJOR -> { rs = 1; cs = r + rnd.nextInt(3); }
                default -> { cs = 2; rs = 2 * s + 1; }
            }
            size = off + (r - 1) * rs + (s - 1) * cs + 1 + rnd.nextInt(3);
            float[] d = new float[Math.max(size, 1)];
            for (int i = 0; i < d.length; i++) d[i] = (float) (rnd.nextDouble() * 2 - 1);
            return new Operand(d, off, rs, cs);
        }
    }

    /**
     * Runs Gemm and the reference on the same inputs; C has a padded leading dimension and sentinel
     * values outside the m×n window, which must survive untouched.
     */
    private static void check(int m, int n, int k, Layout la, Layout lb, boolean accumulate, int threads, long seed) {
        var rnd = new SplittableRandom(seed);
        Operand a = Operand.random(m, k, la, rnd), b = Operand.random(k, n, lb, rnd);
        int ldc = n + rnd.nextInt(4), cOff = rnd.nextInt(4);
        float[] c = new float[cOff + Math.max(m, 1) * ldc + 3];
        java.util.Arrays.fill(c, SENTINEL);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) c[cOff + i * ldc + j] = (float) (rnd.nextDouble() * 2 - 1);
        float[] expected = c.clone();
        GemmReference.sgemm(m, n, k, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, expected, cOff, ldc, accumulate);
        Parallel.setThreads(threads);
        Gemm.sgemm(m, n, k, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, c, cOff, ldc, accumulate);
        // Float rounding grows with k; inputs are in [-1, 1].
        float tol = 1e-5f + 2e-6f * k;
        for (int idx = 0; idx < c.length; idx++) {
            int rel = idx - cOff, i = Math.floorDiv(rel, ldc), j = Math.floorMod(rel, ldc);
            boolean inside = rel >= 0 && i < m && j < n;
            if (!inside) {
                assertEquals(SENTINEL, c[idx], "element outside C at index " + idx + " was written");
            } else if (Math.abs(c[idx] - expected[idx]) > tol) {
                fail(String.format("%dx%dx%d A %s B %s acc=%b threads=%d: C[%d][%d] = %s, expected %s",
                        m, n, k, la, lb, accumulate, threads, i, j, c[idx], expected[idx]));
            }
        }
    }

    /** m, n, k triples: tiny, primes, around the 4×16 tile, KC = 256, MC = 96, NC = 512, several B groups. */
    private static final int[][] SHAPES = {
            {1, 1, 1}, {1, 1, 300}, {1, 17, 3}, {5, 1, 7}, {2, 3, 4},
            {67, 131, 45}, {13, 29, 71}, {3, 15, 255}, {4, 16, 256}, {5, 17, 257},
            {8, 32, 16}, {7, 33, 513}, {95, 47, 31}, {96, 48, 64}, {97, 49, 65},
            {200, 40, 600}, {193, 100, 100}, {64, 64, 64}, {65, 64, 65},
            {3, 2100, 5}, {130, 9, 300}, {9, 500, 40}, {1, 300, 300}, {300, 1, 300},
            {5, 1100, 3}, {6, 600, 2300},
    };

    @TestFactory
    List<DynamicTest> matchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        long seed = 1;
        for (int[] s : SHAPES) {
            for (int threads : new int[] {1, 2}) {
                for (boolean acc : new boolean[] {false, true}) {
                    long sd = seed++;
                    tests.add(DynamicTest.dynamicTest(s[0] + "x" + s[1] + "x" + s[2] + " threads=" + threads + " acc=" + acc,
                            () -> check(s[0], s[1], s[2], Layout.ROW_MAJOR, Layout.ROW_MAJOR, acc, threads, sd)));
                }
            }
        }
        return tests;
    }

    /** Every pairing of layouts (transposed and strided operands go through the packing paths). */
    @TestFactory
    List<DynamicTest> layouts() {
        List<DynamicTest> tests = new ArrayList<>();
        int[][] shapes = {{67, 131, 45}, {5, 17, 257}, {100, 37, 300}, {130, 9, 300}, {3, 2100, 5}};
        long seed = 1000;
        for (int[] s : shapes)
            for (Layout la : Layout.values())
                for (Layout lb : Layout.values())
                    for (int threads : new int[] {1, 2}) {
                        long sd = seed++;
                        boolean acc = sd % 2 == 0;
                        tests.add(DynamicTest.dynamicTest(s[0] + "x" + s[1] + "x" + s[2] + " A " + la + " B " + lb + " threads=" + threads,
                                () -> check(s[0], s[1], s[2], la, lb, acc, threads, sd)));
                    }
        return tests;
    }

    /** The training shapes, both thread counts, so both ways of splitting the work are exercised. */
    @TestFactory
    List<DynamicTest> trainingShapes() {
        List<DynamicTest> tests = new ArrayList<>();
        int[][] mkn = {{64, 784, 64}, {64, 64, 784}, {128, 3136, 128}, {512, 128, 96}};
        for (int[] s : mkn)
            for (int threads : new int[] {1, 2})
                tests.add(DynamicTest.dynamicTest(s[0] + "x" + s[1] + "x" + s[2] + " threads=" + threads,
                        () -> check(s[0], s[2], s[1], Layout.ROW_MAJOR, Layout.COL_MAJOR, false, threads, s[1] * 7L + threads)));
        return tests;
    }

    /**
     * The ways two threads split a product: along k (partial sums added at the end), rows sharing one
     * packed B (several column blocks and, with k = 2100, several groups of k blocks, so both alternating
     * B buffers are used), columns; with transposed operands, accumulate on and off.
     */
    @TestFactory
    List<DynamicTest> parallelSplits() {
        List<DynamicTest> tests = new ArrayList<>();
        int[][] mnk = {{64, 64, 784}, {40, 130, 1500}, {256, 1100, 300}, {300, 1100, 2100}, {20, 700, 200}};
        long seed = 5000;
        for (int[] s : mnk)
            for (Layout la : new Layout[] {Layout.ROW_MAJOR, Layout.COL_MAJOR})
                for (boolean acc : new boolean[] {false, true}) {
                    long sd = seed++;
                    Layout lb = sd % 3 == 0 ? Layout.COL_MAJOR : Layout.ROW_MAJOR;
                    tests.add(DynamicTest.dynamicTest(s[0] + "x" + s[1] + "x" + s[2] + " A " + la + " B " + lb + " acc=" + acc,
                            () -> check(s[0], s[1], s[2], la, lb, acc, 2, sd)));
                }
        return tests;
    }

    /**
     * Two threads sharing packed B take rows in chunks, whichever thread is free; each element's sum over k
     * runs in the same order whoever computes it, so the product has the bits of the one-thread product.
     * Shapes: one B group and several (k = 2100), row counts that do and do not fill the last chunk.
     */
    @Test
    void rowSplitGivesTheBitsOfOneThread() {
        int[][] mnk = {{4096, 384, 128}, {300, 1100, 2100}, {257, 130, 300}, {64, 400, 200}};
        long seed = 9000;
        for (int[] s : mnk)
            for (Layout la : new Layout[] {Layout.ROW_MAJOR, Layout.COL_MAJOR}) {
                var rnd = new SplittableRandom(seed++);
                Operand a = Operand.random(s[0], s[2], la, rnd), b = Operand.random(s[2], s[1], Layout.ROW_MAJOR, rnd);
                assertTrue(Gemm.sharesPackedB(s[0], s[1], s[2], 2), java.util.Arrays.toString(s) + " should take the row split");
                float[] one = new float[s[0] * s[1]], two = new float[s[0] * s[1]];
                Parallel.setThreads(1);
                Gemm.sgemm(s[0], s[1], s[2], a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, one, 0, s[1], false);
                Parallel.setThreads(2);
                for (int rep = 0; rep < 3; rep++) {
                    Gemm.sgemm(s[0], s[1], s[2], a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, two, 0, s[1], false);
                    assertArrayEquals(one, two, java.util.Arrays.toString(s) + " A " + la + " repeat " + rep);
                }
            }
    }

    @Test
    void rowChunksAreWholeSliversAtMostOneBlockAndAtLeastFourPerThread() {
        assertEquals(MC_ROWS, Gemm.chunkRows(1024, 2), "4096 rows: blocks of MC rows");
        assertEquals(32, Gemm.chunkRows(64, 2), "256 rows: 8 chunks of 32");
        assertEquals(8, Gemm.chunkRows(16, 2), "64 rows: 8 chunks of two slivers");
        assertEquals(4, Gemm.chunkRows(3, 2), "never below one sliver");
    }

    private static final int MC_ROWS = 96;

    /** Called from inside a parallel region, a split product runs whole on the calling thread. */
    @Test
    void nestedInParallelRegion() {
        Parallel.setThreads(2);
        int[][] mnk = {{64, 64, 784}, {256, 300, 300}};
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        Parallel.forRange(2, 1, (from, to) -> {
            for (int t = from; t < to; t++) {
                int[] s = mnk[t];
                check(s[0], s[1], s[2], Layout.ROW_MAJOR, Layout.ROW_MAJOR, true, 2, 77 + t);
                done.incrementAndGet();
            }
        });
        assertEquals(2, done.get());
    }

    @Test
    void emptyProductsAndZeroK() {
        float[] a = {1, 2}, b = {3, 4};
        float[] c = {5, 6, 7, 8};
        Gemm.sgemm(0, 2, 1, a, 0, 1, 1, b, 0, 2, 1, c, 0, 2, false);
        Gemm.sgemm(2, 0, 1, a, 0, 1, 1, b, 0, 2, 1, c, 0, 2, false);
        assertArrayEquals(new float[] {5, 6, 7, 8}, c);
        Gemm.sgemm(1, 2, 0, a, 0, 0, 1, b, 0, 2, 1, c, 2, 2, true);
        assertArrayEquals(new float[] {5, 6, 7, 8}, c, "k = 0 with accumulate leaves C alone");
        Gemm.sgemm(1, 2, 0, a, 0, 0, 1, b, 0, 2, 1, c, 2, 2, false);
        assertArrayEquals(new float[] {5, 6, 0, 0}, c, "k = 0 without accumulate zeroes C");
    }

    @Test
    void smallExactProduct() {
        // [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]], then accumulated once more.
        float[] a = {1, 2, 3, 4}, b = {5, 6, 7, 8}, c = new float[4];
        Gemm.sgemm(2, 2, 2, a, 0, 2, 1, b, 0, 2, 1, c, 0, 2, false);
        assertArrayEquals(new float[] {19, 22, 43, 50}, c);
        Gemm.sgemm(2, 2, 2, a, 0, 2, 1, b, 0, 2, 1, c, 0, 2, true);
        assertArrayEquals(new float[] {38, 44, 86, 100}, c);
        // Broadcast rows (row stride 0): every row of A is [1, 2].
        Gemm.sgemm(2, 2, 2, a, 0, 0, 1, b, 0, 2, 1, c, 0, 2, false);
        assertArrayEquals(new float[] {19, 22, 19, 22}, c);
    }

    @Test
    void repeatedCallsReuseBuffersCorrectly() {
        // A large call grows the per-thread buffers; a smaller one afterwards must not read stale data.
        check(150, 300, 700, Layout.ROW_MAJOR, Layout.ROW_MAJOR, false, 2, 7);
        check(5, 20, 9, Layout.COL_MAJOR, Layout.ROW_MAJOR, false, 2, 8);
        check(150, 300, 700, Layout.COL_MAJOR, Layout.COL_MAJOR, true, 1, 9);
        check(6, 18, 3, Layout.ROW_MAJOR, Layout.STRIDED, false, 1, 10);
    }

    @Test
    void oddKBlocksPadWithZerosAfterBuffersHeldInfinities() {
        // Packed slivers and panels round each k block up to an even number of steps. Fill the packing
        // buffers with infinities first (Inf in A meets Inf in B: every stale slot would poison C), then run
        // products whose k blocks are odd (45; 513 = 3 x 171; 257 = 128 + 129) with packed A and B.
        float[] a = new float[300 * 600], b = new float[600 * 300], c = new float[300 * 300];
        java.util.Arrays.fill(a, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(b, Float.POSITIVE_INFINITY);
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            Gemm.sgemm(300, 300, 600, a, 0, 600, 1, b, 0, 300, 1, c, 0, 300, false);
            assertEquals(Float.POSITIVE_INFINITY, c[0]);
            check(67, 131, 45, Layout.ROW_MAJOR, Layout.ROW_MAJOR, false, threads, 11);
            check(70, 140, 513, Layout.COL_MAJOR, Layout.ROW_MAJOR, true, threads, 12);
            check(33, 129, 257, Layout.ROW_MAJOR, Layout.COL_MAJOR, false, threads, 13);
        }
    }
}
