package dev.nabla.optim.schedule;

import dev.nabla.optim.Optimizer;
import dev.nabla.optim.ParamGroup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * PyTorch's {@code SequentialLR}: runs {@code schedulers[i]} from {@code milestones[i-1]} on; at a milestone
 * the next schedule starts at its epoch 0 (closed form). The usual use is a warm-up,
 * {@link #withLinearWarmup}: {@code LinearLR(start_factor → 1 over N epochs)} then any other schedule.
 */
public final class SequentialLR extends LRScheduler {
    private final List<LRScheduler> schedulers;
    private final int[] milestones;

    public SequentialLR(Optimizer<?, ?> optimizer, List<? extends LRScheduler> schedulers, int[] milestones) {
        super(optimizer);
        if (schedulers.isEmpty()) throw new IllegalArgumentException("SequentialLR: needs at least one scheduler");
        for (int i = 0; i < schedulers.size(); i++)
            if (schedulers.get(i).optimizer() != optimizer)
                throw new IllegalArgumentException("SequentialLR: Sequential Schedulers expects all schedulers to belong to "
                        + "the same optimizer, but got schedulers at index " + i + " to be different than the optimizer passed in.");
        if (milestones.length != schedulers.size() - 1)
            throw new IllegalArgumentException("SequentialLR: Sequential Schedulers expects number of schedulers provided "
                    + "to be one more than the number of milestone points, but got number of schedulers " + schedulers.size()
                    + " and the number of milestones to be equal to " + milestones.length);
        for (int i = 1; i < milestones.length; i++)
            if (milestones[i] < milestones[i - 1])
                throw new IllegalArgumentException("SequentialLR: milestones must be increasing, got " + Arrays.toString(milestones));
        this.schedulers = List.copyOf(schedulers);
        this.milestones = milestones.clone();
        this.lastEpoch = 0;
        for (ParamGroup<?> g : optimizer.paramGroups()) g.setLr(g.initialLr().orElse(g.lr()));
        for (LRScheduler s : this.schedulers) s.lastEpoch -= 1;
        this.schedulers.getFirst().initialStep();
    }

    /**
     * A linear warm-up from {@code startFactor * lr} to {@code lr} over {@code warmupIters} epochs, then the
     * schedule {@code after} builds (it starts at its own epoch 0 when the warm-up ends), exactly as
     * PyTorch's {@code SequentialLR([LinearLR(opt, start_factor, 1.0, N), after(opt)], milestones=[N])}.
     */
    public static SequentialLR withLinearWarmup(Optimizer<?, ?> optimizer, double startFactor, int warmupIters,
                                                Function<Optimizer<?, ?>, ? extends LRScheduler> after) {
        LinearLR warmup = new LinearLR(optimizer, startFactor, 1.0, warmupIters);
        LRScheduler next = after.apply(optimizer);
        return new SequentialLR(optimizer, List.of(warmup, next), new int[] {warmupIters});
    }

    @Override public void step() {
        lastEpoch++;
        int idx = 0;
        while (idx < milestones.length && milestones[idx] <= lastEpoch) idx++;   // bisect_right
        LRScheduler s = schedulers.get(idx);
        if (idx > 0 && milestones[idx - 1] == lastEpoch) s.stepTo(0);
        else s.step();
    }

    @Override public double[] lastLr() {
        int idx = 0;
        while (idx < milestones.length && milestones[idx] <= lastEpoch) idx++;
        return schedulers.get(idx).lastLr();
    }

    /** The schedules, in order. */
    public List<LRScheduler> schedulers() { return schedulers; }

    @Override protected double[] computeLr() { return groupLrs(); }

    @Override protected double[] closedFormLr() { return groupLrs(); }

    @Override protected Map<String, Object> hyperParameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> ms = new ArrayList<>();
        for (int x : milestones) ms.add(x);
        m.put("_milestones", ms);
        return m;
    }

    @Override public Map<String, Object> stateDict() {
        Map<String, Object> m = new LinkedHashMap<>(hyperParameters());
        m.put("last_epoch", lastEpoch);
        List<Object> inner = new ArrayList<>();
        for (LRScheduler s : schedulers) inner.add(s.stateDict());
        m.put("_schedulers", inner);
        return m;
    }

    @Override public void loadStateDict(Map<String, ?> state) {
        if (!(state.get("_schedulers") instanceof List<?> inner) || inner.size() != schedulers.size())
            throw new IllegalArgumentException("SequentialLR: loadStateDict: expected a list of " + schedulers.size()
                    + " scheduler states under '_schedulers', got " + state.get("_schedulers"));
        Object ms = state.get("_milestones");
        if (ms != null && !sameValue(ms, hyperParameters().get("_milestones")))
            throw new IllegalArgumentException("SequentialLR: loadStateDict: saved milestones " + ms + " differ from "
                    + Arrays.toString(milestones));
        int epoch = (int) number("SequentialLR", state, "last_epoch");
        for (int i = 0; i < schedulers.size(); i++) {
            if (!(inner.get(i) instanceof Map<?, ?> m))
                throw new IllegalArgumentException("SequentialLR: loadStateDict: scheduler state " + i + " is not a map");
            @SuppressWarnings("unchecked") Map<String, ?> mm = (Map<String, ?>) m;
            schedulers.get(i).loadStateDict(mm);
        }
        lastEpoch = epoch;
    }
}
