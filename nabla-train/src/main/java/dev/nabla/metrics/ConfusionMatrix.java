package dev.nabla.metrics;

import dev.nabla.tensor.Tensor;

import java.util.Locale;

/**
 * Counts of (true class, predicted class) pairs, and the per-class and averaged precision, recall and F1
 * derived from them. A class with no predicted (or no true) examples scores 0 where its precision (or
 * recall) would divide by zero, as scikit-learn's default {@code zero_division} does.
 */
public final class ConfusionMatrix {
    private final int numClasses;
    private final long ignoreIndex;
    private final long[] counts; // row = true class, column = predicted class

    public ConfusionMatrix(int numClasses) {
        this(numClasses, Labels.DEFAULT_IGNORE);
    }

    /** Positions whose target is {@code ignoreIndex} are not counted (as CrossEntropyLoss's ignore_index). */
    public ConfusionMatrix(int numClasses, long ignoreIndex) {
        if (numClasses < 2) throw new IllegalArgumentException("confusion_matrix: num_classes must be at least 2, got " + numClasses);
        this.numClasses = numClasses;
        this.ignoreIndex = ignoreIndex;
        this.counts = new long[numClasses * numClasses];
    }

    public int numClasses() {
        return numClasses;
    }

    /**
     * Adds a batch: [N, C] scores, [N] probabilities or int64 [N] classes with [N] targets, or a sequence model's
     * [B, T, C] scores (int64 [B, T] classes) with [B, T] targets, every position counted.
     */
    public void update(Tensor predictions, Tensor targets) {
        Tensor[] flat = Labels.positions("confusion_matrix", predictions, targets);
        long[] p = Labels.predicted("confusion_matrix", flat[0]);
        long[] t = Labels.targets("confusion_matrix", flat[1], p.length);
        for (int i = 0; i < p.length; i++) {
            if (t[i] == ignoreIndex) continue;
            check(t[i], "target", i);
            check(p[i], "prediction", i);
            counts[(int) t[i] * numClasses + (int) p[i]]++;
        }
    }

    private void check(long c, String what, int i) {
        if (c < 0 || c >= numClasses)
            throw new IllegalArgumentException("confusion_matrix: " + what + " " + c + " at position " + i
                    + " is not a class in [0, " + numClasses + ")");
    }

    public void reset() {
        java.util.Arrays.fill(counts, 0);
    }

    /** Examples of true class {@code actual} predicted as {@code predicted}. */
    public long count(int actual, int predicted) {
        return counts[actual * numClasses + predicted];
    }

    public long total() {
        long s = 0;
        for (long c : counts) s += c;
        return s;
    }

    public double accuracy() {
        long correct = 0;
        for (int c = 0; c < numClasses; c++) correct += count(c, c);
        long n = total();
        return n == 0 ? Double.NaN : (double) correct / n;
    }

    private long predictedAs(int c) {
        long s = 0;
        for (int r = 0; r < numClasses; r++) s += count(r, c);
        return s;
    }

    private long support(int c) {
        long s = 0;
        for (int p = 0; p < numClasses; p++) s += count(c, p);
        return s;
    }

    public double precision(int c) {
        long d = predictedAs(c);
        return d == 0 ? 0 : (double) count(c, c) / d;
    }

    public double recall(int c) {
        long d = support(c);
        return d == 0 ? 0 : (double) count(c, c) / d;
    }

    public double f1(int c) {
        long tp = count(c, c), d = predictedAs(c) + support(c);
        return d == 0 ? 0 : 2.0 * tp / d;
    }

    /** How per-class scores are combined. */
    public enum Average {
        /** Unweighted mean over classes. */
        MACRO,
        /** From the pooled counts: equals accuracy for single-label classification. */
        MICRO,
        /** Mean over classes weighted by each class's number of true examples. */
        WEIGHTED
    }

    public double precision(Average avg) { return average(avg, this::precision); }
    public double recall(Average avg) { return average(avg, this::recall); }
    public double f1(Average avg) { return average(avg, this::f1); }

    private double average(Average avg, java.util.function.IntToDoubleFunction perClass) {
        long n = total();
        if (n == 0) return Double.NaN;
        return switch (avg) {
            case MICRO -> accuracy(); // pooled TP / pooled (TP+FP) = pooled TP / N when each example has one label
            case MACRO -> {
                double s = 0;
                for (int c = 0; c < numClasses; c++) s += perClass.applyAsDouble(c);
                yield s / numClasses;
            }
            case WEIGHTED -> {
                double s = 0;
                for (int c = 0; c < numClasses; c++) s += perClass.applyAsDouble(c) * support(c);
                yield s / n;
            }
        };
    }

    /** The counts as an int64 [C, C] tensor (rows: true class). */
    public Tensor toTensor() {
        return Tensor.ofLongs(counts.clone(), numClasses, numClasses);
    }

    /** A table with true classes down and predicted classes across. */
    @Override
    public String toString() {
        int w = Math.max(5, Long.toString(Math.max(total(), 1)).length() + 1);
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%" + w + "s", "t\\p"));
        for (int c = 0; c < numClasses; c++) b.append(String.format(Locale.ROOT, "%" + w + "d", c));
        for (int r = 0; r < numClasses; r++) {
            b.append('\n').append(String.format(Locale.ROOT, "%" + w + "d", r));
            for (int c = 0; c < numClasses; c++) b.append(String.format(Locale.ROOT, "%" + w + "d", count(r, c)));
        }
        return b.toString();
    }
}
