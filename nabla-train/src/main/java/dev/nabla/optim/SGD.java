package dev.nabla.optim;

import dev.nabla.kernel.Parallel;
import dev.nabla.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Stochastic gradient descent with PyTorch 1.13's update rule ({@code torch.optim.SGD}), per element:
 * <pre>
 * d = maximize ? -g : g;   if weight_decay != 0: d += weight_decay * p
 * if momentum != 0:
 *     buf = first step ? d : momentum * buf + (1 - dampening) * d
 *     d = nesterov ? d + momentum * buf : buf
 * p -= lr * d
 * </pre>
 * State: {@code momentum_buffer} (only when momentum is non-zero).
 */
public final class SGD extends Optimizer<SGD.Options, SGD.State> {
    static final int GRAIN = 1 << 15;

    /**
     * SGD's hyper-parameters (PyTorch names {@code lr, momentum, dampening, weight_decay, nesterov, maximize}).
     */
    public record Options(double lr, double momentum, double dampening, double weightDecay,
                          boolean nesterov, boolean maximize) implements OptimizerOptions {
        public Options {
            if (!(lr >= 0)) throw new IllegalArgumentException("SGD: Invalid learning rate: " + lr);
            if (!(momentum >= 0)) throw new IllegalArgumentException("SGD: Invalid momentum value: " + momentum);
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("SGD: Invalid weight_decay value: " + weightDecay);
            if (Double.isNaN(dampening)) throw new IllegalArgumentException("SGD: Invalid dampening value: " + dampening);
            if (nesterov && (momentum <= 0 || dampening != 0))
                throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum and zero dampening");
        }

        /** Plain SGD with learning rate {@code lr}. */
        public Options(double lr) { this(lr, 0, 0, 0, false, false); }

        /** SGD with (heavy-ball) momentum. */
        public static Options momentum(double lr, double momentum) { return new Options(lr, momentum, 0, 0, false, false); }

        @Override public Options withLr(double lr) { return new Options(lr, momentum, dampening, weightDecay, nesterov, maximize); }

        public Options withMomentum(double m) { return new Options(lr, m, dampening, weightDecay, nesterov, maximize); }

        public Options withWeightDecay(double wd) { return new Options(lr, momentum, dampening, wd, nesterov, maximize); }

        @Override public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lr", lr);
            m.put("momentum", momentum);
            m.put("dampening", dampening);
            m.put("weight_decay", weightDecay);
            m.put("nesterov", nesterov);
            m.put("maximize", maximize);
            return m;
        }

        /** Options by PyTorch name; missing ones come from {@code base}. */
        public static Options fromMap(Map<String, ?> map, Options base) {
            Hyper h = new Hyper("SGD", map, Set.of("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"));
            return new Options(h.num("lr", base.lr), h.num("momentum", base.momentum), h.num("dampening", base.dampening),
                    h.num("weight_decay", base.weightDecay), h.flag("nesterov", base.nesterov), h.flag("maximize", base.maximize));
        }
    }

    /** Per-parameter state: the momentum buffer, null until the first step (and always without momentum). */
    public record State(float[] momentumBuffer) {}

    public SGD(Iterable<Tensor> params, Options options) { super("SGD", params, options); }

    public SGD(Iterable<Tensor> params, double lr) { this(params, new Options(lr)); }

    @Override public Options parseOptions(Map<String, ?> map, Options base) { return Options.fromMap(map, base); }

    @Override protected State initState(Tensor param, Options o) { return new State(null); }

    @Override
    protected State update(float[] p, int pOff, float[] g, int gOff, int n, State s, Options o) {
        return step(p, pOff, g, gOff, n, s, o);
    }

    /** One SGD step of {@code n} elements; returns the next state. */
    public static State step(float[] p, int pOff, float[] g, int gOff, int n, State s, Options o) {
        float lr = (float) o.lr(), wd = (float) o.weightDecay(), mom = (float) o.momentum();
        float damp = (float) (1 - o.dampening());
        boolean max = o.maximize(), nesterov = o.nesterov();
        if (o.momentum() == 0) {
            Parallel.forRange(n, GRAIN, (a, b) -> {
                for (int i = a; i < b; i++) {
                    float d = max ? -g[gOff + i] : g[gOff + i];
                    if (wd != 0) d += wd * p[pOff + i];
                    p[pOff + i] += -lr * d;
                }
            });
            return s;
        }
        boolean first = s.momentumBuffer() == null;
        float[] buf = first ? new float[n] : s.momentumBuffer();
        Parallel.forRange(n, GRAIN, (a, b) -> {
            for (int i = a; i < b; i++) {
                float d = max ? -g[gOff + i] : g[gOff + i];
                if (wd != 0) d += wd * p[pOff + i];
                float m = first ? d : buf[i] * mom + damp * d;
                buf[i] = m;
                if (nesterov) d += mom * m; else d = m;
                p[pOff + i] += -lr * d;
            }
        });
        return first ? new State(buf) : s;
    }

    @Override protected Map<String, Object> encodeState(State s) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (s.momentumBuffer() != null) m.put("momentum_buffer", s.momentumBuffer());
        return m;
    }

    @Override protected State decodeState(Map<String, Object> e, int numel, Options o) {
        return new State(e.get("momentum_buffer") instanceof float[] b ? b : null);
    }
}
