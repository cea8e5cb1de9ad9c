package dev.nabla.optim.schedule;

import dev.nabla.optim.Optimizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch's {@code MultiStepLR}: multiplies the lr by {@code gamma} at each milestone epoch (by
 * {@code gamma^k} at a milestone listed k times).
 */
public final class MultiStepLR extends LRScheduler {
    private final int[] milestones;   // sorted, repeats kept

    public MultiStepLR(Optimizer<?, ?> optimizer, int[] milestones, double gamma) {
        super(optimizer);
        this.milestones = milestones.clone();
        Arrays.sort(this.milestones);
        this.gamma = gamma;
        initialStep();
    }

    private final double gamma;

    /** With PyTorch's default {@code gamma = 0.1}. */
    public MultiStepLR(Optimizer<?, ?> optimizer, int[] milestones) { this(optimizer, milestones, 0.1); }

    private int count(int epoch) {
        int c = 0;
        for (int m : milestones) if (m == epoch) c++;
        return c;
    }

    @Override protected double[] computeLr() {
        int c = count(lastEpoch);
        if (c == 0) return groupLrs();
        double f = Math.pow(gamma, c);
        return map((lr, base) -> lr * f);
    }

    @Override protected double[] closedFormLr() {
        int passed = 0;
        for (int m : milestones) if (m <= lastEpoch) passed++;
        double f = Math.pow(gamma, passed);
        return mapBase(base -> base * f);
    }

    @Override protected Map<String, Object> hyperParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> ms = new ArrayList<>();
        for (int x : milestones) ms.add(x);
        m.put("milestones", ms);
        m.put("gamma", gamma);
        return m;
    }
}
