package dev.nabla.optim.schedule;

import dev.nabla.optim.Optimizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PyTorch's {@code ConstantLR}: the lr is {@code factor * initial} for the first {@code total_iters} epochs, then
 * the initial lr. {@link #none(Optimizer)} (factor 1) leaves the learning rate constant.
 */
public final class ConstantLR extends LRScheduler {
    private final double factor;
    private final int totalIters;

    public ConstantLR(Optimizer<?, ?> optimizer, double factor, int totalIters) {
        super(optimizer);
        if (factor > 1.0 || !(factor >= 0))
            throw new IllegalArgumentException("ConstantLR: Constant multiplicative factor expected to be between 0 and 1, got " + factor);
        if (totalIters < 0) throw new IllegalArgumentException("ConstantLR: total_iters must be >= 0, got " + totalIters);
        this.factor = factor;
        this.totalIters = totalIters;
        initialStep();
    }

    /** A schedule that keeps every group's learning rate as it is. */
    public static ConstantLR none(Optimizer<?, ?> optimizer) {
        return new ConstantLR(optimizer, 1.0, 0);
    }

    @Override protected double[] computeLr() {
        if (lastEpoch == 0) return map((lr, base) -> lr * factor);
        if (lastEpoch != totalIters) return groupLrs();
        return map((lr, base) -> lr * (1.0 / factor));
    }

    @Override protected double[] closedFormLr() {
        return mapBase(base -> base * (factor + (lastEpoch >= totalIters ? 1 : 0) * (1 - factor)));
    }

    @Override protected Map<String, Object> hyperParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("factor", factor);
        m.put("total_iters", totalIters);
        return m;
    }
}
