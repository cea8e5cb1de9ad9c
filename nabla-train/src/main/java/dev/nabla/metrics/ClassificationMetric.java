package dev.nabla.metrics;

import dev.nabla.tensor.Tensor;

/** Precision, recall or F1 over a {@link ConfusionMatrix}, with a chosen average. */
public final class ClassificationMetric implements Metric {
    public enum Score { PRECISION, RECALL, F1 }

    private final Score score;
    private final ConfusionMatrix.Average average;
    private final ConfusionMatrix matrix;
    private final String name;

    public ClassificationMetric(Score score, ConfusionMatrix.Average average, int numClasses) {
        this(score, average, numClasses, Labels.DEFAULT_IGNORE);
    }

    /** Positions whose target is {@code ignoreIndex} are not counted (as CrossEntropyLoss's ignore_index). */
    public ClassificationMetric(Score score, ConfusionMatrix.Average average, int numClasses, long ignoreIndex) {
        this.score = score;
        this.average = average;
        this.matrix = new ConfusionMatrix(numClasses, ignoreIndex);
        String base = score.name().toLowerCase(java.util.Locale.ROOT);
        this.name = average == ConfusionMatrix.Average.MACRO ? base : base + "_" + average.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override public String name() { return name; }

    @Override public void update(Tensor predictions, Tensor targets) { matrix.update(predictions, targets); }

    @Override
    public double compute() {
        return switch (score) {
            case PRECISION -> matrix.precision(average);
            case RECALL -> matrix.recall(average);
            case F1 -> matrix.f1(average);
        };
    }

    @Override public void reset() { matrix.reset(); }

    /** The underlying counts (for per-class scores and printing). */
    public ConfusionMatrix matrix() { return matrix; }
}
