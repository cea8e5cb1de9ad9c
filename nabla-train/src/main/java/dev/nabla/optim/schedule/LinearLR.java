package dev.nabla.optim.schedule;

import dev.nabla.optim.Optimizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PyTorch's {@code LinearLR}: the lr factor goes linearly from {@code start_factor} to {@code end_factor} over
 * {@code total_iters} epochs, then stays. With {@code end_factor = 1} it is a linear warm-up (see
 * {@link SequentialLR#withLinearWarmup}). {@code start_factor} must lie in (0, 1] (PyTorch 2's check: 0 would
 * divide by zero).
 */
public final class LinearLR extends LRScheduler {
    private final double startFactor, endFactor;
    private final int totalIters;

    public LinearLR(Optimizer<?, ?> optimizer, double startFactor, double endFactor, int totalIters) {
        super(optimizer);
        if (startFactor > 1.0 || !(startFactor > 0))
            throw new IllegalArgumentException("LinearLR: Starting multiplicative factor expected to be greater than 0 "
                    + "and less or equal to 1, got " + startFactor);
        if (endFactor > 1.0 || !(endFactor >= 0))
            throw new IllegalArgumentException("LinearLR: Ending multiplicative factor expected to be between 0 and 1, got " + endFactor);
        if (totalIters <= 0) throw new IllegalArgumentException("LinearLR: total_iters must be positive, got " + totalIters);
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        initialStep();
    }

    @Override protected double[] computeLr() {
        int e = lastEpoch;
        if (e == 0) return map((lr, base) -> lr * startFactor);
        if (e > totalIters) return groupLrs();
        double f = 1. + (endFactor - startFactor) / (totalIters * startFactor + (e - 1) * (endFactor - startFactor));
        return map((lr, base) -> lr * f);
    }

    @Override protected double[] closedFormLr() {
        return mapBase(base -> base * (startFactor + (endFactor - startFactor) * Math.min(totalIters, lastEpoch) / totalIters));
    }

    @Override protected Map<String, Object> hyperParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("start_factor", startFactor);
        m.put("end_factor", endFactor);
        m.put("total_iters", totalIters);
        return m;
    }
}
