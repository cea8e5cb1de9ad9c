package dev.nabla.metrics;

import java.util.Locale;

/** Metrics by the names a config file uses. */
public final class Metrics {
    private Metrics() {}

    /** The names {@link #create} knows. */
    public static final String NAMES = "accuracy, topK_accuracy (e.g. top5_accuracy), precision, recall, f1 "
            + "(macro; add _micro or _weighted), mse, mae, r2";

    /**
     * A metric by name; {@code numClasses} is needed by precision, recall and f1.
     * Names: accuracy, top5_accuracy, precision, recall, f1 (macro averages; precision_micro, f1_weighted, ...),
     * mse, mae, r2.
     */
    public static Metric create(String name, int numClasses) {
        return create(name, numClasses, Labels.DEFAULT_IGNORE);
    }

    /**
     * As {@link #create(String, int)}, the classification metrics skipping positions whose target is
     * {@code ignoreIndex} (pass the loss's {@code ignore_index}; PyTorch's default is -100).
     */
    public static Metric create(String name, int numClasses, long ignoreIndex) {
        String n = name.toLowerCase(Locale.ROOT).trim();
        if (n.equals("accuracy") || n.equals("acc")) return new Accuracy(1, ignoreIndex);
        if (n.matches("top\\d+_accuracy"))
            return new Accuracy(Integer.parseInt(n.substring(3, n.indexOf('_'))), ignoreIndex);
        switch (n) {
            case "mse" -> { return new RegressionMetric(RegressionMetric.Kind.MSE); }
            case "mae" -> { return new RegressionMetric(RegressionMetric.Kind.MAE); }
            case "r2" -> { return new RegressionMetric(RegressionMetric.Kind.R2); }
            default -> { }
        }
        String[] parts = n.split("_", 2);
        ClassificationMetric.Score score = switch (parts[0]) {
            case "precision" -> ClassificationMetric.Score.PRECISION;
            case "recall" -> ClassificationMetric.Score.RECALL;
            case "f1" -> ClassificationMetric.Score.F1;
            default -> throw new IllegalArgumentException("unknown metric '" + name + "'; known: " + NAMES);
        };
        ConfusionMatrix.Average avg = parts.length == 1 ? ConfusionMatrix.Average.MACRO : switch (parts[1]) {
            case "macro" -> ConfusionMatrix.Average.MACRO;
            case "micro" -> ConfusionMatrix.Average.MICRO;
            case "weighted" -> ConfusionMatrix.Average.WEIGHTED;
            default -> throw new IllegalArgumentException("unknown average '" + parts[1] + "' in metric '" + name
                    + "'; use macro, micro or weighted");
        };
        if (numClasses < 2)
            throw new IllegalArgumentException("metric '" + name + "' needs the number of classes (at least 2), got " + numClasses);
        return new ClassificationMetric(score, avg, numClasses, ignoreIndex);
    }
}
