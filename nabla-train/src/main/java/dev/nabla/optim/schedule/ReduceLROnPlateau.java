package dev.nabla.optim.schedule;

import dev.nabla.optim.Optimizer;
import dev.nabla.optim.ParamGroup;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * PyTorch's {@code ReduceLROnPlateau}: after more than {@code patience} epochs without improvement of the
 * metric given to {@link #step(double)}, every group's lr is multiplied by {@code factor} (not below its
 * {@code min_lr}, and only if it changes by more than {@code eps}); then {@code cooldown} epochs pass before bad
 * epochs count again. Improvement means {@code a < best * (1 - threshold)} (mode min, rel),
 * {@code a < best - threshold} (min, abs), {@code a > best * (1 + threshold)} (max, rel) or
 * {@code a > best + threshold} (max, abs).
 */
public final class ReduceLROnPlateau implements LRSchedule {
    /** Whether the metric should go down (a loss) or up (an accuracy). */
    public enum Mode { MIN, MAX }

    /** Whether {@code threshold} is relative to the best value or absolute. */
    public enum ThresholdMode { REL, ABS }

    /** The hyper-parameters ({@code mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps}). */
    public record Options(Mode mode, double factor, int patience, double threshold, ThresholdMode thresholdMode,
                          int cooldown, double minLr, double eps) {
        public Options {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(thresholdMode, "threshold_mode");
            if (!(factor < 1.0)) throw new IllegalArgumentException("ReduceLROnPlateau: Factor should be < 1.0., got " + factor);
            if (!(factor >= 0)) throw new IllegalArgumentException("ReduceLROnPlateau: factor must be >= 0, got " + factor);
            if (patience < 0) throw new IllegalArgumentException("ReduceLROnPlateau: patience must be >= 0, got " + patience);
            if (cooldown < 0) throw new IllegalArgumentException("ReduceLROnPlateau: cooldown must be >= 0, got " + cooldown);
            if (!(minLr >= 0)) throw new IllegalArgumentException("ReduceLROnPlateau: min_lr must be >= 0, got " + minLr);
            if (!(threshold >= 0)) throw new IllegalArgumentException("ReduceLROnPlateau: threshold must be >= 0, got " + threshold);
            if (!(eps >= 0)) throw new IllegalArgumentException("ReduceLROnPlateau: eps must be >= 0, got " + eps);
        }

        /** PyTorch's defaults: min, factor 0.1, patience 10, threshold 1e-4 rel, cooldown 0, min_lr 0, eps 1e-8. */
        public static Options defaults() {
            return new Options(Mode.MIN, 0.1, 10, 1e-4, ThresholdMode.REL, 0, 0, 1e-8);
        }

        public Options withMode(Mode m) { return new Options(m, factor, patience, threshold, thresholdMode, cooldown, minLr, eps); }

        public Options withFactor(double f) { return new Options(mode, f, patience, threshold, thresholdMode, cooldown, minLr, eps); }

        public Options withPatience(int p) { return new Options(mode, factor, p, threshold, thresholdMode, cooldown, minLr, eps); }

        public Options withCooldown(int c) { return new Options(mode, factor, patience, threshold, thresholdMode, c, minLr, eps); }

        public Options withMinLr(double m) { return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, m, eps); }

        public Options withThreshold(double t, ThresholdMode tm) {
            return new Options(mode, factor, patience, t, tm, cooldown, minLr, eps);
        }

        /** Options by PyTorch name ({@code "mode": "min"|"max"}, {@code "threshold_mode": "rel"|"abs"}); defaults fill the rest. */
        public static Options fromMap(Map<String, ?> map) {
            Options d = defaults();
            for (String k : map.keySet())
                if (!List.of("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps").contains(k))
                    throw new IllegalArgumentException("ReduceLROnPlateau: unknown option " + k);
            return new Options(ReduceLROnPlateau.parseMode(str(map, "mode", "min")), num(map, "factor", d.factor), integer(map, "patience", d.patience),
                    num(map, "threshold", d.threshold), ReduceLROnPlateau.parseThresholdMode(str(map, "threshold_mode", "rel")),
                    integer(map, "cooldown", d.cooldown), num(map, "min_lr", d.minLr), num(map, "eps", d.eps));
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", mode.name().toLowerCase(Locale.ROOT));
            m.put("factor", factor);
            m.put("patience", patience);
            m.put("threshold", threshold);
            m.put("threshold_mode", thresholdMode.name().toLowerCase(Locale.ROOT));
            m.put("cooldown", cooldown);
            m.put("eps", eps);
            return m;
        }
    }

    private final Optimizer<?, ?> optimizer;
    private final Options options;
    private final double[] minLrs;
    private double best;
    private int numBadEpochs;
    private int cooldownCounter;
    private int lastEpoch;
    private double[] lastLr;

    public ReduceLROnPlateau(Optimizer<?, ?> optimizer, Options options) {
        this(optimizer, options, null);
    }

    /** With one {@code min_lr} per group (overriding {@code options.minLr()}). */
    public ReduceLROnPlateau(Optimizer<?, ?> optimizer, Options options, double[] minLrs) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.options = Objects.requireNonNull(options, "options");
        int n = optimizer.paramGroups().size();
        if (minLrs != null && minLrs.length != n)
            throw new IllegalArgumentException("ReduceLROnPlateau: expected " + n + " min_lrs, got " + minLrs.length);
        this.minLrs = minLrs != null ? minLrs.clone() : new double[n];
        if (minLrs == null) Arrays.fill(this.minLrs, options.minLr());
        reset();
        lastLr = lrs();
    }

    public static Mode parseMode(String s) {
        return switch (s) {
            case "min" -> Mode.MIN;
            case "max" -> Mode.MAX;
            default -> throw new IllegalArgumentException("ReduceLROnPlateau: mode " + s + " is unknown!");
        };
    }

    public static ThresholdMode parseThresholdMode(String s) {
        return switch (s) {
            case "rel" -> ThresholdMode.REL;
            case "abs" -> ThresholdMode.ABS;
            default -> throw new IllegalArgumentException("ReduceLROnPlateau: threshold mode " + s + " is unknown!");
        };
    }

    private static String str(Map<String, ?> m, String k, String d) {
        Object v = m.get(k);
        return v == null ? d : v.toString();
    }

    private static double num(Map<String, ?> m, String k, double d) {
        Object v = m.get(k);
        if (v == null) return d;
        if (v instanceof Number x) return x.doubleValue();
        throw new IllegalArgumentException("ReduceLROnPlateau: " + k + " must be a number, got " + v);
    }

    /** A whole number: 2.5 epochs of patience is a mistake to report, not to truncate. */
    private static int integer(Map<String, ?> m, String k, int d) {
        double v = num(m, k, d);
        if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE)
            throw new IllegalArgumentException("ReduceLROnPlateau: " + k + " must be a whole number, got " + m.get(k));
        return (int) v;
    }

    private double worse() { return options.mode() == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY; }

    private void reset() {
        best = worse();
        cooldownCounter = 0;
        numBadEpochs = 0;
    }

    public Options options() { return options; }

    /** True when {@code a} improves on {@code best} by the threshold. */
    public boolean isBetter(double a, double best) {
        double t = options.threshold();
        return switch (options.mode()) {
            case MIN -> options.thresholdMode() == ThresholdMode.REL ? a < best * (1. - t) : a < best - t;
            case MAX -> options.thresholdMode() == ThresholdMode.REL ? a > best * (t + 1.) : a > best + t;
        };
    }

    /** Records one epoch's metric and reduces the learning rates when it has stopped improving. */
    public void step(double metric) {
        lastEpoch++;
        if (isBetter(metric, best)) {
            best = metric;
            numBadEpochs = 0;
        } else {
            numBadEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            numBadEpochs = 0;
        }
        if (numBadEpochs > options.patience()) {
            reduce();
            cooldownCounter = options.cooldown();
            numBadEpochs = 0;
        }
        lastLr = lrs();
    }

    private void reduce() {
        List<? extends ParamGroup<?>> groups = optimizer.paramGroups();
        for (int k = 0; k < groups.size(); k++) {
            double old = groups.get(k).lr();
            double next = Math.max(old * options.factor(), minLrs[k]);
            if (old - next > options.eps()) groups.get(k).setLr(next);
        }
    }

    private double[] lrs() {
        List<? extends ParamGroup<?>> groups = optimizer.paramGroups();
        double[] out = new double[groups.size()];
        for (int k = 0; k < out.length; k++) out[k] = groups.get(k).lr();
        return out;
    }

    @Override public double[] lastLr() { return lastLr.clone(); }

    /** The best metric seen so far (infinite before the first step). */
    public double best() { return best; }

    public int numBadEpochs() { return numBadEpochs; }

    public int cooldownCounter() { return cooldownCounter; }

    @Override public Map<String, Object> stateDict() {
        Map<String, Object> m = new LinkedHashMap<>(options.toMap());
        m.put("min_lrs", LRScheduler.list(minLrs));
        m.put("best", Double.isFinite(best) ? (Object) best : Double.toString(best));
        m.put("num_bad_epochs", numBadEpochs);
        m.put("cooldown_counter", cooldownCounter);
        m.put("last_epoch", lastEpoch);
        m.put("_last_lr", LRScheduler.list(lastLr));
        return m;
    }

    @Override public void loadStateDict(Map<String, ?> state) {
        for (var e : options.toMap().entrySet()) {
            Object saved = state.get(e.getKey());
            if (saved != null && !LRScheduler.sameValue(saved, e.getValue()))
                throw new IllegalArgumentException("ReduceLROnPlateau: loadStateDict: saved " + e.getKey() + " = " + saved
                        + " differs from this schedule's " + e.getValue());
        }
        String name = "ReduceLROnPlateau";
        double[] mins = LRScheduler.doubles(name, state, "min_lrs", minLrs.length);
        double[] last = LRScheduler.doubles(name, state, "_last_lr", minLrs.length);
        Object b = state.get("best");
        double bestValue = b instanceof Number x ? x.doubleValue()
                : b instanceof String s ? Double.parseDouble(s) : worse();
        int bad = (int) LRScheduler.number(name, state, "num_bad_epochs");
        int cool = (int) LRScheduler.number(name, state, "cooldown_counter");
        int epoch = (int) LRScheduler.number(name, state, "last_epoch");
        System.arraycopy(mins, 0, minLrs, 0, mins.length);
        lastLr = last;
        best = bestValue;
        numBadEpochs = bad;
        cooldownCounter = cool;
        lastEpoch = epoch;
    }
}
