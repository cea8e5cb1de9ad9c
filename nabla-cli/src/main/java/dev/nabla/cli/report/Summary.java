package dev.nabla.cli.report;

import dev.nabla.nn.Module;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A Keras-style table of a Sequential: each layer, its output shape and parameter count, then the totals. */
public final class Summary {
    private Summary() {}

    /** @param shapes each layer's output shape for a batch of one, as {@code RunConfig.shapes} computes them */
    public static String table(Sequential model, int[] inputShape, List<int[]> shapes) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"#", "Layer (type)", "Output shape", "Params"});
        long total = 0, trainable = 0;
        for (int i = 0; i < model.size(); i++) {
            Module m = model.get(i);
            long n = m.numParameters();
            total += n;
            for (Tensor p : m.parameters()) if (p.requiresGrad()) trainable += p.numel();
            rows.add(new String[] {String.valueOf(i), describe(m), Shape.str(shapes.get(i)), String.format(Locale.ROOT, "%,d", n)});
        }
        long buffers = 0;
        for (Tensor b : model.buffers()) buffers += b.numel();
        int[] w = new int[4];
        for (String[] r : rows) for (int c = 0; c < 4; c++) w[c] = Math.max(w[c], r[c].length());
        int width = w[0] + w[1] + w[2] + w[3] + 6;
        StringBuilder sb = new StringBuilder();
        sb.append("Input shape: ").append(Shape.str(batched(inputShape))).append(" (a batch of 1)\n");
        String rule = "-".repeat(width) + "\n";
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            sb.append(String.format(Locale.ROOT, "%-" + w[0] + "s  %-" + w[1] + "s  %-" + w[2] + "s  %" + w[3] + "s%n",
                    row[0], row[1], row[2], row[3]));
            if (r == 0) sb.append(rule.replace('-', '='));
        }
        sb.append(rule);
        sb.append(String.format(Locale.ROOT, "Total params: %,d (%s as float32)%n", total, bytes(total * 4)));
        sb.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainable));
        sb.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", total - trainable));
        if (buffers > 0) sb.append(String.format(Locale.ROOT, "Buffers: %,d values%n", buffers));
        return sb.toString();
    }

    /** The layer's repr on one line, e.g. {@code Linear(in_features=784, out_features=64, bias=True)}. */
    static String describe(Module m) {
        String s = m.toString().replaceAll("\\s*\\n\\s*", " ");
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    private static int[] batched(int[] shape) {
        int[] b = new int[shape.length + 1];
        b[0] = 1;
        System.arraycopy(shape, 0, b, 1, shape.length);
        return b;
    }

    private static String bytes(long b) {
        if (b < 1024) return b + " B";
        if (b < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
    }
}
