package dev.nabla.nn.internal;

import dev.nabla.kernel.Parallel;
import dev.nabla.kernel.VecMath;
import dev.nabla.nn.internal.AttentionKernel.Dims;
import dev.nabla.nn.internal.AttentionKernel.Masks;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Block-wise ("flash") scaled dot-product attention: the same op as {@link AttentionKernel} (same masks, causal,
 * dropout keep mask, NaN for a row whose every key is masked) without ever holding more than one
 * {@link #BR}×{@link #BC} block of scores per thread. The forward runs an online softmax over key blocks (running
 * row max m and sum l; the output accumulator is rescaled by e^(m_old − m_new) when the max grows) and saves only
 * the row log-sum-exp [N·H, L]; the backward recomputes each score block from Q, K and the LSE
 * (P = e^(S − lse)), with D = rowsum(dO∘O) standing in for rowsum(dP∘P) (they are equal, with dropout too:
 * Σ_j dP'_j·keep_j/(1−p)·P_j = dO·Σ_j P'_j·V_j = dO·O), and dS = P∘(dP − D)·scale.
 *
 * <p>Memory per (batch, head) is O(block·S + S·D): K and V of the pair are packed once into zero-padded panels
 * (Kᵀ [D, S16] and V [S16, Dv16] forward; also K [S16, D16], Vᵀ, Q and dO backward, plus the dK, dV accumulators),
 * so every product runs on whole 16-float columns with no tails, in the register-tiled {@link #mm} (4 rows × 16
 * columns: 8 accumulators, two loads and four broadcasts per step) instead of general GEMM calls that each pack
 * their small operands: at head dim 32 those ~28 calls per pair spent more time packing than multiplying. The
 * dropout keep mask, when there is one, is still one byte per weight [N·H, L, S] (drawn up front, as the
 * materialised path draws it, so both paths drop the same weights).
 */
public final class FlashAttention {
    private FlashAttention() {}

    /**
     * Query rows per block and keys per block (a multiple of 16). Measured (AttentionTable, N·H·L = 16K, head dim
     * 32, causal, fwd+bwd): 32×64 and 16×64 were best at L = 128 and 1024; 32×32, 64×64 and 32×128 up to 25 % slower
     * at L = 128 (more masked work on the diagonal or more rescaling), 64×128 at L = 128 far slower.
     */
    static final int BR = 32, BC = 64;
    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_256;

    private static int up16(int x) {
        return (x + 15) & ~15;
    }

    private static int grain(Dims dm, int flopsPerScore) {
        long work = (long) dm.l() * dm.s() * flopsPerScore;
        return work >= 32768 ? 1 : (int) Math.max(1, 32768 / Math.max(1, work));
    }

    /** Keys a block of query rows ending (exclusive) at {@code r1} can attend to. */
    private static int keys(Dims dm, int r1) {
        return dm.causal() ? Math.min(dm.s(), r1) : dm.s();
    }

    /**
     * Packs B[p][j] = t[(b,h) + p·sL + j·sD] (p &lt; rows, j &lt; width: the pair's rows as B's rows) into 16-column
     * panels: element (p, j) at {@code dst[(j/16)·panel + p·16 + j%16]}; the padding stays zero.
     */
    private static void packRows(Operand t, int at, int rows, int width, float[] dst, int panel) {
        float[] a = t.data();
        if (t.sD() == 1 && width % 8 == 0) { // whole vectors: the scalar scatter was a tenth of a GPT-sized pass
            for (int p = 0; p < rows; p++) {
                int src = at + p * t.sL();
                for (int j = 0; j < width; j += 8)
                    FloatVector.fromArray(SP, a, src + j).intoArray(dst, (j >> 4) * panel + p * 16 + (j & 15));
            }
            return;
        }
        for (int p = 0; p < rows; p++) {
            int src = at + p * t.sL();
            for (int j = 0; j < width; j++) dst[(j >> 4) * panel + p * 16 + (j & 15)] = a[src + j * t.sD()];
        }
    }

    /**
     * Packs B[p][j] = t[(b,h) + j·sL + p·sD] (j &lt; rows: the pair's rows as B's columns, p &lt; width) into
     * 16-column panels of {@code width} rows: element (p, j) at {@code dst[(j/16)·width·16 + p·16 + j%16]}.
     */
    private static void packT(Operand t, int at, int rows, int width, float[] dst) {
        float[] a = t.data();
        for (int j = 0; j < rows; j++) {
            int src = at + j * t.sL(), d = (j >> 4) * width * 16 + (j & 15);
            for (int p = 0; p < width; p++) dst[d + p * 16] = a[src + p * t.sD()];
        }
    }

    /**
     * Scales and masks row {@code i} (query {@code qi}) of a score block (keys {@code c0 ..}) in place:
     * x = s·scale + masks for the {@code lim} visible keys (lim may be ≤ 0 on the diagonal of a causal block), -inf
     * from there to {@code w16}; returns the max of x (-inf when no key is visible).
     */
    private static float scaleMask(Dims dm, Masks masks, float[] sb, int row, int lim, int w16, int qi, int c0,
                                   int b, int bh) {
        float scale = dm.scale(), max = Float.NEGATIVE_INFINITY;
        float[] mask = masks.mask(), pad = masks.pad();
        int s = dm.s(), j = 0;
        if (mask == null && pad == null) {
            FloatVector vmax = FloatVector.broadcast(SP, Float.NEGATIVE_INFINITY);
            for (; j + 8 <= lim; j += 8) {
                FloatVector x = FloatVector.fromArray(SP, sb, row + j).mul(scale);
                x.intoArray(sb, row + j);
                vmax = vmax.max(x);
            }
            max = vmax.reduceLanes(VectorOperators.MAX);
            for (; j < lim; j++) {
                float x = sb[row + j] * scale;
                sb[row + j] = x;
                if (x > max) max = x;
            }
        } else {
            int mr = (masks.perHead() ? bh * dm.l() * s : 0) + qi * s + c0, pr = b * s + c0;
            for (; j < lim; j++) {
                float x = sb[row + j] * scale;
                if (mask != null) x += mask[mr + j];
                if (pad != null) x += pad[pr + j];
                sb[row + j] = x;
                if (x > max) max = x;
            }
        }
        return max;
    }

    /**
     * sb[row + j] = e^(x_j − shift) for j &lt; lim and 0 from there to {@code w16}; returns the sum over j &lt; lim.
     */
    private static float expRow(float[] sb, int row, int lim, int w16, float shift) {
        float total = lim <= 0 ? 0f : VecMath.expShiftSum(sb, row, lim, shift);
        Arrays.fill(sb, row + Math.max(lim, 0), row + w16, 0f);
        return total;
    }

    /**
     * Forward: writes O and, when {@code lse} is not null, the row log-sum-exp (NaN for a fully masked row) at
     * {@code lse[bh·L + i]}. {@code keep}/{@code dropScale} as in {@link AttentionKernel#forward}.
     */
    public static void forward(Dims dm, Operand q, Operand k, Operand v, Operand o, Masks masks, float[] lse,
                               byte[] keep, float dropScale) {
        int pairs = dm.n() * dm.h(), L = dm.l(), S = dm.s(), D = dm.d(), Dv = dm.dv();
        int s16 = up16(S), dv16 = up16(Dv);
        Parallel.forRange(pairs, grain(dm, D + Dv), (from, to) -> {
            float[] kt = new float[D * s16], vp = new float[s16 * dv16], qrow = q.sD() == 1 ? null : new float[L * D];
            float[] sb = new float[BR * BC], oacc = new float[BR * dv16], m = new float[BR], l = new float[BR];
            for (int bh = from; bh < to; bh++) {
                int b = bh / dm.h(), h = bh % dm.h();
                int kAt = k.at(b, h), qAt = q.at(b, h), oAt = o.at(b, h);
                packT(k, kAt, S, D, kt);
                packRows(v, v.at(b, h), S, Dv, vp, s16 * 16);
                // Q's rows are read in place when contiguous along D, else copied so the products see a unit stride
                float[] qa = q.sD() == 1 ? q.data() : contiguous(q, qAt, L, D, qrow);
                int qaAt = q.sD() == 1 ? qAt : 0, qaRs = q.sD() == 1 ? q.sL() : D;
                for (int r0 = 0; r0 < L; r0 += BR) {
                    int rows = Math.min(BR, L - r0), kEnd = keys(dm, r0 + rows);
                    java.util.Arrays.fill(m, Float.NEGATIVE_INFINITY);
                    java.util.Arrays.fill(l, 0f);
                    java.util.Arrays.fill(oacc, 0, rows * dv16, 0f);
                    for (int c0 = 0; c0 < kEnd; c0 += BC) {
                        int w = Math.min(BC, kEnd - c0), w16 = up16(w);
                        mm(rows, w16, D, qa, qaAt + r0 * qaRs, qaRs, 1, kt, c0 * D, D * 16, sb, 0, BC, false);
                        for (int i = 0; i < rows; i++) {
                            int qi = r0 + i, row = i * BC;
                            int lim = dm.causal() ? Math.min(w, qi + 1 - c0) : w;
                            float bmax = scaleMask(dm, masks, sb, row, lim, w16, qi, c0, b, bh);
                            float mOld = m[i], mNew = Math.max(mOld, bmax);
                            if (mNew == Float.NEGATIVE_INFINITY) { // nothing visible yet: this block adds nothing
                                java.util.Arrays.fill(sb, row, row + w16, 0f);
                                continue;
                            }
                            float sum = expRow(sb, row, lim, w16, mNew);
                            if (mOld != mNew) {
                                float alpha = (float) Math.exp(mOld - mNew); // 0 when mOld is -inf
                                l[i] *= alpha;
                                for (int c = i * dv16, e = c + dv16; c < e; c += 8)
                                    FloatVector.fromArray(SP, oacc, c).mul(alpha).intoArray(oacc, c);
                                m[i] = mNew;
                            }
                            l[i] += sum;
                            if (keep != null) {
                                int kr = (bh * L + qi) * S + c0;
                                for (int j = 0; j < lim; j++) sb[row + j] *= keep[kr + j] * dropScale;
                            }
                        }
                        mm(rows, dv16, w16, sb, 0, BC, 1, vp, c0 * 16, s16 * 16, oacc, 0, dv16, true);
                    }
                    for (int i = 0; i < rows; i++) {
                        int or = oAt + (r0 + i) * o.sL(), ar = i * dv16;
                        if (m[i] == Float.NEGATIVE_INFINITY) { // every key masked: NaN, as PyTorch's softmax gives
                            for (int c = 0; c < Dv; c++) o.data()[or + c * o.sD()] = Float.NaN;
                            if (lse != null) lse[bh * L + r0 + i] = Float.NaN;
                            continue;
                        }
                        float inv = 1f / l[i];
                        for (int c = 0; c < Dv; c++) o.data()[or + c * o.sD()] = oacc[ar + c] * inv;
                        if (lse != null) lse[bh * L + r0 + i] = m[i] + (float) Math.log(l[i]);
                    }
                }
            }
        });
    }

    /**
     * Backward: writes dQ, dK and dV (each element exactly once) from Q, K, V, the forward's output O, dO and the
     * saved log-sum-exp.
     */
    public static void backward(Dims dm, Operand q, Operand k, Operand v, Operand o, Operand dO, Masks masks,
                                float[] lse, byte[] keep, float dropScale, Operand dq, Operand dk, Operand dv) {
        int pairs = dm.n() * dm.h(), L = dm.l(), S = dm.s(), D = dm.d(), Dv = dm.dv();
        int s16 = up16(S), d16 = up16(D), dv16 = up16(Dv);
        float scale = dm.scale();
        Parallel.forRange(pairs, grain(dm, 2 * D + 3 * Dv), (from, to) -> {
            float[] kt = new float[D * s16], kp = new float[s16 * d16], vt = new float[Dv * s16];
            float[] qp = new float[L * d16], dop = new float[L * dv16], delta = new float[L];
            float[] qrow = q.sD() == 1 ? null : new float[L * D], grow = dO.sD() == 1 ? null : new float[L * Dv];
            float[] sb = new float[BR * BC], db = new float[BR * BC], pd = keep == null ? null : new float[BR * BC];
            float[] dqacc = new float[BR * d16], dkacc = new float[s16 * d16], dvacc = new float[s16 * dv16];
            for (int bh = from; bh < to; bh++) {
                int b = bh / dm.h(), h = bh % dm.h();
                int qAt = q.at(b, h), kAt = k.at(b, h), vAt = v.at(b, h), oAt = o.at(b, h), gAt = dO.at(b, h);
                packT(k, kAt, S, D, kt);
                packRows(k, kAt, S, D, kp, s16 * 16);
                packT(v, vAt, S, Dv, vt);
                packRows(q, qAt, L, D, qp, L * 16);
                packRows(dO, gAt, L, Dv, dop, L * 16);
                float[] qa = q.sD() == 1 ? q.data() : contiguous(q, qAt, L, D, qrow);
                int qaAt = q.sD() == 1 ? qAt : 0, qaRs = q.sD() == 1 ? q.sL() : D;
                float[] ga = dO.sD() == 1 ? dO.data() : contiguous(dO, gAt, L, Dv, grow);
                int gaAt = dO.sD() == 1 ? gAt : 0, gaRs = dO.sD() == 1 ? dO.sL() : Dv;
                for (int i = 0; i < L; i++) {
                    int orow = oAt + i * o.sL(), gr = gAt + i * dO.sL();
                    float acc = 0f;
                    for (int c = 0; c < Dv; c++) acc += dO.data()[gr + c * dO.sD()] * o.data()[orow + c * o.sD()];
                    delta[i] = acc;
                }
                java.util.Arrays.fill(dkacc, 0f);
                java.util.Arrays.fill(dvacc, 0f);
                for (int r0 = 0; r0 < L; r0 += BR) {
                    int rows = Math.min(BR, L - r0), kEnd = keys(dm, r0 + rows);
                    java.util.Arrays.fill(dqacc, 0, rows * d16, 0f);
                    for (int c0 = 0; c0 < kEnd; c0 += BC) {
                        int w = Math.min(BC, kEnd - c0), w16 = up16(w);
                        mm(rows, w16, D, qa, qaAt + r0 * qaRs, qaRs, 1, kt, c0 * D, D * 16, sb, 0, BC, false);
                        mm(rows, w16, Dv, ga, gaAt + r0 * gaRs, gaRs, 1, vt, c0 * Dv, Dv * 16, db, 0, BC, false);
                        for (int i = 0; i < rows; i++) {
                            int qi = r0 + i, row = i * BC;
                            int lim = dm.causal() ? Math.min(w, qi + 1 - c0) : w;
                            scaleMask(dm, masks, sb, row, lim, w16, qi, c0, b, bh);
                            expRow(sb, row, lim, w16, lse[bh * L + qi]); // P (0 past lim); a NaN row stays NaN
                            float di = delta[qi];
                            if (keep == null) { // dS = P∘(dP − D)·scale; P is 0 past lim, so dS is too
                                for (int j = 0; j < w16; j += 8) {
                                    FloatVector p = FloatVector.fromArray(SP, sb, row + j);
                                    FloatVector g = FloatVector.fromArray(SP, db, row + j);
                                    p.mul(g.sub(di)).mul(scale).intoArray(db, row + j);
                                }
                                continue;
                            }
                            int kr = (bh * L + qi) * S + c0;
                            for (int j = 0; j < Math.max(lim, 0); j++) {
                                float p = sb[row + j], kd = keep[kr + j] * dropScale;
                                pd[row + j] = p * kd;
                                db[row + j] = p * (db[row + j] * kd - di) * scale;
                            }
                            for (int j = Math.max(lim, 0); j < w16; j++) db[row + j] = pd[row + j] = 0f;
                        }
                        // dV[c0..] += P'ᵀ·dO, dK[c0..] += dSᵀ·Q, dQ += dS·K
                        mm(w16, dv16, rows, keep == null ? sb : pd, 0, 1, BC, dop, r0 * 16, L * 16, dvacc, c0 * dv16, dv16, true);
                        mm(w16, d16, rows, db, 0, 1, BC, qp, r0 * 16, L * 16, dkacc, c0 * d16, d16, true);
                        mm(rows, d16, w16, db, 0, BC, 1, kp, c0 * 16, s16 * 16, dqacc, 0, d16, true);
                    }
                    unpack(dqacc, d16, rows, D, dq, dq.at(b, h) + r0 * dq.sL());
                }
                unpack(dkacc, d16, S, D, dk, dk.at(b, h));
                unpack(dvacc, dv16, S, Dv, dv, dv.at(b, h));
            }
        });
    }

    /** The pair's rows copied row-major into {@code dst} (returned). */
    private static float[] contiguous(Operand t, int at, int rows, int width, float[] dst) {
        float[] a = t.data();
        for (int j = 0; j < rows; j++)
            for (int p = 0; p < width; p++) dst[j * width + p] = a[at + j * t.sL() + p * t.sD()];
        return dst;
    }

    private static void unpack(float[] src, int ld, int rows, int width, Operand t, int at) {
        float[] a = t.data();
        for (int j = 0; j < rows; j++) {
            int d = at + j * t.sL(), s = j * ld;
            if (t.sD() == 1) System.arraycopy(src, s, a, d, width);
            else for (int p = 0; p < width; p++) a[d + p * t.sD()] = src[s + p];
        }
    }

    /**
     * C[i][j] (+)= Σ_p A[i][p]·B[p][j] for i &lt; m, j &lt; n (a multiple of 16), p &lt; kk: A[i][p] at
     * {@code a[aOff + i·aRs + p·aCs]} (any strides: row-major, transposed or a strided view); B in 16-column panels,
     * (p, j) at {@code b[bOff + (j/16)·panel + p·16 + j%16]} (a constant stride per step of p, which lets the JIT
     * drop the vector loads' bounds checks); C row-major at {@code c[cOff + i·ldc + j]}.
     */
    static void mm(int m, int n, int kk, float[] a, int aOff, int aRs, int aCs, float[] b, int bOff, int panel,
                   float[] c, int cOff, int ldc, boolean acc) {
        for (int j = 0; j < n; j += 16) {
            int i = 0, b0 = bOff + (j >> 4) * panel;
            if (aCs == 1)
                for (; i + 4 <= m; i += 4) tile4(kk, a, aOff + i * aRs, aRs, b, b0, c, cOff + i * ldc + j, ldc, acc);
            else if (aCs == BC && aRs == 1)
                for (; i + 4 <= m; i += 4) tile4T(kk, a, aOff + i, b, b0, c, cOff + i * ldc + j, ldc, acc);
            for (; i < m; i++) tile1(kk, a, aOff + i * aRs, aCs, b, b0, c, cOff + i * ldc + j, acc);
        }
    }

    /** A 4×16 tile of C with A's rows contiguous along p ({@code aCs} = 1: the unit stride lets C2 hoist the checks). */
    private static void tile4(int kk, float[] a, int a0, int aRs, float[] b, int b0, float[] c, int c0, int ldc,
                              boolean acc) {
        int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector x00, x01, x10, x11, x20, x21, x30, x31;
        if (acc) {
            x00 = FloatVector.fromArray(SP, c, c0);
            x01 = FloatVector.fromArray(SP, c, c0 + 8);
            x10 = FloatVector.fromArray(SP, c, c1);
            x11 = FloatVector.fromArray(SP, c, c1 + 8);
            x20 = FloatVector.fromArray(SP, c, c2);
            x21 = FloatVector.fromArray(SP, c, c2 + 8);
            x30 = FloatVector.fromArray(SP, c, c3);
            x31 = FloatVector.fromArray(SP, c, c3 + 8);
        } else {
            x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = FloatVector.zero(SP);
        }
        int a1 = a0 + aRs, a2 = a1 + aRs, a3 = a2 + aRs;
        for (int p = 0; p < kk; p++) {
            int bi = b0 + p * 16, ap = p;
            FloatVector v0 = FloatVector.fromArray(SP, b, bi), v1 = FloatVector.fromArray(SP, b, bi + 8);
            FloatVector y = FloatVector.broadcast(SP, a[a0 + ap]);
            x00 = v0.fma(y, x00);
            x01 = v1.fma(y, x01);
            y = FloatVector.broadcast(SP, a[a1 + ap]);
            x10 = v0.fma(y, x10);
            x11 = v1.fma(y, x11);
            y = FloatVector.broadcast(SP, a[a2 + ap]);
            x20 = v0.fma(y, x20);
            x21 = v1.fma(y, x21);
            y = FloatVector.broadcast(SP, a[a3 + ap]);
            x30 = v0.fma(y, x30);
            x31 = v1.fma(y, x31);
        }
        // stores written out here: a helper taking vectors, compiled on its own first, would box them
        x00.intoArray(c, c0);
        x01.intoArray(c, c0 + 8);
        x10.intoArray(c, c1);
        x11.intoArray(c, c1 + 8);
        x20.intoArray(c, c2);
        x21.intoArray(c, c2 + 8);
        x30.intoArray(c, c3);
        x31.intoArray(c, c3 + 8);
    }

    /** A 4×16 tile of C with A the transpose of a score block (A[i][p] = block[p·BC + i]). */
    private static void tile4T(int kk, float[] a, int a0, float[] b, int b0, float[] c, int c0, int ldc, boolean acc) {
        int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector x00, x01, x10, x11, x20, x21, x30, x31;
        if (acc) {
            x00 = FloatVector.fromArray(SP, c, c0);
            x01 = FloatVector.fromArray(SP, c, c0 + 8);
            x10 = FloatVector.fromArray(SP, c, c1);
            x11 = FloatVector.fromArray(SP, c, c1 + 8);
            x20 = FloatVector.fromArray(SP, c, c2);
            x21 = FloatVector.fromArray(SP, c, c2 + 8);
            x30 = FloatVector.fromArray(SP, c, c3);
            x31 = FloatVector.fromArray(SP, c, c3 + 8);
        } else {
            x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = FloatVector.zero(SP);
        }
        int a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3;
        for (int p = 0; p < kk; p++) {
            int bi = b0 + p * 16, ap = p * BC;
            FloatVector v0 = FloatVector.fromArray(SP, b, bi), v1 = FloatVector.fromArray(SP, b, bi + 8);
            FloatVector y = FloatVector.broadcast(SP, a[a0 + ap]);
            x00 = v0.fma(y, x00);
            x01 = v1.fma(y, x01);
            y = FloatVector.broadcast(SP, a[a1 + ap]);
            x10 = v0.fma(y, x10);
            x11 = v1.fma(y, x11);
            y = FloatVector.broadcast(SP, a[a2 + ap]);
            x20 = v0.fma(y, x20);
            x21 = v1.fma(y, x21);
            y = FloatVector.broadcast(SP, a[a3 + ap]);
            x30 = v0.fma(y, x30);
            x31 = v1.fma(y, x31);
        }
        x00.intoArray(c, c0);
        x01.intoArray(c, c0 + 8);
        x10.intoArray(c, c1);
        x11.intoArray(c, c1 + 8);
        x20.intoArray(c, c2);
        x21.intoArray(c, c2 + 8);
        x30.intoArray(c, c3);
        x31.intoArray(c, c3 + 8);
    }

    private static void tile1(int kk, float[] a, int a0, int aCs, float[] b, int b0, float[] c, int c0,
                              boolean acc) {
        FloatVector x0 = acc ? FloatVector.fromArray(SP, c, c0) : FloatVector.zero(SP);
        FloatVector x1 = acc ? FloatVector.fromArray(SP, c, c0 + 8) : FloatVector.zero(SP);
        for (int p = 0; p < kk; p++) {
            int bi = b0 + p * 16;
            FloatVector y = FloatVector.broadcast(SP, a[a0 + p * aCs]);
            x0 = FloatVector.fromArray(SP, b, bi).fma(y, x0);
            x1 = FloatVector.fromArray(SP, b, bi + 8).fma(y, x1);
        }
        x0.intoArray(c, c0);
        x1.intoArray(c, c0 + 8);
    }
}
