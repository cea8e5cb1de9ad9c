package dev.nabla.optim;

import dev.nabla.kernel.Parallel;
import dev.nabla.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * RMSprop with PyTorch 1.13's update rule ({@code torch.optim.RMSprop}; eps is added outside the square root):
 * <pre>
 * d = maximize ? -g : g;   if weight_decay != 0: d += weight_decay * p
 * square_avg = alpha * square_avg + (1 - alpha) * d * d
 * if centered: grad_avg = alpha * grad_avg + (1 - alpha) * d;  avg = sqrt(square_avg - grad_avg^2) + eps
 * else:        avg = sqrt(square_avg) + eps
 * if momentum > 0: buf = momentum * buf + d / avg;  p -= lr * buf
 * else:            p -= lr * d / avg
 * </pre>
 * State: {@code step}, {@code square_avg}, {@code momentum_buffer} (momentum &gt; 0), {@code grad_avg} (centered).
 */
public final class RMSprop extends Optimizer<RMSprop.Options, RMSprop.State> {
    /** RMSprop's hyper-parameters ({@code lr, alpha, eps, weight_decay, momentum, centered, maximize}). */
    public record Options(double lr, double alpha, double eps, double weightDecay, double momentum,
                          boolean centered, boolean maximize) implements OptimizerOptions {
        public Options {
            if (!(lr >= 0)) throw new IllegalArgumentException("RMSprop: Invalid learning rate: " + lr);
            if (!(eps >= 0)) throw new IllegalArgumentException("RMSprop: Invalid epsilon value: " + eps);
            if (!(momentum >= 0)) throw new IllegalArgumentException("RMSprop: Invalid momentum value: " + momentum);
            if (!(weightDecay >= 0)) throw new IllegalArgumentException("RMSprop: Invalid weight_decay value: " + weightDecay);
            if (!(alpha >= 0)) throw new IllegalArgumentException("RMSprop: Invalid alpha value: " + alpha);
        }

        /** PyTorch's defaults with learning rate {@code lr} (alpha 0.99, eps 1e-8, no decay, momentum or centering). */
        public Options(double lr) { this(lr, 0.99, 1e-8, 0, 0, false, false); }

        @Override public Options withLr(double lr) { return new Options(lr, alpha, eps, weightDecay, momentum, centered, maximize); }

        @Override public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lr", lr);
            m.put("alpha", alpha);
            m.put("eps", eps);
            m.put("weight_decay", weightDecay);
            m.put("momentum", momentum);
            m.put("centered", centered);
            m.put("maximize", maximize);
            return m;
        }

        public static Options fromMap(Map<String, ?> map, Options base) {
            Hyper h = new Hyper("RMSprop", map, Set.of("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize"));
            return new Options(h.num("lr", base.lr), h.num("alpha", base.alpha), h.num("eps", base.eps),
                    h.num("weight_decay", base.weightDecay), h.num("momentum", base.momentum),
                    h.flag("centered", base.centered), h.flag("maximize", base.maximize));
        }
    }

    /** Per-parameter state; {@code momentumBuffer} and {@code gradAvg} are null when not used. */
    public record State(long step, float[] squareAvg, float[] momentumBuffer, float[] gradAvg) {}

    public RMSprop(Iterable<Tensor> params, Options options) { super("RMSprop", params, options); }

    public RMSprop(Iterable<Tensor> params, double lr) { this(params, new Options(lr)); }

    @Override public Options parseOptions(Map<String, ?> map, Options base) { return Options.fromMap(map, base); }

    @Override protected State initState(Tensor param, Options o) {
        int n = param.numel();
        return new State(0, new float[n], o.momentum() > 0 ? new float[n] : null, o.centered() ? new float[n] : null);
    }

    @Override
    protected State update(float[] p, int pOff, float[] g, int gOff, int n, State s, Options o) {
        return step(p, pOff, g, gOff, n, s, o);
    }

    /** One RMSprop step of {@code n} elements; returns the next state. */
    public static State step(float[] p, int pOff, float[] g, int gOff, int n, State s, Options o) {
        // options may have changed since the state was made (a loaded group): add what is missing, as zeros
        float[] buf = o.momentum() > 0 && s.momentumBuffer() == null ? new float[n] : s.momentumBuffer();
        float[] gAvg = o.centered() && s.gradAvg() == null ? new float[n] : s.gradAvg();
        float[] sq = s.squareAvg();
        float alpha = (float) o.alpha(), oneMinusAlpha = (float) (1 - o.alpha()), eps = (float) o.eps();
        float wd = (float) o.weightDecay(), mom = (float) o.momentum(), negLr = (float) -o.lr();
        boolean max = o.maximize(), centered = o.centered(), useMomentum = o.momentum() > 0;
        Parallel.forRange(n, SGD.GRAIN, (a, b) -> {
            for (int i = a; i < b; i++) {
                float d = max ? -g[gOff + i] : g[gOff + i];
                if (wd != 0) d += wd * p[pOff + i];
                float v = sq[i] * alpha + oneMinusAlpha * d * d;
                sq[i] = v;
                float avg;
                if (centered) {
                    float ga = gAvg[i] * alpha + oneMinusAlpha * d;
                    gAvg[i] = ga;
                    avg = (float) Math.sqrt(v - ga * ga) + eps;
                } else {
                    avg = (float) Math.sqrt(v) + eps;
                }
                if (useMomentum) {
                    float m = buf[i] * mom + d / avg;
                    buf[i] = m;
                    p[pOff + i] += negLr * m;
                } else {
                    p[pOff + i] += negLr * (d / avg);
                }
            }
        });
        return new State(s.step() + 1, sq, buf, gAvg);
    }

    @Override protected Map<String, Object> encodeState(State s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", s.step());
        m.put("square_avg", s.squareAvg());
        if (s.momentumBuffer() != null) m.put("momentum_buffer", s.momentumBuffer());
        if (s.gradAvg() != null) m.put("grad_avg", s.gradAvg());
        return m;
    }

    @Override protected State decodeState(Map<String, Object> e, int numel, Options o) {
        return new State(count(e, "step"), buffer(e, "square_avg"),
                o.momentum() > 0 ? buffer(e, "momentum_buffer") : null, o.centered() ? buffer(e, "grad_avg") : null);
    }
}
