package dev.nabla.metrics;

import dev.nabla.tensor.Tensor;

/**
 * A metric accumulated over batches, as Keras's stateful metrics: {@link #update} with each batch's
 * predictions and targets, {@link #compute} at the end of an epoch, {@link #reset} before the next.
 */
public interface Metric {
    /** The name used in histories and metrics.json ("accuracy", "f1", ...). */
    String name();

    void update(Tensor predictions, Tensor targets);

    /** The value over everything seen since the last reset; NaN before any update. */
    double compute();

    void reset();

    /** True when a larger value is better (for early stopping and checkpoint selection). */
    default boolean higherIsBetter() {
        return true;
    }
}
