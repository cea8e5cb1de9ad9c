package dev.nabla.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * OpenBLAS's {@code cblas_sgemm}, called in process through the FFM API, for side-by-side timing only
 * (Nabla itself never calls native code). Timing both libraries in one process, sample by sample, keeps
 * their ratio meaningful on a machine whose load changes by the second.
 */
final class OpenBlas {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111;
    private final MethodHandle sgemm, setThreads;

    OpenBlas(Path library) {
        var lookup = SymbolLookup.libraryLookup(library, Arena.global());
        var linker = Linker.nativeLinker();
        sgemm = linker.downcallHandle(lookup.find("cblas_sgemm").orElseThrow(), FunctionDescriptor.ofVoid(
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT));
        setThreads = linker.downcallHandle(lookup.find("openblas_set_num_threads").orElseThrow(),
                FunctionDescriptor.ofVoid(JAVA_INT));
    }

    void setThreads(int n) {
        try {
            setThreads.invokeExact(n);
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads failed", t);
        }
    }

    /** A call of C = A·B on native copies of the shape's operands (row-major, as Nabla is timed). */
    Runnable product(GemmShape s, Arena arena) {
        MemorySegment a = copy(s.a(), arena), b = copy(s.b(), arena), c = arena.allocate(4L * s.m() * s.n(), 64);
        int m = s.m(), n = s.n(), k = s.k();
        return () -> {
            try {
                sgemm.invokeExact(ROW_MAJOR, NO_TRANS, NO_TRANS, m, n, k, 1f, a, k, b, n, 0f, c, n);
            } catch (Throwable t) {
                throw new IllegalStateException("cblas_sgemm failed", t);
            }
        };
    }

    private static MemorySegment copy(float[] x, Arena arena) {
        MemorySegment seg = arena.allocate(4L * x.length, 64);
        MemorySegment.copy(x, 0, seg, JAVA_FLOAT, 0, x.length);
        return seg;
    }
}
