package dev.nabla.optim.schedule;

import dev.nabla.optim.Optimizer;

import java.util.LinkedHashMap;
import java.util.Map;

/** PyTorch's {@code StepLR}: multiplies the lr by {@code gamma} every {@code step_size} epochs. */
public final class StepLR extends LRScheduler {
    private final int stepSize;
    private final double gamma;

    public StepLR(Optimizer<?, ?> optimizer, int stepSize, double gamma) {
        super(optimizer);
        if (stepSize <= 0) throw new IllegalArgumentException("StepLR: step_size must be positive, got " + stepSize);
        this.stepSize = stepSize;
        this.gamma = gamma;
        initialStep();
    }

    /** With PyTorch's default {@code gamma = 0.1}. */
    public StepLR(Optimizer<?, ?> optimizer, int stepSize) { this(optimizer, stepSize, 0.1); }

    @Override protected double[] computeLr() {
        if (lastEpoch == 0 || lastEpoch % stepSize != 0) return groupLrs();
        return map((lr, base) -> lr * gamma);
    }

    @Override protected double[] closedFormLr() {
        return mapBase(base -> base * Math.pow(gamma, Math.floorDiv(lastEpoch, stepSize)));
    }

    @Override protected Map<String, Object> hyperParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step_size", stepSize);
        m.put("gamma", gamma);
        return m;
    }
}
