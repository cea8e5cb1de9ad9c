package dev.nabla.metrics;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/** Turning predictions and targets into class indices. */
final class Labels {
    private Labels() {}

    /** PyTorch's default {@code ignore_index} of CrossEntropyLoss and NLLLoss: targets equal to it are skipped. */
    static final long DEFAULT_IGNORE = -100;

    /**
     * Predictions and targets of a sequence model flattened over positions, as CrossEntropyLoss takes them:
     * float [B, T, C] scores with [B, T] targets become [B·T, C] and [B·T]; int64 [B, T] predicted classes with
     * [B, T] targets become [B·T] and [B·T]. Anything else is returned unchanged.
     */
    static Tensor[] positions(String metric, Tensor predictions, Tensor targets) {
        int[] p = predictions.shape(), t = targets.shape();
        if (predictions.dtype() == DType.FLOAT32 && p.length == 3) {
            if (t.length != 2 || t[0] != p[0] || t[1] != p[1])
                throw new IllegalArgumentException(metric + ": sequence scores " + Shape.str(p) + " [B, T, C] need targets [B, T] = "
                        + Shape.str(new int[] {p[0], p[1]}) + ", got " + Shape.str(t));
            return new Tensor[] {predictions.reshape(p[0] * p[1], p[2]), targets.reshape(t[0] * t[1])};
        }
        if (predictions.dtype() == DType.INT64 && p.length == 2 && java.util.Arrays.equals(p, t))
            return new Tensor[] {predictions.reshape(p[0] * p[1]), targets.reshape(t[0] * t[1])};
        return new Tensor[] {predictions, targets};
    }

    /**
     * Predicted classes: int64 [N] as given; float [N, C] scores by argmax; float [N] or [N, 1]
     * probabilities of the positive class thresholded at 0.5 (binary).
     */
    static long[] predicted(String metric, Tensor predictions) {
        if (predictions.dtype() == DType.INT64) {
            if (predictions.rank() != 1) throw shape(metric, "predicted class indices must be [N]", predictions);
            return predictions.toLongArray();
        }
        int[] s = predictions.shape();
        if (s.length == 1 || (s.length == 2 && s[1] == 1)) {
            float[] p = predictions.toFloatArray();
            long[] out = new long[p.length];
            for (int i = 0; i < p.length; i++) out[i] = p[i] >= 0.5f ? 1 : 0;
            return out;
        }
        if (s.length != 2) throw shape(metric, "predictions must be [N, C] scores, [N] probabilities or int64 [N] classes", predictions);
        float[] p = predictions.contiguous().toFloatArray();
        int n = s[0], c = s[1];
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 1; j < c; j++) if (p[i * c + j] > p[i * c + best]) best = j;
            out[i] = best;
        }
        return out;
    }

    /** True classes from int64 [N] (or float [N] / [N,1] holding 0/1 for binary targets). */
    static long[] targets(String metric, Tensor targets, int expected) {
        int[] s = targets.shape();
        if (!(s.length == 1 || (s.length == 2 && s[1] == 1)))
            throw shape(metric, "targets must be class indices [N]", targets);
        long[] t = targets.toLongArray();
        if (t.length != expected)
            throw new IllegalArgumentException(metric + ": " + expected + " predictions but " + t.length + " targets");
        return t;
    }

    private static IllegalArgumentException shape(String metric, String what, Tensor t) {
        return new IllegalArgumentException(metric + ": " + what + ", got " + t.dtype() + " " + Shape.str(t.shape()));
    }
}
