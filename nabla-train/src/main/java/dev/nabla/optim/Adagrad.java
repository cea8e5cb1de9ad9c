package dev.nabla.optim;

import dev.nabla.kernel.Parallel;
import dev.nabla.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Adagrad with PyTorch 1.13's update rule ({@code torch.optim.Adagrad}), per element at step t (from 1):
 * <pre>
 * d = maximize ? -g : g;   if weight_decay != 0: d += weight_decay * p
 * clr = lr / (1 + (t - 1) * lr_decay)
 * sum += d * d
 * p -= clr * d / (sqrt(sum) + eps)
 * </pre>
 * State: {@code step}, {@code sum} (starting at {@code initial_accumulator_value}); as in PyTorch it exists from
 * construction on.
 */
public final class Adagrad extends Optimizer<Adagrad.Options, Adagrad.State> {
    /** Adagrad's hyper-parameters ({@code lr, lr_decay, weight_decay, initial_accumulator_value, eps, maximize}). */
    public record Options(double lr, double lrDecay, double weightDecay, double initialAccumulatorValue,
                          double eps, boolean maximize) implements OptimizerOptions {
        public Options {
            if (!(lr >= 0)) throw new IllegalArgumentException("Adagrad: Invalid learning rate: " + lr);
            if (!(lrDecay >= 0)) throw new IllegalArgumentException("Adagrad: Invalid lr_decay value: " + lrDecay);
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("Adagrad: Invalid weight_decay value: " + weightDecay);
            if (!(initialAccumulatorValue >= 0))
                throw new IllegalArgumentException("Adagrad: Invalid initial_accumulator_value value: " + initialAccumulatorValue);
            if (!(eps >= 0)) throw new IllegalArgumentException("Adagrad: Invalid epsilon value: " + eps);
        }

        /** PyTorch's defaults with learning rate {@code lr} (lr_decay 0, weight_decay 0, accumulator 0, eps 1e-10). */
        public Options(double lr) { this(lr, 0, 0, 0, 1e-10, false); }

        @Override public Options withLr(double lr) {
            return new Options(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
        }

        @Override public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lr", lr);
            m.put("lr_decay", lrDecay);
            m.put("weight_decay", weightDecay);
            m.put("initial_accumulator_value", initialAccumulatorValue);
            m.put("eps", eps);
            m.put("maximize", maximize);
            return m;
        }

        public static Options fromMap(Map<String, ?> map, Options base) {
            Hyper h = new Hyper("Adagrad", map, Set.of("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize"));
            return new Options(h.num("lr", base.lr), h.num("lr_decay", base.lrDecay), h.num("weight_decay", base.weightDecay),
                    h.num("initial_accumulator_value", base.initialAccumulatorValue), h.num("eps", base.eps),
                    h.flag("maximize", base.maximize));
        }
    }

    /** Per-parameter state: steps taken and the running sum of squared gradients. */
    public record State(long step, float[] sum) {}

    public Adagrad(Iterable<Tensor> params, Options options) { super("Adagrad", params, options); }

    public Adagrad(Iterable<Tensor> params, double lr) { this(params, new Options(lr)); }

    @Override public Options parseOptions(Map<String, ?> map, Options base) { return Options.fromMap(map, base); }

    @Override protected State eagerState(Tensor param, Options o) { return initState(param, o); }

    @Override protected State initState(Tensor param, Options o) {
        float[] sum = new float[param.numel()];
        Arrays.fill(sum, (float) o.initialAccumulatorValue());
        return new State(0, sum);
    }

    @Override
    protected State update(float[] p, int pOff, float[] g, int gOff, int n, State s, Options o) {
        return step(p, pOff, g, gOff, n, s, o);
    }

    /** One Adagrad step of {@code n} elements; returns the next state. */
    public static State step(float[] p, int pOff, float[] g, int gOff, int n, State s, Options o) {
        long t = s.step() + 1;
        float negClr = (float) -(o.lr() / (1 + (t - 1) * o.lrDecay()));
        float wd = (float) o.weightDecay(), eps = (float) o.eps();
        boolean max = o.maximize();
        float[] sum = s.sum();
        Parallel.forRange(n, SGD.GRAIN, (a, b) -> {
            for (int i = a; i < b; i++) {
                float d = max ? -g[gOff + i] : g[gOff + i];
                if (wd != 0) d += wd * p[pOff + i];
                float acc = sum[i] + d * d;
                sum[i] = acc;
                p[pOff + i] += negClr * (d / ((float) Math.sqrt(acc) + eps));
            }
        });
        return new State(t, sum);
    }

    @Override protected Map<String, Object> encodeState(State s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", s.step());
        m.put("sum", s.sum());
        return m;
    }

    @Override protected State decodeState(Map<String, Object> e, int numel, Options o) {
        return new State(count(e, "step"), buffer(e, "sum"));
    }
}
