package dev.nabla.optim.schedule;

import dev.nabla.optim.Optimizer;

import java.util.LinkedHashMap;
import java.util.Map;

/** PyTorch's {@code ExponentialLR}: multiplies the lr by {@code gamma} every epoch. */
public final class ExponentialLR extends LRScheduler {
    private final double gamma;

    public ExponentialLR(Optimizer<?, ?> optimizer, double gamma) {
        super(optimizer);
        this.gamma = gamma;
        initialStep();
    }

    @Override protected double[] computeLr() {
        if (lastEpoch == 0) return groupLrs();
        return map((lr, base) -> lr * gamma);
    }

    @Override protected double[] closedFormLr() {
        return mapBase(base -> base * Math.pow(gamma, lastEpoch));
    }

    @Override protected Map<String, Object> hyperParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gamma", gamma);
        return m;
    }
}
