package dev.nabla.nn.layers;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.Gemm;
import dev.nabla.kernel.Parallel;
import dev.nabla.nn.internal.LmLstm;
import dev.nabla.tensor.Tensor;

/**
 * The recurrence of one layer in one direction of an RNN, LSTM or GRU, as a single graph node with a
 * hand-written backward through time.
 *
 * <p>Forward: the input-to-hidden products of all time steps come from one GEMM ({@code X·W_ihᵀ}, rows of X
 * taken in the input's own layout), then each step does one GEMM {@code h·W_hhᵀ} and a fused gate loop. The
 * gate activations (written over the projection buffer), the state fed into every step and, for the LSTM, the
 * cell states are kept for the backward.
 *
 * <p>Backward: walks the steps in reverse, turning the incoming gradient into gate gradients and carrying
 * {@code dh_{t-1} = dGates_t·W_hh} (one GEMM per step); the weight gradients are then single GEMMs over all
 * steps ({@code dW_ih = dGᵀ·X}, {@code dW_hh = dGᵀ·H_prev}) and the input gradient is {@code dG·W_ih}.
 *
 * <p>Row layout: the input is [T, B, in] (time-major) or [B, T, in] (batch-first); row (t, b) of every
 * per-position buffer sits at {@code t*tS + b*bS} in the same order, so no transposes are needed.
 */
final class Recurrent {
    private Recurrent() {}

    /** The cell type: its number of gates and nonlinearity. */
    enum Cell {
        RNN_TANH(1), RNN_RELU(1), LSTM(4), GRU(3);

        final int gates;

        Cell(int gates) { this.gates = gates; }
    }

    /** Rows of work (batch entries) per parallel chunk of the gate loops: keeps small problems on one thread. */
    private static int grain(int hidden, int gates) {
        return Math.max(1, 16384 / Math.max(1, hidden * gates));
    }

    /** σ(v) in double from one (intrinsic) exp; exp(-v) = +inf for very negative v gives exactly 0. */
    static float sigmoid(float v) {
        return (float) (1 / (1 + Math.exp(-(double) v)));
    }

    /**
     * tanh(v) = 1 - 2/(e^{2v} + 1), in double from one exp (an intrinsic everywhere, where Math.tanh is not on every
     * JDK and platform); rounded to float it equals (float) Math.tanh(v) on a million N(0, 2²) samples, and the
     * saturated ends come out as exactly ±1.
     */
    static float tanh(float v) {
        return (float) (1 - 2 / (Math.exp(2.0 * v) + 1));
    }

    /**
     * Runs one layer in one direction.
     *
     * @param x       contiguous [T, B, in] ({@code batchFirst=false}) or [B, T, in]
     * @param h0      initial hidden state [B, H] (any strides), or null for zeros
     * @param c0      initial cell state [B, H] for the LSTM, or null for zeros (ignored by other cells)
     * @param wIh     [gates*H, in], contiguous
     * @param wHh     [gates*H, H], contiguous
     * @param bIh     [gates*H] or null
     * @param bHh     [gates*H] or null
     * @return [T*B (+B for the LSTM), H]: the hidden state of every position in the input's row order, then (LSTM
     *         only) the final cell state of each batch entry
     */
    static Tensor run(Cell cell, Tensor x, Tensor h0, Tensor c0, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh,
                      boolean batchFirst, boolean reverse) {
        // the LSTM has a fused cell (one fork per step, packed W_hh, Vector API gates); this loop is its reference
        if (cell == Cell.LSTM) return LmLstm.run(x, h0, c0, wIh, wHh, bIh, bHh, batchFirst, reverse);
        return runGeneral(cell, x, h0, c0, wIh, wHh, bIh, bHh, batchFirst, reverse);
    }

    /** {@link #run} with the general per-step loop for every cell, the LSTM included (the fused path's reference). */
    static Tensor runGeneral(Cell cell, Tensor x, Tensor h0, Tensor c0, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh,
                             boolean batchFirst, boolean reverse) {
        final int T = batchFirst ? x.size(1) : x.size(0), B = batchFirst ? x.size(0) : x.size(1);
        final int I = x.size(2), H = wHh.size(1), G = cell.gates, GH = G * H, N = T * B;
        final int tS = batchFirst ? 1 : B, bS = batchFirst ? T : 1;
        final boolean lstm = cell == Cell.LSTM, gru = cell == Cell.GRU;
        if (!lstm) c0 = null;
        final float[] xd = x.data(), wih = wIh.data(), whh = wHh.data();
        final int xo = x.offset(), wiho = wIh.offset(), whho = wHh.offset();

        // all input projections at once: xp[row] = x[row]·W_ihᵀ + b_ih (+ b_hh except for the GRU)
        final float[] xp = new float[N * GH];
        final float[] wihT = new float[I * GH]; // W_ihᵀ [in, GH], so the big GEMM reads B row by row
        for (int j = 0; j < GH; j++)
            for (int p = 0; p < I; p++) wihT[p * GH + j] = wih[wiho + j * I + p];
        Gemm.sgemm(N, GH, I, xd, xo, I, 1, wihT, 0, GH, 1, xp, 0, GH, false);
        float[] bias = new float[GH];
        boolean anyBias = false;
        if (bIh != null) { addInto(bias, bIh); anyBias = true; }
        final float[] bhh = bHh == null ? null : bHh.contiguous().toFloatArray();
        if (bhh != null && !gru) { for (int j = 0; j < GH; j++) bias[j] += bhh[j]; anyBias = true; }
        if (anyBias)
            for (int r = 0; r < N; r++) {
                int o = r * GH;
                for (int j = 0; j < GH; j++) xp[o + j] += bias[j];
            }

        // W_hhᵀ [H, GH], contiguous, for the per-step GEMMs
        final float[] whhT = new float[H * GH];
        for (int j = 0; j < GH; j++)
            for (int p = 0; p < H; p++) whhT[p * GH + j] = whh[whho + j * H + p];

        final int outRows = N + (lstm ? B : 0);
        final float[] y = new float[outRows * H];
        final float[] hp = new float[N * H];                 // state fed into the step at each row
        final float[] cs = lstm ? new float[N * H] : null;   // cell state after each row's step
        final boolean keep = Graph.needed(x, h0, c0, wIh, wHh, bIh, bHh);
        final float[] tcs = lstm && keep ? new float[N * H] : null; // tanh of it, for the backward
        final float[] hn = gru ? new float[N * H] : null;    // W_hn·h + b_hn at each row
        final float[] h0d = h0 == null ? null : h0.contiguous().toFloatArray();
        final float[] c0d = lstm ? (c0 == null ? new float[B * H] : c0.contiguous().toFloatArray()) : null;
        final float[] scratch = new float[B * GH];
        final int grain = grain(H, G);

        for (int s = 0; s < T; s++) {
            final int t = reverse ? T - 1 - s : s, tPrev = reverse ? t + 1 : t - 1, first = s;
            // the state entering this step
            for (int b = 0; b < B; b++) {
                int dst = (t * tS + b * bS) * H;
                if (s == 0) { if (h0d != null) System.arraycopy(h0d, b * H, hp, dst, H); }
                else System.arraycopy(y, (tPrev * tS + b * bS) * H, hp, dst, H);
            }
            Gemm.sgemm(B, GH, H, hp, t * tS * H, bS * H, 1, whhT, 0, GH, 1, scratch, 0, GH, false);
            Parallel.forRange(B, grain, (from, to) -> {
                for (int b = from; b < to; b++) {
                    int row = t * tS + b * bS, xr = row * GH, sr = b * GH, hr = row * H;
                    switch (cell) {
                        case RNN_TANH -> {
                            for (int j = 0; j < H; j++) y[hr + j] = tanh(xp[xr + j] + scratch[sr + j]);
                        }
                        case RNN_RELU -> {
                            for (int j = 0; j < H; j++) y[hr + j] = Math.max(0f, xp[xr + j] + scratch[sr + j]);
                        }
                        case LSTM -> {
                            int cp = first == 0 ? -1 : (tPrev * tS + b * bS) * H;
                            for (int j = 0; j < H; j++) {
                                float ig = sigmoid(xp[xr + j] + scratch[sr + j]);
                                float fg = sigmoid(xp[xr + H + j] + scratch[sr + H + j]);
                                float gg = tanh(xp[xr + 2 * H + j] + scratch[sr + 2 * H + j]);
                                float og = sigmoid(xp[xr + 3 * H + j] + scratch[sr + 3 * H + j]);
                                float cPrev = cp < 0 ? c0d[b * H + j] : cs[cp + j];
                                float c = fg * cPrev + ig * gg;
                                float tc = tanh(c);
                                xp[xr + j] = ig;
                                xp[xr + H + j] = fg;
                                xp[xr + 2 * H + j] = gg;
                                xp[xr + 3 * H + j] = og;
                                cs[hr + j] = c;
                                if (tcs != null) tcs[hr + j] = tc;
                                y[hr + j] = og * tc;
                            }
                        }
                        case GRU -> {
                            for (int j = 0; j < H; j++) {
                                float hr_ = scratch[sr + j], hz = scratch[sr + H + j], hnv = scratch[sr + 2 * H + j];
                                if (bhh != null) { hr_ += bhh[j]; hz += bhh[H + j]; hnv += bhh[2 * H + j]; }
                                float r = sigmoid(xp[xr + j] + hr_);
                                float z = sigmoid(xp[xr + H + j] + hz);
                                float n = tanh(xp[xr + 2 * H + j] + r * hnv);
                                xp[xr + j] = r;
                                xp[xr + H + j] = z;
                                xp[xr + 2 * H + j] = n;
                                hn[hr + j] = hnv;
                                y[hr + j] = (1 - z) * n + z * hp[hr + j];
                            }
                        }
                    }
                }
            });
        }
        if (lstm) {
            int tLast = reverse ? 0 : T - 1;
            for (int b = 0; b < B; b++) System.arraycopy(cs, (tLast * tS + b * bS) * H, y, (N + b) * H, H);
        }
        Tensor out = Tensor.of(y, outRows, H);
        if (!keep) return out;

        final boolean hasBias = bIh != null || bHh != null;
        final Tensor cc0 = c0;
        return Graph.record(name(cell), out, gOut -> {
            Tensor gc = gOut.contiguous();
            final float[] gd = gc.data();
            final int go = gc.offset();
            final float[] dG = new float[N * GH];
            final float[] dHP = gru ? new float[N * GH] : dG;
            final float[] dh = new float[B * H];
            final float[] dc = lstm ? new float[B * H] : null;
            if (lstm) System.arraycopy(gd, go + N * H, dc, 0, B * H);
            for (int s = T - 1; s >= 0; s--) {
                final int t = reverse ? T - 1 - s : s, tPrev = reverse ? t + 1 : t - 1, first = s;
                Parallel.forRange(B, grain, (from, to) -> {
                    for (int b = from; b < to; b++) {
                        int row = t * tS + b * bS, xr = row * GH, hr = row * H, bh = b * H;
                        switch (cell) {
                            case RNN_TANH -> {
                                for (int j = 0; j < H; j++) {
                                    float h = y[hr + j], d = gd[go + hr + j] + dh[bh + j];
                                    dG[xr + j] = d * (1 - h * h);
                                }
                            }
                            case RNN_RELU -> {
                                for (int j = 0; j < H; j++)
                                    dG[xr + j] = y[hr + j] > 0 ? gd[go + hr + j] + dh[bh + j] : 0f;
                            }
                            case LSTM -> {
                                int cp = first == 0 ? -1 : (tPrev * tS + b * bS) * H;
                                for (int j = 0; j < H; j++) {
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
                            case GRU -> {
                                for (int j = 0; j < H; j++) {
                                    float r = xp[xr + j], z = xp[xr + H + j], n = xp[xr + 2 * H + j];
                                    float d = gd[go + hr + j] + dh[bh + j];
                                    float dan = d * (1 - z) * (1 - n * n);
                                    float dar = dan * hn[hr + j] * r * (1 - r);
                                    float daz = d * (hp[hr + j] - n) * z * (1 - z);
                                    dG[xr + j] = dar;
                                    dG[xr + H + j] = daz;
                                    dG[xr + 2 * H + j] = dan;
                                    dHP[xr + j] = dar;
                                    dHP[xr + H + j] = daz;
                                    dHP[xr + 2 * H + j] = dan * r;
                                    dh[bh + j] = d * z;
                                }
                            }
                        }
                    }
                });
                // dh_{t-1} = dHP_t · W_hh (+ the GRU's direct path z·dh, already in dh)
                Gemm.sgemm(B, H, GH, dHP, t * tS * GH, bS * GH, 1, whh, whho, H, 1, dh, 0, H, gru);
            }
            Tensor gx = null, gh0 = null, gc0 = null, gwih = null, gwhh = null, gbih = null, gbhh = null;
            if (x.requiresGrad()) {
                float[] dx = new float[N * I];
                Gemm.sgemm(N, I, GH, dG, 0, GH, 1, wih, wiho, I, 1, dx, 0, I, false);
                gx = Tensor.of(dx, x.shape());
            }
            if (h0 != null && h0.requiresGrad()) gh0 = Tensor.of(dh, B, H);
            if (cc0 != null && cc0.requiresGrad()) gc0 = Tensor.of(dc, B, H);
            if (wIh.requiresGrad()) {
                float[] dw = new float[GH * I];
                Gemm.sgemm(GH, I, N, dG, 0, 1, GH, xd, xo, I, 1, dw, 0, I, false);
                gwih = Tensor.of(dw, GH, I);
            }
            if (wHh.requiresGrad()) {
                float[] dw = new float[GH * H];
                Gemm.sgemm(GH, H, N, dHP, 0, 1, GH, hp, 0, H, 1, dw, 0, H, false);
                gwhh = Tensor.of(dw, GH, H);
            }
            if (hasBias) {
                if (bIh != null && bIh.requiresGrad()) gbih = Tensor.of(columnSums(dG, N, GH), GH);
                if (bHh != null && bHh.requiresGrad()) gbhh = Tensor.of(gru ? columnSums(dHP, N, GH) : columnSums(dG, N, GH), GH);
            }
            return new Tensor[] {gx, gh0, gc0, gwih, gwhh, gbih, gbhh};
        }, x, h0, c0, wIh, wHh, bIh, bHh);
    }

    private static String name(Cell cell) {
        return switch (cell) {
            case RNN_TANH -> "rnn_tanh";
            case RNN_RELU -> "rnn_relu";
            case LSTM -> "lstm";
            case GRU -> "gru";
        };
    }

    private static void addInto(float[] acc, Tensor v) {
        float[] d = v.contiguous().toFloatArray();
        for (int j = 0; j < acc.length; j++) acc[j] += d[j];
    }

    private static float[] columnSums(float[] m, int rows, int cols) {
        float[] out = new float[cols];
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int j = 0; j < cols; j++) out[j] += m[o + j];
        }
        return out;
    }
}
