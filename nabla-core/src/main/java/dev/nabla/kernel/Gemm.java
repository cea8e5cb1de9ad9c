package dev.nabla.kernel;

import static dev.nabla.kernel.GemmMicroKernel.MR;
import static dev.nabla.kernel.GemmMicroKernel.NR;

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
 * <p>Two threads split C into column ranges (each packs only its own part of B) or, when that would
 * cost more (A packed twice, or too few columns to share evenly), into row ranges.
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
    /** Products with at most this many multiply-adds run on one thread: the fork costs more. */
    static final long SERIAL_WORK = 64L * 64 * 64;

    /** The Vector API kernel needs 8 float lanes in hardware; narrower machines use the scalar loop. */
    private static final boolean VECTOR = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() >= 8;

    /** Per-thread packing buffers, grown on demand and reused across calls. */
    private static final class Workspace {
        float[] a = new float[0], b = new float[0];
        float[] tile = new float[0];

        float[] a(int size) { return a.length >= size ? a : (a = new float[size]); }
        float[] b(int size) { return b.length >= size ? b : (b = new float[size]); }
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
        if (!VECTOR) {
            scalar(m, n, k, a, aOff, aRs, aCs, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
            return;
        }
        boolean packA = needsPackedA(n, k, aRs, aCs);
        int threads = Parallel.threads();
        long work = (long) m * n * k;
        int panels = (n + NR - 1) / NR, slivers = (m + MR - 1) / MR;
        if (threads <= 1 || work <= SERIAL_WORK || panels < 2 && slivers < 2) {
            blocked(0, m, 0, n, k, a, aOff, aRs, aCs, packA, b, bOff, bRs, bCs, c, cOff, ldc, accumulate);
            return;
        }
        if (splitColumns(m, n, k, packA, threads, panels, slivers)) {
            Parallel.forRange(panels, 1, (from, to) -> blocked(0, m, from * NR, Math.min(n, to * NR), k,
                    a, aOff, aRs, aCs, packA, b, bOff, bRs, bCs, c, cOff, ldc, accumulate));
        } else {
            Parallel.forRange(slivers, 1, (from, to) -> blocked(from * MR, Math.min(m, to * MR), 0, n, k,
                    a, aOff, aRs, aCs, packA, b, bOff, bRs, bCs, c, cOff, ldc, accumulate));
        }
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
     * Whether to give each thread a range of columns (true) or of rows. Each choice has a cost beyond the
     * product itself: splitting columns makes every thread pack all of A if A needs packing; splitting
     * rows makes every thread pack all of B. And the split is in whole tiles, so a dimension with few
     * tiles leaves one thread idle part of the time. Pick the cheaper, in units of packed elements.
     */
    private static boolean splitColumns(int m, int n, int k, boolean packA, int threads, int panels, int slivers) {
        double colImbalance = Math.ceil((double) panels / threads) * threads / panels - 1;
        double rowImbalance = Math.ceil((double) slivers / threads) * threads / slivers - 1;
        // An idle fraction of the product costs that fraction of m·n·k multiply-adds; packing costs
        // roughly 4 multiply-adds' time per element copied (measured: ~0.4 ns vs ~0.1 ns per FMA).
        double colCost = colImbalance * m * (double) n * k + (packA ? 4.0 * m * k * (threads - 1) : 0);
        double rowCost = rowImbalance * m * (double) n * k + 4.0 * k * (double) n * (threads - 1);
        return colCost <= rowCost;
    }

    /**
     * The blocked product for C rows [i0, i1) and columns [j0, j1), on the calling thread.
     *
     * <p>Loop order: column block (NC) → B packed for several k blocks at once → row block (MC) → k block.
     * Running the k blocks innermost keeps one MC×NC block of C (192 KiB) close to the core while its
     * partial sums are reloaded once per k block. The textbook order (k block outside the row blocks)
     * reloads each tile of C only after the whole of A has streamed past, i.e. from DRAM for n ≥ 1024,
     * and Java has no prefetch instruction to hide that latency (measured slower at n = 2048).
     */
    private static void blocked(int i0, int i1, int j0, int j1, int k,
                                float[] a, int aOff, int aRs, int aCs, boolean packA,
                                float[] b, int bOff, int bRs, int bCs,
                                float[] c, int cOff, int ldc, boolean accumulate) {
        Workspace ws = WORKSPACE.get();
        int kBlocks = (k + KC - 1) / KC;
        int kcMax = (k + kBlocks - 1) / kBlocks;    // equal k blocks: no short tail block
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
                int kStart = kStart(k, kBlocks, g0);
                for (int kb = g0; kb < g1; kb++) {
                    int k0 = kStart(k, kBlocks, kb), kc = kStart(k, kBlocks, kb + 1) - k0;
                    GemmPacking.packB(k0, kc, jc, nc, b, bOff, bRs, bCs, bp, (k0 - kStart) * ncPadded);
                }
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    for (int kb = g0; kb < g1; kb++) {
                        int k0 = kStart(k, kBlocks, kb), kc = kStart(k, kBlocks, kb + 1) - k0;
                        boolean acc = accumulate || kb > 0;     // later k blocks add to what the first wrote
                        float[] as;
                        int aBase, rowStride;
                        if (packA) {
                            GemmPacking.packA(ic, mc, k0, kc, a, aOff, aRs, aCs, ap);
                            as = ap;
                            aBase = 0;
                            rowStride = kc;
                        } else {
                            as = a;
                            aBase = aOff + ic * aRs + k0;
                            rowStride = aRs;
                        }
                        macro(mc, nc, kc, as, aBase, rowStride, packA, bp, (k0 - kStart) * ncPadded,
                                c, cOff + ic * ldc + jc, ldc, acc, tile);
                    }
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
     * With {@code packed}, A is in {@link GemmPacking#packA}'s layout starting at {@code as[aBase]};
     * otherwise row i of the A block starts at {@code as[aBase + i*rowStride]}.
     */
    private static void macro(int mc, int nc, int kc, float[] as, int aBase, int rowStride, boolean packed,
                              float[] bp, int bpBase, float[] c, int cBase, int ldc, boolean acc, float[] tile) {
        int fullRows = mc / MR * MR;
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr), bIdx = bpBase + jr * kc;
            int cIdx = cBase + jr;
            if (packed) {
                if (nr == NR) {
                    GemmMicroKernel.panelPacked(kc, fullRows, as, aBase, bp, bIdx, c, cIdx, ldc, acc);
                    if (fullRows < mc)
                        GemmMicroKernel.edgeTilePacked(kc, as, aBase + fullRows * kc, bp, bIdx,
                                c, cIdx + fullRows * ldc, ldc, acc, mc - fullRows, NR, tile);
                } else {
                    for (int ir = 0; ir < mc; ir += MR)
                        GemmMicroKernel.edgeTilePacked(kc, as, aBase + ir * kc, bp, bIdx,
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
