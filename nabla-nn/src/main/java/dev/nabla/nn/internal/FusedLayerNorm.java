package dev.nabla.nn.internal;

import dev.nabla.autograd.Graph;
import dev.nabla.kernel.Parallel;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * Layer normalisation over the last dim as one op: y = (x − mean)·rstd·weight + bias with rstd = 1/√(biased var +
 * eps), saving only the per-row mean and rstd. Backward (x̂ = (x − mean)·rstd, ĝ = g·weight):
 * dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), dweight = Σ_rows g·x̂, dbias = Σ_rows g. Rows are split over threads;
 * the weight and bias gradients are summed per range and then added up.
 */
public final class FusedLayerNorm {
    private FusedLayerNorm() {}

    /** x [..., C]; weight [C] (may be null: 1); bias [C] (may be null: 0). */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        String op = "layer_norm";
        if (x.dtype() != DType.FLOAT32 || x.rank() == 0)
            throw new IllegalArgumentException(op + ": expected a float32 input [..., C], got " + x.dtype() + " "
                    + Shape.str(x.shape()));
        int c = x.size(-1), rows = x.numel() / Math.max(1, c);
        for (Tensor p : new Tensor[] {weight, bias})
            if (p != null && !(p.rank() == 1 && p.size(0) == c && p.dtype() == DType.FLOAT32))
                throw new IllegalArgumentException(op + ": weight and bias must be float32 [" + c + "] for input "
                        + Shape.str(x.shape()) + ", got " + Shape.str(p.shape()));
        Tensor xc = x.contiguous();
        float[] in = xc.data(), out = Graph.buffer(rows * c), mean = Graph.buffer(rows), rstd = Graph.buffer(rows);
        int xo = xc.offset();
        float[] w = weight == null ? null : weight.contiguous().toFloatArray();
        float[] b = bias == null ? null : bias.contiguous().toFloatArray();
        Parallel.forRange(rows, Math.max(1, 4096 / Math.max(1, c)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int base = xo + r * c, ob = r * c;
                double s = 0;
                for (int j = 0; j < c; j++) s += in[base + j];
                float m = (float) (s / c);
                double v = 0;
                for (int j = 0; j < c; j++) {
                    float d = in[base + j] - m;
                    v += d * d;
                }
                float rs = (float) (1 / Math.sqrt(v / c + eps));
                mean[r] = m;
                rstd[r] = rs;
                for (int j = 0; j < c; j++) {
                    float y = (in[base + j] - m) * rs;
                    if (w != null) y *= w[j];
                    if (b != null) y += b[j];
                    out[ob + j] = y;
                }
            }
        });
        Tensor y = Tensor.of(out, x.shape());
        return Graph.record(op, y, g -> {
            Tensor gc = g.contiguous();
            float[] gd = gc.data(), dx = Graph.buffer(rows * c);
            int go = gc.offset();
            int parts = Math.max(1, Math.min(Parallel.threads(), rows));
            float[][] dw = new float[parts][c], db = new float[parts][c];
            Parallel.forRange(parts, 1, (pf, pt) -> {
                for (int part = pf; part < pt; part++) {
                    int from = (int) ((long) rows * part / parts), to = (int) ((long) rows * (part + 1) / parts);
                    float[] dwp = dw[part], dbp = db[part];
                    for (int r = from; r < to; r++) {
                        int base = xo + r * c, gb = go + r * c, ob = r * c;
                        float m = mean[r], rs = rstd[r];
                        float sumG = 0f, sumGX = 0f;
                        for (int j = 0; j < c; j++) {
                            float xh = (in[base + j] - m) * rs, gj = gd[gb + j];
                            dwp[j] += gj * xh;
                            dbp[j] += gj;
                            float gh = w == null ? gj : gj * w[j];
                            sumG += gh;
                            sumGX += gh * xh;
                        }
                        float mg = sumG / c, mgx = sumGX / c;
                        for (int j = 0; j < c; j++) {
                            float xh = (in[base + j] - m) * rs;
                            float gh = w == null ? gd[gb + j] : gd[gb + j] * w[j];
                            dx[ob + j] = rs * (gh - mg - xh * mgx);
                        }
                    }
                }
            });
            for (int p = 1; p < parts; p++)
                for (int j = 0; j < c; j++) {
                    dw[0][j] += dw[p][j];
                    db[0][j] += db[p][j];
                }
            return new Tensor[] {Tensor.of(dx, x.shape()), weight == null ? null : Tensor.of(dw[0], c),
                    bias == null ? null : Tensor.of(db[0], c)};
        }, x, weight, bias);
    }
}
