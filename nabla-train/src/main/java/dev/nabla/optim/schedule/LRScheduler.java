package dev.nabla.optim.schedule;

import dev.nabla.optim.Optimizer;
import dev.nabla.optim.ParamGroup;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An epoch-driven schedule with PyTorch 1.13's semantics ({@code torch.optim.lr_scheduler._LRScheduler}):
 * construction records each group's {@code initial_lr} and takes the first step (epoch 0); every
 * {@link #step()} advances the epoch and sets each group's lr by the schedule's chainable (recursive) rule
 * from the group's current lr, so the values match what PyTorch prints, rounding included. Call it after
 * {@code optimizer.step()}, once per epoch (or per batch, for per-batch schedules).
 */
public abstract class LRScheduler implements LRSchedule {
    protected final Optimizer<?, ?> optimizer;
    protected double[] baseLrs;
    protected int lastEpoch = -1;
    protected int stepCount;
    private double[] lastLr;

    protected LRScheduler(Optimizer<?, ?> optimizer) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        List<? extends ParamGroup<?>> groups = optimizer.paramGroups();
        baseLrs = new double[groups.size()];
        for (int k = 0; k < groups.size(); k++) {
            ParamGroup<?> g = groups.get(k);
            if (g.initialLr().isEmpty()) g.setInitialLr(g.lr());
            baseLrs[k] = g.initialLr().getAsDouble();
        }
        lastLr = groupLrs();
    }

    /** Takes the first step (epoch 0); subclass constructors call it last, once their fields are set. */
    protected final void initialStep() {
        stepCount = 0;
        step();
    }

    /** Advances one epoch and sets the groups' learning rates. */
    public void step() {
        stepCount++;
        lastEpoch++;
        apply(computeLr());
    }

    /** Jumps to {@code epoch} using the closed form (PyTorch's deprecated {@code step(epoch)}; SequentialLR uses it). */
    void stepTo(int epoch) {
        stepCount++;
        lastEpoch = epoch;
        apply(closedFormLr());
    }

    private void apply(double[] lrs) {
        List<? extends ParamGroup<?>> groups = optimizer.paramGroups();
        for (int k = 0; k < groups.size(); k++) groups.get(k).setLr(lrs[k]);
        lastLr = groupLrs();
    }

    /** The chainable rule: the new lr of every group from {@link #groupLrs()}, {@link #baseLrs} and {@link #lastEpoch}. */
    protected abstract double[] computeLr();

    /** The lr at {@link #lastEpoch} straight from the base lrs. */
    protected abstract double[] closedFormLr();

    /** The groups' current learning rates. */
    protected final double[] groupLrs() {
        List<? extends ParamGroup<?>> groups = optimizer.paramGroups();
        double[] out = new double[groups.size()];
        for (int k = 0; k < out.length; k++) out[k] = groups.get(k).lr();
        return out;
    }

    @Override public double[] lastLr() { return lastLr.clone(); }

    /** The last epoch stepped to (0 after construction). */
    public int lastEpoch() { return lastEpoch; }

    public double[] baseLrs() { return baseLrs.clone(); }

    public Optimizer<?, ?> optimizer() { return optimizer; }

    /** The hyper-parameters under PyTorch's names, for state dicts and messages. */
    protected abstract Map<String, Object> hyperParameters();

    @Override public Map<String, Object> stateDict() {
        Map<String, Object> m = new LinkedHashMap<>(hyperParameters());
        m.put("base_lrs", list(baseLrs));
        m.put("last_epoch", lastEpoch);
        m.put("_step_count", stepCount);
        m.put("_last_lr", list(lastLr));
        return m;
    }

    @Override public void loadStateDict(Map<String, ?> state) {
        String name = getClass().getSimpleName();
        for (var e : hyperParameters().entrySet()) {
            Object saved = state.get(e.getKey());
            if (saved != null && !sameValue(saved, e.getValue()))
                throw new IllegalArgumentException(name + ": loadStateDict: saved " + e.getKey() + " = " + saved
                        + " differs from this schedule's " + e.getValue());
        }
        baseLrs = doubles(name, state, "base_lrs", baseLrs.length);
        lastLr = doubles(name, state, "_last_lr", baseLrs.length);
        lastEpoch = (int) number(name, state, "last_epoch");
        stepCount = (int) number(name, state, "_step_count");
    }

    static boolean sameValue(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) return x.doubleValue() == y.doubleValue();
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!sameValue(x.get(i), y.get(i))) return false;
            return true;
        }
        return Objects.equals(a, b);
    }

    static List<Object> list(double[] v) {
        List<Object> out = new ArrayList<>();
        for (double d : v) out.add(d);
        return out;
    }

    static double number(String name, Map<String, ?> state, String key) {
        if (!(state.get(key) instanceof Number n))
            throw new IllegalArgumentException(name + ": loadStateDict: missing number '" + key + "'");
        return n.doubleValue();
    }

    static double[] doubles(String name, Map<String, ?> state, String key, int expected) {
        if (!(state.get(key) instanceof List<?> l) || l.size() != expected)
            throw new IllegalArgumentException(name + ": loadStateDict: '" + key + "' must be a list of " + expected
                    + " numbers (one per param group), got " + state.get(key));
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Number n))
                throw new IllegalArgumentException(name + ": loadStateDict: '" + key + "' holds " + l.get(i));
            out[i] = n.doubleValue();
        }
        return out;
    }

    /** Every group's lr mapped by {@code f(groupLr, baseLr)}. */
    protected final double[] map(java.util.function.DoubleBinaryOperator f) {
        double[] lrs = groupLrs();
        for (int k = 0; k < lrs.length; k++) lrs[k] = f.applyAsDouble(lrs[k], baseLrs[k]);
        return lrs;
    }

    /** Every base lr mapped by {@code f}. */
    protected final double[] mapBase(java.util.function.DoubleUnaryOperator f) {
        double[] out = baseLrs.clone();
        for (int k = 0; k < out.length; k++) out[k] = f.applyAsDouble(out[k]);
        return out;
    }
}
