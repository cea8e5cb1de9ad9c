package dev.nabla.nn.internal;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.Gemm;
import dev.nabla.kernel.Parallel;
import dev.nabla.kernel.VecMath;
import dev.nabla.tensor.Tensor;

/**
 * One LSTM layer in one direction as a single graph node, with the cell fused into the recurrent product: at each
 * step every thread owns a range of hidden units, multiplies h_{t−1} by the four gates' columns of W_hhᵀ for those
 * units ({@link LmPanelGemm}, weights packed once per sequence), adds them onto the precomputed input projections,
 * and runs the gate nonlinearities (Vector API σ and tanh, {@link VecMath}) and the cell update for its units right
 * away: one fork per step, no per-step tensors or graph nodes. The backward does the same per step: the threads
 * compute dh_t = dG_{t+1}·W_hh for their units, then their units' gate gradients.
 *
 * <p>Same contract, layouts and saved state as the general recurrence in {@code dev.nabla.nn.layers.Recurrent}
 * (which stays the reference the tests compare with): x is [T, B, in] or [B, T, in] (contiguous), gates in
 * PyTorch's order i, f, g, o; the result is [T·B + B, H]: every position's hidden state in the input's row order,
 * then the final cell state of each batch entry. The input projections X·W_ihᵀ of all steps are one GEMM, and the
 * weight gradients are single GEMMs over all steps.
 */
public final class LmLstm {
    private LmLstm() {}

    private static final int W = LmPanelGemm.W;

    /** Blocks of 16 hidden units per thread share so that a fork pays off (about 64k multiply-adds). */
    private static int grain(int rows, int k, int gatesPerBlock) {
        long perBlock = (long) rows * k * gatesPerBlock * W;
        return (int) Math.max(1, (65536 + perBlock - 1) / perBlock);
    }

    /**
     * @param x   contiguous [T, B, in] ({@code batchFirst=false}) or [B, T, in]
     * @param h0  [B, H] (any strides) or null; {@code c0} likewise
     * @param wIh [4H, in] and {@code wHh} [4H, H], contiguous; biases [4H] or null
     */
    public static Tensor run(Tensor x, Tensor h0, Tensor c0, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh,
                             boolean batchFirst, boolean reverse) {
        final int T = batchFirst ? x.size(1) : x.size(0), B = batchFirst ? x.size(0) : x.size(1);
        final int I = x.size(2), H = wHh.size(1), GH = 4 * H, N = T * B;
        final int tS = batchFirst ? 1 : B, bS = batchFirst ? T : 1;
        final float[] xd = x.data(), wih = wIh.data(), whh = wHh.data();
        final int xo = x.offset(), wiho = wIh.offset(), whho = wHh.offset();
        final int nb = (H + W - 1) / W;

        // all input projections at once: xp[row] = x[row]·W_ihᵀ + b_ih + b_hh
        final float[] xp = Graph.buffer(N * GH);
        Gemm.sgemm(N, GH, I, xd, xo, I, 1, wih, wiho, 1, I, xp, 0, GH, false);
        float[] bias = Graph.buffer(GH);
        for (Tensor bt : new Tensor[] {bIh, bHh})
            if (bt != null) {
                float[] bv = bt.contiguous().toFloatArray();
                for (int j = 0; j < GH; j++) bias[j] += bv[j];
            }
        if (bIh != null || bHh != null)
            for (int r = 0; r < N; r++) {
                int o = r * GH;
                for (int j = 0; j < GH; j++) xp[o + j] += bias[j];
            }

        // W_hhᵀ [H, 4H] in panels: panel (hb, q) holds gate q's columns for hidden units hb·16 .. hb·16+15
        final float[] whhP = Graph.buffer(nb * 4 * H * W);
        for (int hb = 0; hb < nb; hb++)
            for (int q = 0; q < 4; q++)
                LmPanelGemm.pack(whh, whho, 1, H, H, q * H + hb * W, width(H, hb), whhP, (hb * 4 + q) * H * W);

        final float[] y = Graph.buffer((N + B) * H);
        final float[] hp = Graph.buffer(N * H);   // state fed into the step at each row
        final float[] cs = Graph.buffer(N * H);   // cell state after each row's step
        final boolean keep = Graph.needed(x, h0, c0, wIh, wHh, bIh, bHh);
        final float[] tcs = Graph.buffer(N * H);  // tanh of it (the backward needs it)
        final float[] h0d = h0 == null ? null : h0.contiguous().toFloatArray();
        final float[] c0d = c0 == null ? Graph.buffer(B * H) : c0.contiguous().toFloatArray();
        final int grain = grain(B, H, 4);

        for (int s = 0; s < T; s++) {
            final int t = reverse ? T - 1 - s : s, tPrev = reverse ? t + 1 : t - 1, first = s;
            for (int b = 0; b < B; b++) {
                int dst = (t * tS + b * bS) * H;
                if (s == 0) { if (h0d != null) System.arraycopy(h0d, b * H, hp, dst, H); }
                else System.arraycopy(y, (tPrev * tS + b * bS) * H, hp, dst, H);
            }
            final boolean product = s > 0 || h0d != null;
            Parallel.forRange(nb, grain, (hb0, hb1) -> {
                if (product)
                    for (int hb = hb0; hb < hb1; hb++)
                        for (int q = 0; q < 4; q++)
                            LmPanelGemm.multiply(B, H, hp, t * tS * H, bS * H, whhP, (hb * 4 + q) * H * W,
                                    xp, t * tS * GH + q * H + hb * W, bS * GH, width(H, hb), true);
                int u0 = hb0 * W, u1 = Math.min(H, hb1 * W), n = u1 - u0;
                for (int b = 0; b < B; b++) {
                    int row = t * tS + b * bS, xr = row * GH + u0, hr = row * H + u0;
                    VecMath.apply(VecMath.Fn.SIGMOID, xp, xr, xp, xr, n);                 // i
                    VecMath.apply(VecMath.Fn.SIGMOID, xp, xr + H, xp, xr + H, n);         // f
                    VecMath.apply(VecMath.Fn.TANH, xp, xr + 2 * H, xp, xr + 2 * H, n);    // g
                    VecMath.apply(VecMath.Fn.SIGMOID, xp, xr + 3 * H, xp, xr + 3 * H, n); // o
                    float[] cPrev = first == 0 ? c0d : cs;
                    int cp = first == 0 ? b * H + u0 : (tPrev * tS + b * bS) * H + u0;
                    for (int j = 0; j < n; j++) cs[hr + j] = xp[xr + H + j] * cPrev[cp + j] + xp[xr + j] * xp[xr + 2 * H + j];
                    VecMath.apply(VecMath.Fn.TANH, cs, hr, tcs, hr, n);
                    for (int j = 0; j < n; j++) y[hr + j] = xp[xr + 3 * H + j] * tcs[hr + j];
                }
            });
        }
        int tLast = reverse ? 0 : T - 1;
        for (int b = 0; b < B; b++) System.arraycopy(cs, (tLast * tS + b * bS) * H, y, (N + b) * H, H);
        Tensor out = Tensor.of(y, N + B, H);
        if (!keep) return out;

        return Graph.record("lstm", out, gOut -> {
            Tensor gc = gOut.contiguous();
            final float[] gd = gc.data();
            final int go = gc.offset();
            // W_hh [4H, H] in panels of 16 hidden units (all 4H rows each), for dh_{t−1} = dG_t·W_hh
            final float[] whhB = Graph.buffer(nb * GH * W);
            for (int hb = 0; hb < nb; hb++) LmPanelGemm.pack(whh, whho, H, 1, GH, hb * W, width(H, hb), whhB, hb * GH * W);
            final float[] dG = Graph.buffer(N * GH);
            final float[] dh = Graph.buffer(B * H);
            final float[] dc = Graph.buffer(B * H);
            System.arraycopy(gd, go + N * H, dc, 0, B * H);
            final int bGrain = grain(B, GH, 1);
            for (int s = T - 1; s >= 0; s--) {
                final int t = reverse ? T - 1 - s : s, tPrev = reverse ? t + 1 : t - 1, first = s;
                final int tNext = s == T - 1 ? -1 : reverse ? t - 1 : t + 1;
                Parallel.forRange(nb, bGrain, (hb0, hb1) -> {
                    if (tNext >= 0)
                        for (int hb = hb0; hb < hb1; hb++)
                            LmPanelGemm.multiply(B, GH, dG, tNext * tS * GH, bS * GH, whhB, hb * GH * W,
                                    dh, hb * W, H, width(H, hb), false);
                    int u0 = hb0 * W, u1 = Math.min(H, hb1 * W);
                    for (int b = 0; b < B; b++) {
                        int row = t * tS + b * bS, xr = row * GH, hr = row * H, bh = b * H;
                        int cp = first == 0 ? -1 : (tPrev * tS + b * bS) * H;
                        for (int j = u0; j < u1; j++) {
                            float ig = xp[xr + j], fg = xp[xr + H + j], gg = xp[xr + 2 * H + j], og = xp[xr + 3 * H + j];
                            float tc = tcs[hr + j], cPrev = cp < 0 ? c0d[bh + j] : cs[cp + j];
                            float d = gd[go + hr + j] + dh[bh + j];
                            float dcT = dc[bh + j] + d * og * (1 - tc * tc);
                            dG[xr + j] = dcT * gg * ig * (1 - ig);
                            dG[xr + H + j] = dcT * cPrev * fg * (1 - fg);
                            dG[xr + 2 * H + j] = dcT * ig * (1 - gg * gg);
                            dG[xr + 3 * H + j] = d * tc * og * (1 - og);
                            dc[bh + j] = dcT * fg;
                        }
                    }
                });
            }
            Tensor gx = null, gh0 = null, gc0 = null, gwih = null, gwhh = null, gbih = null, gbhh = null;
            if (h0 != null && h0.requiresGrad()) {
                int t0 = reverse ? T - 1 : 0;
                Parallel.forRange(nb, bGrain, (hb0, hb1) -> {
                    for (int hb = hb0; hb < hb1; hb++)
                        LmPanelGemm.multiply(B, GH, dG, t0 * tS * GH, bS * GH, whhB, hb * GH * W, dh, hb * W, H,
                                width(H, hb), false);
                });
                gh0 = Tensor.of(dh, B, H);
            }
            if (c0 != null && c0.requiresGrad()) gc0 = Tensor.of(dc, B, H);
            if (x.requiresGrad()) {
                float[] dx = Graph.buffer(N * I);
                Gemm.sgemm(N, I, GH, dG, 0, GH, 1, wih, wiho, I, 1, dx, 0, I, false);
                gx = Tensor.of(dx, x.shape());
            }
            if (wIh.requiresGrad()) {
                float[] dw = Graph.buffer(GH * I);
                Gemm.sgemm(GH, I, N, dG, 0, 1, GH, xd, xo, I, 1, dw, 0, I, false);
                gwih = Tensor.of(dw, GH, I);
            }
            if (wHh.requiresGrad()) {
                float[] dw = Graph.buffer(GH * H);
                Gemm.sgemm(GH, H, N, dG, 0, 1, GH, hp, 0, H, 1, dw, 0, H, false);
                gwhh = Tensor.of(dw, GH, H);
            }
            boolean bihG = bIh != null && bIh.requiresGrad(), bhhG = bHh != null && bHh.requiresGrad();
            if (bihG || bhhG) {
                float[] sums = columnSums(dG, N, GH);
                if (bihG) gbih = Tensor.of(sums, GH);
                if (bhhG) gbhh = Tensor.of(bihG ? sums.clone() : sums, GH);
            }
            return new Tensor[] {gx, gh0, gc0, gwih, gwhh, gbih, gbhh};
        }, x, h0, c0, wIh, wHh, bIh, bHh);
    }

    /** Hidden units in block {@code hb} (16 except maybe the last). */
    private static int width(int h, int hb) {
        return Math.min(W, h - hb * W);
    }

    private static float[] columnSums(float[] m, int rows, int cols) {
        float[] out = Graph.buffer(cols);
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int j = 0; j < cols; j++) out[j] += m[o + j];
        }
        return out;
    }
}
