package dev.nabla.metrics;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * Fraction of examples whose true class is among the k highest-scoring predictions (k = 1: plain accuracy).
 * Sequence outputs count every position: [B, T, C] scores with [B, T] targets, as CrossEntropyLoss takes them.
 * Positions whose target is the ignore index (PyTorch's -100 unless given) are not counted, as the loss skips them.
 */
public final class Accuracy implements Metric {
    private final int k;
    private final long ignoreIndex;
    private long correct, total;

    public Accuracy() {
        this(1);
    }

    public Accuracy(int k) {
        this(k, Labels.DEFAULT_IGNORE);
    }

    public Accuracy(int k, long ignoreIndex) {
        if (k < 1) throw new IllegalArgumentException("top_k_accuracy: k must be at least 1, got " + k);
        this.k = k;
        this.ignoreIndex = ignoreIndex;
    }

    @Override
    public String name() {
        return k == 1 ? "accuracy" : "top" + k + "_accuracy";
    }

    @Override
    public void update(Tensor predictions, Tensor targets) {
        Tensor[] flat = Labels.positions(name(), predictions, targets);
        predictions = flat[0];
        targets = flat[1];
        if (k == 1) {
            long[] p = Labels.predicted(name(), predictions);
            long[] t = Labels.targets(name(), targets, p.length);
            for (int i = 0; i < p.length; i++) {
                if (t[i] == ignoreIndex) continue;
                if (p[i] == t[i]) correct++;
                total++;
            }
            return;
        }
        if (predictions.dtype() != DType.FLOAT32 || predictions.rank() != 2)
            throw new IllegalArgumentException(name() + ": predictions must be float32 [N, C] scores, got "
                    + predictions.dtype() + " " + Shape.str(predictions.shape()));
        int n = predictions.size(0), c = predictions.size(1);
        long[] t = Labels.targets(name(), targets, n);
        float[] s = predictions.contiguous().toFloatArray();
        for (int i = 0; i < n; i++) {
            if (t[i] == ignoreIndex) continue;
            if (t[i] < 0 || t[i] >= c)
                throw new IllegalArgumentException(name() + ": target " + t[i] + " at position " + i + " is not a class in [0, " + c + ")");
            float truth = s[i * c + (int) t[i]];
            int better = 0; // classes that outscore the true one; ties go to the lower index, as argmax does
            for (int j = 0; j < c; j++) {
                float v = s[i * c + j];
                if (v > truth || (v == truth && j < t[i])) better++;
            }
            if (better < k) correct++;
            total++;
        }
    }

    @Override
    public double compute() {
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    @Override
    public void reset() {
        correct = 0;
        total = 0;
    }
}
