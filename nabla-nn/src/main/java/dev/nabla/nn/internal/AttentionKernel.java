package dev.nabla.nn.internal;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.Gemm;
import dev.nabla.kernel.Parallel;
import dev.nabla.kernel.VecMath;

/**
 * Fused scaled dot-product attention on raw arrays: per (batch n, head h), S = Q·Kᵀ·scale + masks, P = softmax(S)
 * (row-wise, max-subtracted), optional dropout on P, O = P·V; and the hand-written backward. Work is split over the
 * N·H (batch, head) pairs with {@link Parallel#forChunks}; each pair's products are {@link Gemm#sgemm} calls that read
 * Kᵀ, Vᵀ and Pᵀ through strides, so no operand is ever transposed or copied.
 *
 * <p>Operands are {@link Operand}s (a [N, H, L, D] addressing into a float[]), so packed projections ([N, L, 3E]),
 * batch-second layouts and head-split views all feed the kernel in place. Outputs (O, dQ, dK, dV) need a unit stride
 * along D. Masks are additive float arrays: {@code mask} [L, S] (shared) or [N·H, L, S] ({@code maskPerHead}),
 * {@code pad} [N, S] (key padding); {@code causal} masks key j &gt; query i (top-left aligned) without reading them.
 * A row whose every key is masked gives NaN, as PyTorch does.
 *
 * <p>The backward needs Q, K, V, dO and the saved probabilities P [N·H, L, S] (before dropout) plus the dropout keep
 * mask: dV = P'ᵀ·dO, dP' = dO·Vᵀ, dP = dP'∘keep/(1-p), dS = P∘(dP − rowsum(dP∘P))·scale, dQ = dS·K, dK = dSᵀ·Q,
 * where P' = P∘keep/(1-p) is recomputed. Long contexts run the block-wise {@link FlashAttention} instead, which keeps
 * only the row log-sum-exp (see Attention for where the switch lies).
 */
public final class AttentionKernel {
    private AttentionKernel() {}

    /** Rows (and key columns) per block when causal, so that the products skip the masked upper triangle. */
    static final int ROW_BLOCK = 32;

    /** Keys a block of query rows ending (exclusive) at {@code r1} can attend to. */
    private static int keys(Dims dm, int r1) {
        return dm.causal() ? Math.min(dm.s(), r1) : dm.s();
    }

    private static void zeroRows(Operand t, int b, int h, int from, int to, int width) {
        for (int j = from; j < to; j++) {
            int base = t.at(b, h) + j * t.sL();
            for (int c = 0; c < width; c++) t.data()[base + c * t.sD()] = 0f;
        }
    }

    /**
     * How many chunks of (batch, head) pairs the caller and the workers take one at a time: about 32K
     * multiply-adds or more each, and up to eight, so that a thread slowed for a while (another tenant on
     * the host) leaves the rest to the other instead of holding it at the end. Each pair is written by one
     * chunk only, so the result does not depend on the cut.
     */
    private static int chunks(int pairs, long work) {
        long perChunk = work >= 32768 ? 1 : Math.max(1, 32768 / Math.max(1, work));
        return (int) Math.max(1, Math.min(8, pairs / perChunk));
    }

    /** Dimensions and options shared by forward and backward. */
    public record Dims(int n, int h, int l, int s, int d, int dv, float scale, boolean causal) {}

    /** Additive masks (either may be null); {@code mask} is [L, S] or, when {@code perHead}, [N·H, L, S]. */
    public record Masks(float[] mask, boolean perHead, float[] pad) {
        public static final Masks NONE = new Masks(null, false, null);
    }

    /**
     * Forward. {@code probs} (length N·H·L·S) receives P when not null (for the backward); {@code keep} (one byte per
     * P element, 1 = kept) applies dropout scaled by {@code dropScale} = 1/(1-p).
     */
    public static void forward(Dims dm, Operand q, Operand k, Operand v, Operand o, Masks masks,
                               float[] probs, byte[] keep, float dropScale) {
        int pairs = dm.n() * dm.h(), ls = dm.l() * dm.s();
        long work = (long) ls * (dm.d() + dm.dv());
        int rowBlock = dm.causal() ? ROW_BLOCK : dm.l();
        Parallel.forChunks(pairs, chunks(pairs, work), (from, to) -> {
            float[] scratch = probs == null ? Graph.buffer(ls) : null;
            float[] dropped = keep == null ? null : Graph.buffer(ls);
            for (int bh = from; bh < to; bh++) {
                int b = bh / dm.h(), h = bh % dm.h();
                float[] p = probs == null ? scratch : probs;
                int pOff = probs == null ? 0 : bh * ls;
                // S = Q·Kᵀ (B[p][j] = K[j][p]); causal: each block of rows needs only the keys up to its last row
                for (int r0 = 0; r0 < dm.l(); r0 += rowBlock) {
                    int r1 = Math.min(dm.l(), r0 + rowBlock), kl = keys(dm, r1);
                    Gemm.sgemm(r1 - r0, kl, dm.d(), q.data(), q.at(b, h) + r0 * q.sL(), q.sL(), q.sD(),
                            k.data(), k.at(b, h), k.sD(), k.sL(), p, pOff + r0 * dm.s(), dm.s(), false);
                }
                softmaxRows(dm, p, pOff, masks, b, bh);
                float[] pv = p;
                int pvOff = pOff;
                if (keep != null) {
                    int kOff = bh * ls;
                    for (int i = 0; i < ls; i++) dropped[i] = p[pOff + i] * (keep[kOff + i] * dropScale);
                    pv = dropped;
                    pvOff = 0;
                }
                for (int r0 = 0; r0 < dm.l(); r0 += rowBlock) {
                    int r1 = Math.min(dm.l(), r0 + rowBlock), kl = keys(dm, r1);
                    Gemm.sgemm(r1 - r0, dm.dv(), kl, pv, pvOff + r0 * dm.s(), dm.s(), 1,
                            v.data(), v.at(b, h), v.sL(), v.sD(), o.data(), o.at(b, h) + r0 * o.sL(), o.sL(), false);
                }
            }
        });
    }

    /** Scales, masks and softmaxes the L rows of one (batch, head) score block in place. */
    private static void softmaxRows(Dims dm, float[] p, int off, Masks masks, int b, int bh) {
        int s = dm.s();
        float scale = dm.scale();
        float[] mask = masks.mask(), pad = masks.pad();
        int maskBase = mask == null ? 0 : masks.perHead() ? bh * dm.l() * s : 0, padBase = b * s;
        for (int i = 0; i < dm.l(); i++) {
            int r = off + i * s;
            int limit = dm.causal() ? Math.min(s, i + 1) : s;
            float max = Float.NEGATIVE_INFINITY;
            if (mask == null && pad == null) {
                for (int j = 0; j < limit; j++) {
                    float x = p[r + j] * scale;
                    p[r + j] = x;
                    if (x > max) max = x;
                }
            } else {
                int mr = maskBase + i * s;
                for (int j = 0; j < limit; j++) {
                    float x = p[r + j] * scale;
                    if (mask != null) x += mask[mr + j];
                    if (pad != null) x += pad[padBase + j];
                    p[r + j] = x;
                    if (x > max) max = x;
                }
            }
            if (max == Float.NEGATIVE_INFINITY) { // every key masked: PyTorch's softmax gives NaN
                for (int j = 0; j < s; j++) p[r + j] = Float.NaN;
                continue;
            }
            float inv = 1f / VecMath.expShiftSum(p, r, limit, max); // Vector API exp: the scalar one was ~3% of a GPT step
            for (int j = 0; j < limit; j++) p[r + j] *= inv;
            for (int j = limit; j < s; j++) p[r + j] = 0f;
        }
    }

    /** Backward: writes dQ, dK and dV (each element exactly once) from dO and the saved P. */
    public static void backward(Dims dm, Operand q, Operand k, Operand v, Operand dO, float[] probs,
                                byte[] keep, float dropScale, Operand dq, Operand dk, Operand dv) {
        int pairs = dm.n() * dm.h(), ls = dm.l() * dm.s();
        long work = (long) ls * (2 * dm.d() + 2 * dm.dv());
        int rowBlock = dm.causal() ? ROW_BLOCK : dm.l(), colBlock = dm.causal() ? ROW_BLOCK : dm.s();
        Parallel.forChunks(pairs, chunks(pairs, work), (from, to) -> {
            float[] dp = Graph.buffer(ls);
            float[] dropped = keep == null ? null : Graph.buffer(ls);
            int s = dm.s();
            for (int bh = from; bh < to; bh++) {
                int b = bh / dm.h(), h = bh % dm.h(), pOff = bh * ls;
                float[] pv = probs;
                int pvOff = pOff;
                if (keep != null) {
                    for (int i = 0; i < ls; i++) dropped[i] = probs[pOff + i] * (keep[pOff + i] * dropScale);
                    pv = dropped;
                    pvOff = 0;
                }
                int lim = dm.causal() ? Math.min(dm.l(), s) : s; // keys that any query attends to
                // dV = P'ᵀ·dO (A[i][p] = P'[p][i]); causal: key block [c0, c1) is seen by queries c0.. only
                for (int c0 = 0; c0 < lim; c0 += colBlock) {
                    int c1 = Math.min(s, c0 + colBlock), r0 = dm.causal() ? c0 : 0;
                    Gemm.sgemm(c1 - c0, dm.dv(), dm.l() - r0, pv, pvOff + r0 * s + c0, 1, s,
                            dO.data(), dO.at(b, h) + r0 * dO.sL(), dO.sL(), dO.sD(),
                            dv.data(), dv.at(b, h) + c0 * dv.sL(), dv.sL(), false);
                }
                // dP' = dO·Vᵀ
                for (int r0 = 0; r0 < dm.l(); r0 += rowBlock) {
                    int r1 = Math.min(dm.l(), r0 + rowBlock), kl = keys(dm, r1);
                    Gemm.sgemm(r1 - r0, kl, dm.dv(), dO.data(), dO.at(b, h) + r0 * dO.sL(), dO.sL(), dO.sD(),
                            v.data(), v.at(b, h), v.sD(), v.sL(), dp, r0 * s, s, false);
                }
                for (int i = 0; i < dm.l(); i++) {
                    int r = i * s, pr = pOff + r;
                    int limit = dm.causal() ? Math.min(s, i + 1) : s;
                    if (keep != null)
                        for (int j = 0; j < limit; j++) dp[r + j] *= keep[pr + j] * dropScale;
                    float dot = 0f;
                    for (int j = 0; j < limit; j++) dot += dp[r + j] * probs[pr + j];
                    float scale = dm.scale();
                    for (int j = 0; j < limit; j++) dp[r + j] = probs[pr + j] * (dp[r + j] - dot) * scale;
                    for (int j = limit; j < s; j++) dp[r + j] = 0f;
                }
                // dQ = dS·K
                for (int r0 = 0; r0 < dm.l(); r0 += rowBlock) {
                    int r1 = Math.min(dm.l(), r0 + rowBlock), kl = keys(dm, r1);
                    Gemm.sgemm(r1 - r0, dm.d(), kl, dp, r0 * s, s, 1, k.data(), k.at(b, h), k.sL(), k.sD(),
                            dq.data(), dq.at(b, h) + r0 * dq.sL(), dq.sL(), false);
                }
                // dK = dSᵀ·Q
                for (int c0 = 0; c0 < lim; c0 += colBlock) {
                    int c1 = Math.min(s, c0 + colBlock), r0 = dm.causal() ? c0 : 0;
                    Gemm.sgemm(c1 - c0, dm.d(), dm.l() - r0, dp, r0 * s + c0, 1, s,
                            q.data(), q.at(b, h) + r0 * q.sL(), q.sL(), q.sD(),
                            dk.data(), dk.at(b, h) + c0 * dk.sL(), dk.sL(), false);
                }
                int covered = Math.min(s, (lim + colBlock - 1) / colBlock * colBlock);
                zeroRows(dv, b, h, covered, s, dm.dv()); // keys past the last query get no gradient
                zeroRows(dk, b, h, covered, s, dm.d());
            }
        });
    }
}
