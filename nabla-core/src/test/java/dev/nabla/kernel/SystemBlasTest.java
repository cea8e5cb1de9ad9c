package dev.nabla.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SystemBlasTest {
    private static final int NO_TRANS = 111, TRANS = 112;

    @Test
    void stridesMapToTransposeFlagsAndLeadingDimensions() {
        assertArrayEquals(new int[] {NO_TRANS, 7}, SystemBlas.layout(3, 5, 7, 1), "row-major with padding");
        assertArrayEquals(new int[] {TRANS, 3}, SystemBlas.layout(3, 5, 1, 3), "column-major: a transposed view");
        assertArrayEquals(new int[] {NO_TRANS, 5}, SystemBlas.layout(1, 5, 0, 1), "one row: its row stride is free");
        assertArrayEquals(new int[] {NO_TRANS, 4}, SystemBlas.layout(3, 1, 4, 9), "a column of stride 4");
        assertArrayEquals(new int[] {TRANS, 2}, SystemBlas.layout(1, 5, 9, 2), "a row of stride 2");
        assertNull(SystemBlas.layout(3, 5, 10, 2), "neither stride 1: left to the Java kernel");
        assertNull(SystemBlas.layout(3, 5, 0, 1), "broadcast rows (stride 0) cannot be a leading dimension");
    }

    @Test
    void nothingAskedForIsThePureJavaKernel() {
        assertEquals(Optional.empty(), SystemBlas.load(null));
        assertEquals(Optional.empty(), SystemBlas.load("java"));
        assertEquals(Optional.empty(), SystemBlas.load(" "));
    }

    @Test
    void aLibraryAskedForAndNotThereIsAnErrorThatSaysSo(@TempDir Path dir) throws IOException {
        var missing = assertThrows(IllegalStateException.class, () -> SystemBlas.load(dir.resolve("nope.so").toString()));
        assertTrue(missing.getMessage().startsWith("NABLA_BLAS=" + dir.resolve("nope.so") + ": no such library file"),
                missing.getMessage());
        Path text = Files.writeString(dir.resolve("fake.so"), "not a shared object");
        var bad = assertThrows(IllegalStateException.class, () -> SystemBlas.load(text.toString()));
        assertTrue(bad.getMessage().startsWith("NABLA_BLAS=" + text + ": cannot load the library"), bad.getMessage());
    }

    @Test
    void openBlasComputesWhatTheReferenceDoesForEveryLayout() {
        Optional<SystemBlas> found;
        try {
            found = SystemBlas.load("openblas");
        } catch (IllegalStateException e) {
            found = Optional.empty();
        }
        assumeTrue(found.isPresent(), "libopenblas.so.0 is not installed");
        SystemBlas blas = found.get();
        Random r = new Random(3);
        int[][] shapes = {{37, 29, 41}, {1, 50, 20}, {50, 1, 20}, {64, 64, 64}, {5, 7, 1}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true})
                    for (boolean acc : new boolean[] {false, true}) {
                        // A m×k and B k×n, row-major or stored transposed, each after 3 floats of offset and with
                        // padded leading dimensions; C with a padded row
                        int lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
                        float[] a = random(r, 3 + (ta ? k : m) * lda), b = random(r, 3 + (tb ? n : k) * ldb);
                        float[] c = random(r, 3 + m * ldc), want = c.clone();
                        int aRs = ta ? 1 : lda, aCs = ta ? lda : 1, bRs = tb ? 1 : ldb, bCs = tb ? ldb : 1;
                        GemmReference.sgemm(m, n, k, a, 3, aRs, aCs, b, 3, bRs, bCs, want, 3, ldc, acc);
                        assertTrue(blas.sgemm(m, n, k, a, 3, aRs, aCs, b, 3, bRs, bCs, c, 3, ldc, acc));
                        String what = m + "x" + n + "x" + k + (ta ? " A^T" : "") + (tb ? " B^T" : "") + (acc ? " +=" : "");
                        assertArrayEquals(want, c, 1e-4f * k, what);
                    }
        }
        float[] a = random(r, 100), b = random(r, 100), c = new float[100];
        assertFalse(blas.sgemm(3, 3, 3, a, 0, 10, 2, b, 0, 3, 1, c, 0, 3, false), "strides BLAS cannot express");
        assertEquals(0f, c[0]);
        assertFalse(blas.origin().isEmpty());
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextFloat() * 2 - 1;
        return x;
    }
}
