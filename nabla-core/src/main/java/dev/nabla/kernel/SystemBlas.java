package dev.nabla.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An optional path from {@link Gemm#sgemm} to the machine's own OpenBLAS ({@code cblas_sgemm}), called through
 * the JDK's foreign-function API: nothing is bundled or downloaded, and the pure-Java kernel stays the default.
 *
 * <p>Why it exists: on this project's machine the pure-Java GEMM reaches 74–86 % of OpenBLAS on large products
 * (docs/performance.md, "GEMM beside OpenBLAS"); the engine issue allows a native path for exactly that case, from
 * the system, never a download. Turn it on with {@code NABLA_BLAS=openblas} (or the system property {@code
 * nabla.blas}), which finds {@code libopenblas.so.0} where the dynamic linker looks (Debian:
 * {@code apt-get install libopenblas0}), or name the library file: {@code NABLA_BLAS=/path/to/libopenblas.so}.
 * {@code NABLA_BLAS=java} (or nothing) keeps the pure-Java kernel. A library asked for and not found is an error
 * that says what was looked for, not a silent fallback.
 *
 * <p>What changes with it: the results are OpenBLAS's, which sums in another order (the last bits differ from
 * the pure-Java kernel's, and may differ between thread counts); the heap arrays are passed as they are (a
 * "critical" call, during which the collector waits), so nothing is copied. Strides that BLAS cannot express
 * (neither of an operand's strides 1) still go to the Java kernel.
 *
 * <p>Loading a library is a restricted operation: {@code bin/nabla} passes {@code --enable-native-access}
 * ({@code =ALL-UNNAMED} on the class path, {@code =dev.nabla.core} on the module path); without it the JDK
 * prints a warning and goes on.
 */
public final class SystemBlas {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private final String origin;
    private final MethodHandle sgemm;
    private final MethodHandle setThreads; // null when the library has no openblas_set_num_threads
    private int threadsSet = -1;

    private SystemBlas(String origin, MethodHandle sgemm, MethodHandle setThreads) {
        this.origin = origin;
        this.sgemm = sgemm;
        this.setThreads = setThreads;
    }

    /** What the settings asked for, resolved once: a SystemBlas, a RuntimeException to rethrow, or NONE. */
    private static final class Active {
        static final Object NONE = new Object();
        static final Object STATE = resolve();

        private static Object resolve() {
            try {
                return load(setting()).map(Object.class::cast).orElse(NONE);
            } catch (RuntimeException e) {
                return e;
            }
        }
    }

    /**
     * The system BLAS that {@code NABLA_BLAS} (or {@code -Dnabla.blas}) asks for, or empty for the pure-Java kernel.
     * Throws, on every call, when the one asked for could not be loaded.
     */
    public static Optional<SystemBlas> active() {
        Object s = Active.STATE;
        if (s instanceof SystemBlas blas) return Optional.of(blas);
        if (s instanceof RuntimeException e) throw new IllegalStateException(e.getMessage(), e);
        return Optional.empty();
    }

    /** Where the library came from: the file or name that was loaded. */
    public String origin() { return origin; }

    /** What {@code NABLA_BLAS} / {@code -Dnabla.blas} ask for; null or "java" means the pure-Java kernel. */
    static String setting() {
        String p = System.getProperty("nabla.blas");
        return p != null ? p : System.getenv("NABLA_BLAS");
    }

    /**
     * Loads the BLAS that {@code spec} names: {@code openblas} (or {@code system}) for {@code libopenblas.so.0}
     * from the dynamic linker's path, else a file. Empty for null, "" or "java". Throws an {@link
     * IllegalStateException} naming the setting and what was tried when it cannot be loaded or lacks
     * {@code cblas_sgemm}.
     */
    public static Optional<SystemBlas> load(String spec) {
        if (spec == null || spec.isBlank() || spec.equals("java")) return Optional.empty();
        String what = "NABLA_BLAS=" + spec;
        SymbolLookup lib;
        String origin;
        try {
            if (spec.equals("openblas") || spec.equals("system")) {
                origin = "libopenblas.so.0";
                lib = SymbolLookup.libraryLookup(origin, Arena.global());
            } else {
                Path file = Path.of(spec);
                if (!Files.isRegularFile(file))
                    throw new IllegalStateException(what + ": no such library file (give a path to libopenblas.so, "
                            + "'openblas' to find libopenblas.so.0, or 'java' for the pure-Java GEMM)");
                origin = file.toAbsolutePath().toString();
                lib = SymbolLookup.libraryLookup(file, Arena.global());
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(what + ": cannot load the library (" + e.getMessage() + "); on Debian, "
                    + "apt-get install libopenblas0, or set NABLA_BLAS=java for the pure-Java GEMM", e);
        }
        MemorySegment fn = lib.find("cblas_sgemm").orElseThrow(() ->
                new IllegalStateException(what + ": " + origin + " has no cblas_sgemm (is it a CBLAS library?)"));
        Linker linker = Linker.nativeLinker();
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
        var addr = ValueLayout.ADDRESS;
        MethodHandle sgemm = linker.downcallHandle(fn,
                FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, addr, i, addr, i, f, addr, i),
                Linker.Option.critical(true)); // heap arrays passed in place
        MethodHandle setThreads = lib.find("openblas_set_num_threads")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.ofVoid(i))).orElse(null);
        return Optional.of(new SystemBlas(origin, sgemm, setThreads));
    }

    /**
     * C (+)= A·B as {@link Gemm#sgemm} defines it, if BLAS can express the strides (each operand with one of its
     * strides 1 and the other at least its row length); false otherwise, and then nothing was done.
     */
    public boolean sgemm(int m, int n, int k, float[] a, int aOff, int aRs, int aCs, float[] b, int bOff, int bRs,
                         int bCs, float[] c, int cOff, int ldc, boolean accumulate) {
        int[] ta = layout(m, k, aRs, aCs), tb = layout(k, n, bRs, bCs);
        if (ta == null || tb == null || (m > 1 && ldc < n)) return false;
        int threads = Parallel.threads();
        try {
            if (setThreads != null && threads != threadsSet) {
                setThreads.invokeExact(threads);
                threadsSet = threads;
            }
            sgemm.invokeExact(ROW_MAJOR, ta[0], tb[0], m, n, k, 1f,
                    MemorySegment.ofArray(a).asSlice(4L * aOff), ta[1],
                    MemorySegment.ofArray(b).asSlice(4L * bOff), tb[1], accumulate ? 1f : 0f,
                    MemorySegment.ofArray(c).asSlice(4L * cOff), Math.max(ldc, Math.max(1, n)));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm from " + origin + " failed", t);
        }
        return true;
    }

    /**
     * The BLAS transpose flag and leading dimension for a rows×cols operand with these strides in a row-major
     * call, or null when neither stride is 1. A stride along a dim of size 1 is free, so it is set to what BLAS
     * requires (leading dimension at least the row length).
     */
    static int[] layout(int rows, int cols, int rs, int cs) {
        if (cs == 1 && (rs >= cols || rows == 1)) return new int[] {NO_TRANS, rows == 1 ? Math.max(1, cols) : rs};
        if (rs == 1 && (cs >= rows || cols == 1)) return new int[] {TRANS, cols == 1 ? Math.max(1, rows) : cs};
        if (cols == 1 && rs >= 1) return new int[] {NO_TRANS, rs}; // a column: element i at i*rs
        if (rows == 1 && cs >= 1) return new int[] {TRANS, cs};    // a row: element j at j*cs
        return null;
    }
}
