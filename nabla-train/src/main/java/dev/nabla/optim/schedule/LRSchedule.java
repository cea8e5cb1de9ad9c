package dev.nabla.optim.schedule;

import java.util.Map;

/**
 * Anything that sets an optimizer's learning rates over training: the epoch-driven {@link LRScheduler}s
 * (stepped with {@code step()}) and the metric-driven {@link ReduceLROnPlateau} (stepped with {@code step(metric)}).
 */
public interface LRSchedule {
    /** The learning rate of every parameter group after the last step (PyTorch's {@code get_last_lr()}). */
    double[] lastLr();

    /** The schedule's progress as a JSON-able map (PyTorch's attribute names). */
    Map<String, Object> stateDict();

    /** Restores a {@link #stateDict()}; the schedule's hyper-parameters must be the saved ones. */
    void loadStateDict(Map<String, ?> state);
}
