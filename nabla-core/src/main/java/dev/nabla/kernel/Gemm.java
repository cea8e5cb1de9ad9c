package dev.nabla.kernel;

import static dev.nabla.kernel.GemmMicroKernel.MR;
import static dev.nabla.kernel.GemmMicroKernel.NR;
import static dev.nabla.kernel.GemmMicroKernel.S;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicIntegerArray;

import jdk.incubator.vector.FloatVector;

/**
 * Single-precision matrix multiply: C = A·B (or C += A·B), with A and B given by strides so that
 * transposed and sliced operands need no copy.
 *
 * <p>The structure is the classic blocked GEMM (Goto/BLIS): the product is cut into blocks of
 * {@link #KC} steps of k and {@link #MC} rows of A so that a block of A stays in L2 while it meets every
 * {@value GemmMicroKernel#NR}-column panel of B, and each panel (KC×16 floats, 16 KiB) stays in L1 while
 * it meets every 4-row sliver of A. B is always packed (that is where its strides are paid for); A is
 * packed into interleaved slivers unless the product is narrow (n < 128) and A row-major, then read in place
 * ({@link #needsPackedA}). The 4×16 tile itself is {@link GemmMicroKernel}.
 *
 * <p>Several threads split the work one of three ways ({@link #sgemm}): along k when k is long and C
 * small (each thread sums its own slice of k, the slices are added at the end), into row ranges sharing
 * one packed B when there are enough rows, else into column ranges. The threads are {@link Parallel}'s
 * ({@link Parallel#together}: the shared-B split's threads wait for each other at a barrier), which stay
 * awake between products. Products below {@link #SERIAL_WORK} run on the caller's thread.
 */
public final class Gemm {
    private Gemm() {}

    /** Steps of k per block: a 16-column B panel is then 16 KiB and stays in L1. */
    static final int KC = 256;
    /** Rows of A per block: 96×256 floats = 96 KiB, comfortably inside the 512 KiB L2. */
    static final int MC = 96;
    /** Columns of C per block: an MC×NC block of C is 192 KiB (see {@link #blocked}). */
    static final int NC = 512;
    /** At most this many floats of B are packed at once (4 MiB, in L3): bounds the per-thread buffer. */
    static final int B_BUDGET = 1 << 20;
    /**
     * Products with at most this many multiply-adds run on one thread unless split along k: handing over
     * and sharing the packing cost more than half of ~100 µs of work (measured interleaved, one thread
     * against two: 64×64×784 62 vs 46 GFLOPS, 128³ 46 vs 17 with Parallel's pool; on one thread both were
     * already at or above OpenBLAS's two-thread figure).
     */
    static final long SERIAL_WORK = 160L * 160 * 160;

    /** The Vector API kernel needs 8 float lanes in hardware; narrower machines use the scalar loop. */
    private static final boolean VECTOR = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() >= 8;

    /** Per-thread packing buffers, grown on demand and reused across calls. */
    private static final class Workspace {
        float[] a = new float[0], b = new float[0];
        float[] tile = new float[0];
        /** Owned by a calling thread while it runs a split product: shared B panels, partial sums of a k-split. */
        float[] shared0 = new float[0], shared1 = new float[0], partial = new float[0];

        float[] a(int size) { return a.length >= size ? a : (a = new float[size]); }
        float[] b(int size) { return b.length >= size ? b : (b = new float[size]); }
        float[] shared0(int size) { return shared0.length >= size ? shared0 : (shared0 = new float[size]); }
        float[] shared1(int size) { return shared1.length >= size ? shared1 : (shared1 = new float[size]); }
        float[] partial(int size) { return partial.length >= size ? partial : (partial = new float[size]); }
        /** Room for an edge tile of C and the A rows of an edge sliver. */
        float[] tile(int kc) { int size = MR * NR + MR * kc; return tile.length >= size ? tile : (tile = new float[size]); }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /**
     * C[m×n] = A[m×k]·B[k×n] (+ C when {@code accumulate}). Element A[i][p] is at
     * {@code a[aOff + i*aRs + p*aCs]}, B[p][j] at {@code b[bOff + p*bRs + j*bCs]}, C[i][j] at
     * {@code c[cOff + i*ldc + j]}.
     */
    public static void sgemm(int m, int n, int k,
                             float[] a, int aOff, int aRs, int aCs,
                             float[] b, int bOff, int bRs, int bCs,
                             float[] c, int cOff, int ldc, boolean accumulate) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0) {
            if (!accumulate)
                for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            return;
        }
        Optional<SystemBlas> blas = SystemBlas.active(); // empty unless NABLA_BLAS asks for the system's OpenBLAS
        if (blas.isPresent() && blas.get().sgemm(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate))
            return;
        if (!VECTOR) {
            scalar(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
            return;
        }
        boolean packA = needsPackedA(n, k, aRs, aCs);
        int threads = Parallel.threads();
        long work = (long) m * n * k;
        int panels = (n + NR - 1) / NR, slivers = (m + MR - 1) / MR;
        boolean splitK = splitK(m, n, k, threads);
        if (threads <= 1 || work <= SERIAL_WORK && !splitK || panels < 2 && slivers < 2 && !splitK) {
            blocked(0, m, 0, n, 0, k, a, aOff, aRs, aCs, packA, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
            return;
        }
        if (splitK) {
            kSplit(m, n, k, threads, a, aOff, aRs, aCs, packA, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
        } else if (sharesPackedB(m, n, k, threads)) {
            sharedB(m, n, k, threads, a, aOff, aRs, aCs, packA, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
        } else {
            // Few rows (m < 32 per thread): each thread takes a range of columns and packs its own part of B;
            // A, which every thread then packs, is small.
            int parts = Math.min(threads, panels);
            boolean ran = Parallel.together(parts, (t, p) -> {
                int from = (int) ((long) panels * t / p), to = (int) ((long) panels * (t + 1) / p);
                blocked(0, m, from * NR, Math.min(n, to * NR), 0, k,
                        a, aOff, aRs, aCs, packA, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
            });
            if (!ran) blocked(0, m, 0, n, 0, k, a, aOff, aRs, aCs, packA, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
        }
    }

    /** Whether {@link #sgemm} on {@code threads} threads takes the row split that shares packed B ({@link #sharedB}). */
    static boolean sharesPackedB(int m, int n, int k, int threads) {
        int panels = (n + NR - 1) / NR, slivers = (m + MR - 1) / MR;
        if (threads <= 1 || splitK(m, n, k, threads) || (long) m * n * k <= SERIAL_WORK || panels < 2 && slivers < 2)
            return false;
        return slivers >= MIN_SLIVERS_PER_THREAD * threads || slivers >= panels;
    }

    /** Below this many 4-row slivers per thread, a row split leaves each thread too little to share B over. */
    static final int MIN_SLIVERS_PER_THREAD = 8;

    /**
     * Whether to split the k dimension: each thread multiplies its own slice of A's columns and B's rows,
     * into C (the first) or a private m×n buffer (the others) that is added to C at the end. For products
     * long in k and small in m×n (64×784×64, 128×3136×128: weight gradients) this is the one split that
     * packs nothing twice and needs no synchronisation, and it costs only the m·n additions at the end.
     */
    static boolean splitK(int m, int n, int k, int threads) {
        return k >= 2 * KC && k >= 4L * Math.max(m, n) / threads && (long) m * n <= 1 << 22;
    }

    private static void kSplit(int m, int n, int k, int threads,
                               float[] a, int aOff, int aRs, int aCs, boolean packA,
                               float[] b, int bOff, int bRs, int bCs,
                               float[] c, int cOff, int ldc, boolean accumulate) {
        int parts = Math.min(threads, k / KC);
        float[] partial = WORKSPACE.get().partial((parts - 1) * m * n);
        // No barrier between the parts, so forRange rather than together: the caller takes any part a
        // worker has not started, and a descheduled worker costs at most one part's time instead of the
        // whole product's (mlp's 64x784x64 ran 300-750 us inside training, 105-135 us alone). Parts run
        // one after another when the team is busy, so the sum is the same whoever runs them.
        Parallel.forRange(parts, 1, (from, to) -> {
            for (int t = from; t < to; t++) {
                int k0 = (int) ((long) k * t / parts), k1 = (int) ((long) k * (t + 1) / parts);
                if (t == 0)
                    blocked(0, m, 0, n, k0, k1, a, aOff, aRs, aCs, packA, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
                else
                    blocked(0, m, 0, n, k0, k1, a, aOff, aRs, aCs, packA, b, bOff, bRs, bCs, partial, (t - 1) * m * n, n, false);
            }
        });
        for (int t = 1; t < parts; t++) {
            int base = (t - 1) * m * n;
            for (int i = 0; i < m; i++) addRow(partial, base + i * n, c, cOff + i * ldc, n);
        }
    }

    private static void addRow(float[] src, int s, float[] dst, int d, int n) {
        int j = 0;
        for (int upper = S.loopBound(n); j < upper; j += S.length())
            FloatVector.fromArray(S, dst, d + j).add(FloatVector.fromArray(S, src, s + j)).intoArray(dst, d + j);
        for (; j < n; j++) dst[d + j] += src[s + j];
    }

    /**
     * Whether A is copied into interleaved slivers ({@link GemmPacking#packA}) or read in place by the
     * kernel. In place needs each row contiguous in k. Packing pays for itself once each A element meets
     * enough columns: the packed kernel runs about 20% faster (one index walks the sliver) and an A
     * block of rows far apart no longer thrashes L2 sets. Measured interleaved with OpenBLAS:
     * 64x64x784 (n = 784, A in place before) went from 77% to 98% of OpenBLAS when packed, while
     * 64x784x64 (n = 64) and 64³ lost 10% when packed, hence the threshold of 128 columns.
     */
    static final int PACK_A_MIN_N = 128;

    static boolean needsPackedA(int n, int k, int aRs, int aCs) {
        return aCs != 1 || n >= PACK_A_MIN_N;
    }

    /**
     * Row split with packed B shared by all threads: for each group of k blocks, every thread packs its
     * share of the 16-column micro-panels, waits at a barrier until all of B's group is packed, then
     * multiplies rows against it. Nothing is packed twice (a row split with private B panels packed
     * all of B on every thread: 10-25% of the time at n = 256). Two buffers alternate, so a thread that runs
     * ahead packs the next group while the other still reads the current one; one barrier per group
     * suffices (a thread packing group q+2 has passed barrier q+1, which the other reached only after it
     * had finished with group q).
     *
     * <p>The rows are not split in halves but claimed in chunks ({@link #chunkRows}) from a counter per
     * group: on this machine one core is now and then slower than the other for a while (the host's other
     * tenants), and with fixed halves the faster thread then waited for the slower one at the end of every
     * product (about 2% of gpt's training time). A chunk's k blocks still run in order whoever takes it,
     * so the sums, and the bits, do not depend on which thread took which chunk.
     */
    private static void sharedB(int m, int n, int k, int threads,
                                float[] a, int aOff, int aRs, int aCs, boolean packA,
                                float[] b, int bOff, int bRs, int bCs,
                                float[] c, int cOff, int ldc, boolean accumulate) {
        int kBlocks = (k + KC - 1) / KC;
        int kcMax = GemmPacking.padK((k + kBlocks - 1) / kBlocks);
        int ncMax = roundUp(Math.min(NC, n), NR);
        int group = Math.max(1, Math.min(kBlocks, B_BUDGET / (kcMax * ncMax)));
        Workspace caller = WORKSPACE.get();
        float[][] buffers = {caller.shared0(group * kcMax * ncMax), caller.shared1(group * kcMax * ncMax)};
        int slivers = (m + MR - 1) / MR;
        int parts = Math.min(threads, slivers);
        int chunk = chunkRows(slivers, parts), chunks = (m + chunk - 1) / chunk;
        int steps = (n + NC - 1) / NC * ((kBlocks + group - 1) / group);
        AtomicIntegerArray claimed = new AtomicIntegerArray(steps);
        GemmBarrier barrier = new GemmBarrier(parts);
        boolean ran = Parallel.together(parts, (t, p) -> {
            try {
                Workspace ws = WORKSPACE.get();
                float[] ap = packA ? ws.a(kcMax * chunk) : null;
                float[] tile = ws.tile(kcMax);
                int step = 0;
                for (int jc = 0; jc < n; jc += NC) {
                    int nc = Math.min(NC, n - jc), ncPadded = roundUp(nc, NR), np = ncPadded / NR;
                    int q0 = (int) ((long) np * t / parts), q1 = (int) ((long) np * (t + 1) / parts);
                    for (int g0 = 0; g0 < kBlocks; g0 += group, step++) {
                        int g1 = Math.min(kBlocks, g0 + group);
                        float[] bp = buffers[step & 1];
                        if (q1 > q0) {
                            for (int kb = g0; kb < g1; kb++) {
                                int k0 = kStart(k, kBlocks, kb), kc = kStart(k, kBlocks, kb + 1) - k0;
                                GemmPacking.packB(k0, kc, jc + q0 * NR, Math.min(nc, q1 * NR) - q0 * NR,
                                        b, bOff, bRs, bCs, bp, (kb - g0) * kcMax * ncPadded + q0 * NR * GemmPacking.padK(kc));
                            }
                        }
                        barrier.await();
                        for (int ch; (ch = claimed.getAndIncrement(step)) < chunks; ) {
                            int i0 = ch * chunk;
                            groupRows(i0, Math.min(m, i0 + chunk), jc, nc, 0, k, kBlocks, g0, g1, a, aOff, aRs, aCs,
                                    ap, bp, c, cOff, ldc, accumulate, tile);
                        }
                    }
                }
            } catch (Throwable e) {
                barrier.breakBarrier();
                throw e;
            }
        });
        if (!ran) blocked(0, m, 0, n, 0, k, a, aOff, aRs, aCs, packA, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
    }

    /**
     * Rows per chunk of a shared-B row split: at most {@link #MC} (one block of A), and small enough that
     * each thread gets four or more chunks, so that a thread slowed for a while leaves little for the other
     * to wait on.
     */
    static int chunkRows(int slivers, int parts) {
        return Math.max(1, Math.min(MC / MR, slivers / (4 * parts))) * MR;
    }

    /**
     * The blocked product for C rows [i0, i1), columns [j0, j1), summing over k in [k0, k1), on the
     * calling thread.
     *
     * <p>Loop order: column block (NC) → B packed for several k blocks at once → row block (MC) → k block.
     * Running the k blocks innermost keeps one MC×NC block of C (192 KiB) close to the core while its
     * partial sums are reloaded once per k block. The textbook order (k block outside the row blocks)
     * reloads each tile of C only after the whole of A has streamed past; measured interleaved with this
     * order (same kernel, same packing), it ran 5-12% slower at n = 1024 on one thread.
     */
    private static void blocked(int i0, int i1, int j0, int j1, int k0, int k1,
                                float[] a, int aOff, int aRs, int aCs, boolean packA,
                                float[] b, int bOff, int bRs, int bCs,
                                float[] c, int cOff, int ldc, boolean accumulate) {
        Workspace ws = WORKSPACE.get();
        int k = k1 - k0;
        int kBlocks = (k + KC - 1) / KC;
        int kcMax = GemmPacking.padK((k + kBlocks - 1) / kBlocks);    // equal k blocks: no short tail block
        int ncMax = roundUp(Math.min(NC, j1 - j0), NR);
        // How many k blocks of B are packed together: all of them unless that exceeds B_BUDGET floats.
        int group = Math.max(1, Math.min(kBlocks, B_BUDGET / (kcMax * ncMax)));
        float[] bp = ws.b(group * kcMax * ncMax);
        float[] ap = packA ? ws.a(kcMax * roundUp(Math.min(MC, i1 - i0), MR)) : null;
        float[] tile = ws.tile(kcMax);
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc), ncPadded = roundUp(nc, NR);
            for (int g0 = 0; g0 < kBlocks; g0 += group) {
                int g1 = Math.min(kBlocks, g0 + group);
                for (int kb = g0; kb < g1; kb++) {
                    int ks = kStart(k, kBlocks, kb), kc = kStart(k, kBlocks, kb + 1) - ks;
                    GemmPacking.packB(k0 + ks, kc, jc, nc, b, bOff, bRs, bCs, bp, (kb - g0) * kcMax * ncPadded);
                }
                groupRows(i0, i1, jc, nc, k0, k, kBlocks, g0, g1, a, aOff, aRs, aCs, ap, bp, c, cOff, ldc, accumulate, tile);
            }
        }
    }

    /**
     * Rows [i0, i1) of C, columns [jc, jc+nc), against k blocks [g0, g1) of B packed in {@code bp} (k block
     * kb of the range [k0, k0+k) at offset (kb − g0)·kcMax·ncPadded, kcMax the padded size of the largest
     * block), MC rows of A at a time.
     */
    private static void groupRows(int i0, int i1, int jc, int nc, int k0, int k, int kBlocks, int g0, int g1,
                                  float[] a, int aOff, int aRs, int aCs, float[] ap, float[] bp,
                                  float[] c, int cOff, int ldc, boolean accumulate, float[] tile) {
        int ncPadded = roundUp(nc, NR), kcMax = GemmPacking.padK((k + kBlocks - 1) / kBlocks);
        for (int ic = i0; ic < i1; ic += MC) {
            int mc = Math.min(MC, i1 - ic);
            for (int kb = g0; kb < g1; kb++) {
                int ks = kStart(k, kBlocks, kb), kc = kStart(k, kBlocks, kb + 1) - ks;
                boolean acc = accumulate || kb > 0;     // later k blocks add to what the first wrote
                int bBase = (kb - g0) * kcMax * ncPadded, cBase = cOff + ic * ldc + jc;
                if (ap != null) {
                    GemmPacking.packA(ic, mc, k0 + ks, kc, a, aOff, aRs, aCs, ap);
                    macro(mc, nc, kc, ap, 0, 0, true, bp, bBase, c, cBase, ldc, acc, tile);
                } else {
                    macro(mc, nc, kc, a, aOff + ic * aRs + k0 + ks, aRs, false, bp, bBase, c, cBase, ldc, acc, tile);
                }
            }
        }
    }

    /** Start of k block {@code kb} of {@code kBlocks} near-equal blocks. */
    private static int kStart(int k, int kBlocks, int kb) {
        return (int) ((long) k * kb / kBlocks);
    }

    /**
     * One block: every 16-column panel of the packed B block against every 4-row sliver of the A block.
     * Packed panels and slivers hold {@link GemmPacking#padK}(kc) steps. With {@code packed}, A is in
     * {@link GemmPacking#packA}'s layout starting at {@code as[aBase]}; otherwise row i of the A block starts
     * at {@code as[aBase + i*rowStride]}.
     */
    private static void macro(int mc, int nc, int kc, float[] as, int aBase, int rowStride, boolean packed,
                              float[] bp, int bpBase, float[] c, int cBase, int ldc, boolean acc, float[] tile) {
        int fullRows = mc / MR * MR, kcp = GemmPacking.padK(kc);
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr), bIdx = bpBase + jr * kcp;
            int cIdx = cBase + jr;
            if (packed) {
                if (nr == NR) {
                    GemmMicroKernel.panelPacked(kcp, fullRows, as, aBase, bp, bIdx, c, cIdx, ldc, acc);
                    if (fullRows < mc)
                        GemmMicroKernel.edgeTilePacked(kcp, as, aBase + fullRows * kcp, bp, bIdx,
                                c, cIdx + fullRows * ldc, ldc, acc, mc - fullRows, NR, tile);
                } else {
                    for (int ir = 0; ir < mc; ir += MR)
                        GemmMicroKernel.edgeTilePacked(kcp, as, aBase + ir * kcp, bp, bIdx,
                                c, cIdx + ir * ldc, ldc, acc, Math.min(MR, mc - ir), nr, tile);
                }
            } else if (nr == NR) {
                GemmMicroKernel.panel(kc, fullRows, as, aBase, rowStride, bp, bIdx, c, cIdx, ldc, acc);
                if (fullRows < mc)
                    GemmMicroKernel.edgeTile(kc, as, aBase + fullRows * rowStride, rowStride, bp, bIdx,
                            c, cIdx + fullRows * ldc, ldc, acc, mc - fullRows, NR, tile);
            } else {
                for (int ir = 0; ir < mc; ir += MR)
                    GemmMicroKernel.edgeTile(kc, as, aBase + ir * rowStride, rowStride, bp, bIdx,
                            c, cIdx + ir * ldc, ldc, acc, Math.min(MR, mc - ir), nr, tile);
            }
        }
    }

    private static int roundUp(int x, int unit) {
        return (x + unit - 1) / unit * unit;
    }

    /** Plain loops for machines whose vectors are narrower than 8 floats (not the target hardware). */
    private static void scalar(int m, int n, int k, float[] a, int aOff, int aRs, int aCs,
                               float[] b, int bOff, int bRs, int bCs, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            if (!accumulate) java.util.Arrays.fill(c, ci, ci + n, 0f);
            for (int p = 0; p < k; p++) {
                float av = a[aOff + i * aRs + p * aCs];
                int bi = bOff + p * bRs;
                for (int j = 0; j < n; j++) c[ci + j] += av * b[bi + j * bCs];
            }
        }
    }
}
