package dev.nabla.kernel;

/**
 * Softmax-family loops over a contiguous array seen as {@code [outer, n, inner]}: the reduced dim has
 * {@code n} entries, {@code inner} is the product of the dims after it (1 for the last dim, the hot case,
 * where each row is a plain contiguous loop). With {@code inner > 1} the loops walk the reduced dim one
 * contiguous slab of {@code inner} lanes at a time, keeping a running value per lane, so memory is still
 * read in order. Every softmax subtracts the maximum before {@code exp}; sums are accumulated in double.
 */
public final class SoftmaxKernel {
    private SoftmaxKernel() {}

    /** Elements per parallel task, roughly. */
    private static final int GRAIN = 1 << 14;
    /** Lanes per tile when {@code inner > 1}. */
    private static final int TILE = 512;

    /** Work items: whole rows when inner == 1, else (outer, lane tile) pairs. */
    private static int tiles(int inner) {
        return inner == 1 ? 1 : (inner + TILE - 1) / TILE;
    }

    private static int grainFor(int n, int inner) {
        long per = (long) Math.max(n, 1) * Math.min(Math.max(inner, 1), TILE);
        return (int) Math.max(1, GRAIN / per);
    }

    // ------------------------------------------------------------------ softmax / log_softmax

    /**
     * y = softmax(x) (or log_softmax when {@code log}) along the middle dim of {@code [outer, n, inner]};
     * {@code x} starts at {@code xOff}, {@code y} is contiguous from 0.
     */
    public static void forward(float[] x, int xOff, float[] y, int outer, int n, int inner, boolean log) {
        if (outer == 0 || n == 0 || inner == 0) return;
        int tiles = tiles(inner);
        Parallel.forRange(outer * tiles, grainFor(n, inner), (from, to) -> {
            if (inner == 1) {
                for (int o = from; o < to; o++) forwardRow(x, xOff + o * n, y, o * n, n, log);
                return;
            }
            float[] m = new float[TILE];
            double[] s = new double[TILE];
            for (int w = from; w < to; w++) {
                int o = w / tiles, i0 = (w % tiles) * TILE, len = Math.min(TILE, inner - i0);
                int base = o * n * inner + i0;
                forwardTile(x, xOff + base, y, base, n, inner, len, log, m, s);
            }
        });
    }

    private static void forwardRow(float[] x, int p, float[] y, int q, int n, boolean log) {
        float m = x[p];
        for (int j = 1; j < n; j++) { float v = x[p + j]; m = v > m ? v : m; }
        double s = 0;
        if (log) {
            for (int j = 0; j < n; j++) s += Math.exp(x[p + j] - m);
            float logS = (float) Math.log(s); // (x - m) - log s: the first difference is exact near the max
            for (int j = 0; j < n; j++) y[q + j] = (x[p + j] - m) - logS;
        } else {
            for (int j = 0; j < n; j++) {
                float e = (float) Math.exp(x[p + j] - m);
                y[q + j] = e;
                s += e;
            }
            float r = (float) (1.0 / s);
            for (int j = 0; j < n; j++) y[q + j] *= r;
        }
    }

    private static void forwardTile(float[] x, int p, float[] y, int q, int n, int inner, int len, boolean log,
                                    float[] m, double[] s) {
        System.arraycopy(x, p, m, 0, len);
        for (int j = 1; j < n; j++) {
            int pj = p + j * inner;
            for (int i = 0; i < len; i++) { float v = x[pj + i]; m[i] = v > m[i] ? v : m[i]; }
        }
        java.util.Arrays.fill(s, 0, len, 0.0);
        for (int j = 0; j < n; j++) {
            int pj = p + j * inner, qj = q + j * inner;
            for (int i = 0; i < len; i++) {
                float e = (float) Math.exp(x[pj + i] - m[i]);
                if (!log) y[qj + i] = e;
                s[i] += e;
            }
        }
        if (log) {
            for (int i = 0; i < len; i++) s[i] = (float) Math.log(s[i]);
            for (int j = 0; j < n; j++) {
                int pj = p + j * inner, qj = q + j * inner;
                for (int i = 0; i < len; i++) y[qj + i] = (x[pj + i] - m[i]) - (float) s[i];
            }
        } else {
            for (int i = 0; i < len; i++) m[i] = (float) (1.0 / s[i]);
            for (int j = 0; j < n; j++) {
                int qj = q + j * inner;
                for (int i = 0; i < len; i++) y[qj + i] *= m[i];
            }
        }
    }

    /**
     * dx from the forward's output {@code y} (contiguous) and the upstream gradient {@code g} (contiguous
     * from {@code gOff}): softmax dx = y (g - Σ g y); log_softmax dx = g - exp(y) Σ g.
     */
    public static void backward(float[] y, float[] g, int gOff, float[] dx, int outer, int n, int inner, boolean log) {
        if (outer == 0 || n == 0 || inner == 0) return;
        int tiles = tiles(inner);
        Parallel.forRange(outer * tiles, grainFor(n, inner), (from, to) -> {
            double[] s = inner == 1 ? null : new double[TILE];
            for (int w = from; w < to; w++) {
                int o = w / tiles, i0 = (w % tiles) * TILE, len = inner == 1 ? 1 : Math.min(TILE, inner - i0);
                int base = o * n * inner + i0;
                if (inner == 1) backwardRow(y, g, gOff + base, dx, base, n, log);
                else backwardTile(y, g, gOff + base, dx, base, n, inner, len, log, s);
            }
        });
    }

    private static void backwardRow(float[] y, float[] g, int gp, float[] dx, int p, int n, boolean log) {
        double s = 0;
        if (log) {
            for (int j = 0; j < n; j++) s += g[gp + j];
            float sf = (float) s;
            for (int j = 0; j < n; j++) dx[p + j] = g[gp + j] - (float) Math.exp(y[p + j]) * sf;
        } else {
            for (int j = 0; j < n; j++) s += g[gp + j] * y[p + j];
            float sf = (float) s;
            for (int j = 0; j < n; j++) dx[p + j] = y[p + j] * (g[gp + j] - sf);
        }
    }

    private static void backwardTile(float[] y, float[] g, int gp, float[] dx, int p, int n, int inner, int len,
                                     boolean log, double[] s) {
        java.util.Arrays.fill(s, 0, len, 0.0);
        for (int j = 0; j < n; j++) {
            int gj = gp + j * inner, pj = p + j * inner;
            if (log) for (int i = 0; i < len; i++) s[i] += g[gj + i];
            else for (int i = 0; i < len; i++) s[i] += g[gj + i] * y[pj + i];
        }
        for (int j = 0; j < n; j++) {
            int gj = gp + j * inner, pj = p + j * inner;
            if (log) for (int i = 0; i < len; i++) dx[pj + i] = g[gj + i] - (float) (Math.exp(y[pj + i]) * s[i]);
            else for (int i = 0; i < len; i++) dx[pj + i] = y[pj + i] * (float) (g[gj + i] - s[i]);
        }
    }

    // ------------------------------------------------------------------ logsumexp

    /**
     * out[o, i] = log Σ_j exp(x[o, j, i]). An infinite maximum is replaced by 0 before subtracting (as
     * PyTorch does), so rows of -inf give -inf and rows holding +inf give +inf instead of NaN; an empty
     * reduction gives -inf.
     */
    public static void logsumexp(float[] x, int xOff, float[] out, int outer, int n, int inner) {
        if (outer == 0 || inner == 0) return;
        if (n == 0) { java.util.Arrays.fill(out, Float.NEGATIVE_INFINITY); return; }
        int tiles = tiles(inner);
        Parallel.forRange(outer * tiles, grainFor(n, inner), (from, to) -> {
            float[] m = inner == 1 ? null : new float[TILE];
            double[] s = inner == 1 ? null : new double[TILE];
            for (int w = from; w < to; w++) {
                int o = w / tiles;
                if (inner == 1) {
                    int p = xOff + o * n;
                    float mx = x[p];
                    for (int j = 1; j < n; j++) { float v = x[p + j]; mx = v > mx ? v : mx; }
                    if (Float.isInfinite(mx)) mx = 0f;
                    double acc = 0;
                    for (int j = 0; j < n; j++) acc += Math.exp(x[p + j] - mx);
                    out[o] = (float) (Math.log(acc) + mx);
                    continue;
                }
                int i0 = (w % tiles) * TILE, len = Math.min(TILE, inner - i0);
                int p = xOff + o * n * inner + i0;
                System.arraycopy(x, p, m, 0, len);
                for (int j = 1; j < n; j++) {
                    int pj = p + j * inner;
                    for (int i = 0; i < len; i++) { float v = x[pj + i]; m[i] = v > m[i] ? v : m[i]; }
                }
                for (int i = 0; i < len; i++) if (Float.isInfinite(m[i])) m[i] = 0f;
                java.util.Arrays.fill(s, 0, len, 0.0);
                for (int j = 0; j < n; j++) {
                    int pj = p + j * inner;
                    for (int i = 0; i < len; i++) s[i] += Math.exp(x[pj + i] - m[i]);
                }
                int q = o * inner + i0;
                for (int i = 0; i < len; i++) out[q + i] = (float) (Math.log(s[i]) + m[i]);
            }
        });
    }

    /** dx[o, j, i] = g[o, i] · exp(x[o, j, i] - out[o, i]); {@code g} contiguous from {@code gOff}. */
    public static void logsumexpBackward(float[] x, int xOff, float[] out, float[] g, int gOff, float[] dx,
                                         int outer, int n, int inner) {
        if (outer == 0 || n == 0 || inner == 0) return;
        Parallel.forRange(outer, Math.max(1, GRAIN / Math.max(1, n * inner)), (from, to) -> {
            for (int o = from; o < to; o++) {
                int base = o * n * inner, q = o * inner;
                for (int j = 0; j < n; j++) {
                    int pj = base + j * inner;
                    for (int i = 0; i < inner; i++)
                        dx[pj + i] = g[gOff + q + i] * (float) Math.exp(x[xOff + pj + i] - out[q + i]);
                }
            }
        });
    }

    // ------------------------------------------------------------------ cross-entropy

    /**
     * Fused log-softmax + negative log-likelihood with label smoothing over logits {@code [N, C, inner]}
     * and targets {@code [N, inner]} (already checked to be in range or {@code ignoreIndex}). Writes each
     * position's loss (0 where ignored) and log-sum-exp (kept for the backward). With smoothing ε the loss is (1-ε)(lse - x_t) + (ε/C) Σ_c (lse - x_c).
     */
    public static void crossEntropyForward(float[] x, int xOff, long[] t, int tOff, int batch, int classes, int inner,
                                          float smoothing, long ignoreIndex, float[] loss, float[] lse) {
        int positions = batch * inner;
        if (positions == 0) return;
        double keep = 1.0 - smoothing, spread = classes == 0 ? 0 : (double) smoothing / classes;
        Parallel.forRange(positions, Math.max(1, GRAIN / Math.max(1, classes)), (from, to) -> {
            for (int r = from; r < to; r++) {
                long target = t[tOff + r];
                if (target == ignoreIndex) { loss[r] = 0f; lse[r] = Float.NaN; continue; }
                int b = r / inner, i = r - b * inner;
                int p = xOff + b * classes * inner + i;
                float m = x[p];
                double sumX = m;
                for (int c = 1; c < classes; c++) {
                    float v = x[p + c * inner];
                    m = v > m ? v : m;
                    sumX += v;
                }
                double s = 0;
                for (int c = 0; c < classes; c++) s += Math.exp(x[p + c * inner] - m);
                double l = m + Math.log(s);
                double nll = l - x[p + (int) target * inner];
                lse[r] = (float) l;
                loss[r] = (float) (smoothing == 0f ? nll : keep * nll + spread * (classes * l - sumX));
            }
        });
    }

    /**
     * dx[b, c, i] = (softmax_c - (1-ε)[c = t] - ε/C) · scale, where scale is {@code g[gOff + r]} per position
     * when {@code g != null}, else {@code scalar}; ignored positions get 0.
     */
    public static void crossEntropyBackward(float[] x, int xOff, long[] t, int tOff, int batch, int classes, int inner,
                                            float smoothing, long ignoreIndex, float[] lse, float[] g, int gOff,
                                            float scalar, float[] dx) {
        int positions = batch * inner;
        if (positions == 0 || classes == 0) return;
        float keep = 1f - smoothing, spread = smoothing / classes;
        if (inner == 1) {
            Parallel.forRange(positions, Math.max(1, GRAIN / classes), (from, to) -> {
                for (int r = from; r < to; r++) {
                    long target = t[tOff + r];
                    if (target == ignoreIndex) continue; // dx is zero-initialised
                    float scale = g == null ? scalar : g[gOff + r];
                    float l = lse[r];
                    int p = xOff + r * classes, q = r * classes;
                    for (int c = 0; c < classes; c++) dx[q + c] = ((float) Math.exp(x[p + c] - l) - spread) * scale;
                    dx[q + (int) target] -= keep * scale;
                }
            });
            return;
        }
        Parallel.forRange(batch, Math.max(1, GRAIN / Math.max(1, classes * inner)), (from, to) -> {
            for (int b = from; b < to; b++) {
                int base = b * classes * inner;
                for (int c = 0; c < classes; c++) {
                    int q = base + c * inner;
                    for (int i = 0; i < inner; i++) {
                        int r = b * inner + i;
                        long target = t[tOff + r];
                        if (target == ignoreIndex) continue;
                        float scale = g == null ? scalar : g[gOff + r];
                        float onehot = target == c ? keep : 0f;
                        dx[q + i] = ((float) Math.exp(x[xOff + q + i] - lse[r]) - spread - onehot) * scale;
                    }
                }
            }
        });
    }
}
