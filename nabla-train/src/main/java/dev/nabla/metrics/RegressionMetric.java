package dev.nabla.metrics;

import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.util.Arrays;

/** Mean squared error, mean absolute error or the coefficient of determination R², streamed in double. */
public final class RegressionMetric implements Metric {
    public enum Kind { MSE, MAE, R2 }

    private final Kind kind;
    private long n;
    private double sumSq, sumAbs, sumY, sumY2;

    public RegressionMetric(Kind kind) {
        this.kind = kind;
    }

    @Override
    public String name() {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public boolean higherIsBetter() {
        return kind == Kind.R2;
    }

    @Override
    public void update(Tensor predictions, Tensor targets) {
        if (!Arrays.equals(predictions.shape(), targets.shape()))
            throw new IllegalArgumentException(name() + ": predictions " + Shape.str(predictions.shape())
                    + " and targets " + Shape.str(targets.shape()) + " differ in shape");
        float[] p = predictions.toFloatArray(), t = targets.toFloatArray();
        for (int i = 0; i < p.length; i++) {
            double d = (double) p[i] - t[i];
            sumSq += d * d;
            sumAbs += Math.abs(d);
            sumY += t[i];
            sumY2 += (double) t[i] * t[i];
        }
        n += p.length;
    }

    @Override
    public double compute() {
        if (n == 0) return Double.NaN;
        return switch (kind) {
            case MSE -> sumSq / n;
            case MAE -> sumAbs / n;
            case R2 -> {
                double ssTot = sumY2 - sumY * sumY / n;
                yield ssTot == 0 ? (sumSq == 0 ? 1.0 : 0.0) : 1 - sumSq / ssTot; // scikit-learn's convention for constant targets
            }
        };
    }

    @Override
    public void reset() {
        n = 0;
        sumSq = sumAbs = sumY = sumY2 = 0;
    }
}
