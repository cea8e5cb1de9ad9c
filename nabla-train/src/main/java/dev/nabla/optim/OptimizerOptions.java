package dev.nabla.optim;

import java.util.Map;

/**
 * The hyper-parameters of one parameter group: an immutable record per optimizer ({@link SGD.Options},
 * {@link Adam.Options}, ...) that validates itself in its compact constructor with PyTorch's messages.
 * Schedules change the learning rate through {@link #withLr(double)}.
 */
public interface OptimizerOptions {
    /** The learning rate. */
    double lr();

    /** The same options with another learning rate (validated). */
    OptimizerOptions withLr(double lr);

    /** The options under PyTorch's argument names ({@code lr}, {@code betas}, {@code weight_decay}...), JSON-able. */
    Map<String, Object> toMap();
}
