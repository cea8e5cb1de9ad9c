package dev.nabla.optim;

import dev.nabla.tensor.Tensor;

import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * A list of parameters and the hyper-parameters they are updated with (PyTorch's param group). The options
 * are an immutable record; {@link #setLr(double)} and {@link #setOptions} swap in a new one, so a schedule
 * can change the learning rate between steps.
 *
 * @param <O> the optimizer's options record
 */
public final class ParamGroup<O extends OptimizerOptions> {
    private final List<Tensor> params;
    private O options;
    private double initialLr = Double.NaN;

    ParamGroup(List<Tensor> params, O options) {
        this.params = List.copyOf(params);
        this.options = Objects.requireNonNull(options, "options");
    }

    /** The parameters, in the order they were given (unmodifiable). */
    public List<Tensor> params() { return params; }

    public O options() { return options; }

    public void setOptions(O options) { this.options = Objects.requireNonNull(options, "options"); }

    public double lr() { return options.lr(); }

    /** Sets the learning rate for the next steps (validated: {@code lr >= 0}). */
    @SuppressWarnings("unchecked")
    public void setLr(double lr) { options = (O) options.withLr(lr); }

    /** The learning rate the first schedule attached to the optimizer started from (PyTorch's {@code initial_lr}). */
    public OptionalDouble initialLr() {
        return Double.isNaN(initialLr) ? OptionalDouble.empty() : OptionalDouble.of(initialLr);
    }

    public void setInitialLr(double lr) { this.initialLr = lr; }

    void clearInitialLr() { this.initialLr = Double.NaN; }
}
