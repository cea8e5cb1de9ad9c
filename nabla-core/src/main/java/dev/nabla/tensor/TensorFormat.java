package dev.nabla.tensor;

import java.util.Locale;

/** PyTorch-like printing: nested brackets, 4 decimals, and "..." past 1000 elements (3 at each end of a dim). */
final class TensorFormat {
    private static final int SUMMARIZE_OVER = 1000;
    private static final int EDGE = 3;

    private TensorFormat() {}

    static String format(Tensor t) {
        StringBuilder sb = new StringBuilder("tensor(");
        boolean summarize = t.numel() > SUMMARIZE_OVER;
        int[] shape = t.shape();
        if (t.numel() == 0) sb.append("[]");
        else append(sb, t, shape, new int[shape.length], 0, summarize, "tensor(".length());
        if (t.numel() == 0 || summarize) sb.append(", shape=").append(Shape.str(shape));
        if (t.dtype() != DType.FLOAT32) sb.append(", dtype=").append(t.dtype());
        if (t.gradFn() != null) sb.append(", gradFn=").append(t.gradFn());
        else if (t.requiresGrad()) sb.append(", requiresGrad=true");
        return sb.append(')').toString();
    }

    private static void append(StringBuilder sb, Tensor t, int[] shape, int[] idx, int dim, boolean summarize, int indent) {
        if (dim == shape.length) {
            sb.append(t.dtype() == DType.FLOAT32 ? number(t.get(idx)) : Long.toString(t.getLong(idx)));
            return;
        }
        sb.append('[');
        int n = shape[dim];
        for (int i = 0; i < n; i++) {
            if (summarize && n > 2 * EDGE && i == EDGE) {
                sb.append(dim == shape.length - 1 ? "..., " : "...,\n" + " ".repeat(indent + dim + 1));
                i = n - EDGE;
            }
            idx[dim] = i;
            append(sb, t, shape, idx, dim + 1, summarize, indent);
            if (i < n - 1) sb.append(dim == shape.length - 1 ? ", " : ",\n" + " ".repeat(indent + dim + 1));
        }
        sb.append(']');
    }

    private static String number(float v) {
        if (Float.isNaN(v)) return "nan";
        if (Float.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        float a = Math.abs(v);
        if (a != 0 && (a >= 1e8f || a < 1e-4f)) return String.format(Locale.ROOT, "%.4e", v);
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
