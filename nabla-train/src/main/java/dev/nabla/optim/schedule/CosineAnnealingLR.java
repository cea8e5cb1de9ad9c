package dev.nabla.optim.schedule;

import dev.nabla.optim.Optimizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PyTorch's {@code CosineAnnealingLR}: {@code eta_min + (base - eta_min) * (1 + cos(pi * epoch / T_max)) / 2}
 * for epochs up to {@code T_max}, computed (as PyTorch) by the recursive form, so past {@code T_max} the lr
 * rises again along the cosine instead of restarting.
 */
public final class CosineAnnealingLR extends LRScheduler {
    private final int tMax;
    private final double etaMin;

    public CosineAnnealingLR(Optimizer<?, ?> optimizer, int tMax, double etaMin) {
        super(optimizer);
        if (tMax <= 0) throw new IllegalArgumentException("CosineAnnealingLR: T_max must be positive, got " + tMax);
        this.tMax = tMax;
        this.etaMin = etaMin;
        initialStep();
    }

    public CosineAnnealingLR(Optimizer<?, ?> optimizer, int tMax) { this(optimizer, tMax, 0); }

    @Override protected double[] computeLr() {
        int e = lastEpoch;
        if (e == 0) return groupLrs();
        if (stepCount == 1 && e > 0)
            return map((lr, base) -> etaMin + (base - etaMin) * (1 + Math.cos(e * Math.PI / tMax)) / 2);
        if (Math.floorMod(e - 1 - tMax, 2 * tMax) == 0)
            return map((lr, base) -> lr + (base - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2);
        return map((lr, base) -> (1 + Math.cos(Math.PI * e / tMax)) / (1 + Math.cos(Math.PI * (e - 1) / tMax))
                * (lr - etaMin) + etaMin);
    }

    @Override protected double[] closedFormLr() {
        return mapBase(base -> etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * lastEpoch / tMax)) / 2);
    }

    @Override protected Map<String, Object> hyperParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("T_max", tMax);
        m.put("eta_min", etaMin);
        return m;
    }
}
