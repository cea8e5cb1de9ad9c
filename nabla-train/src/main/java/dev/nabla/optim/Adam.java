package dev.nabla.optim;

import dev.nabla.kernel.Parallel;
import dev.nabla.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adam with PyTorch 1.13's update rule ({@code torch.optim.Adam}; weight decay is L2, added to the gradient),
 * per element at step t (from 1):
 * <pre>
 * d = maximize ? -g : g;   if weight_decay != 0: d += weight_decay * p
 * exp_avg    = beta1 * exp_avg    + (1 - beta1) * d
 * exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * d * d
 * v = amsgrad ? (max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq)) : exp_avg_sq
 * p -= lr / (1 - beta1^t) * exp_avg / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * State: {@code step}, {@code exp_avg}, {@code exp_avg_sq}, {@code max_exp_avg_sq} (amsgrad). See {@link AdamW}
 * for decoupled weight decay.
 */
public final class Adam extends Optimizer<Adam.Options, Adam.State> {
    /** Adam's hyper-parameters ({@code lr, betas, eps, weight_decay, amsgrad, maximize}). */
    public record Options(double lr, double beta1, double beta2, double eps, double weightDecay,
                          boolean amsgrad, boolean maximize) implements OptimizerOptions {
        public Options {
            checkAdam("Adam", lr, beta1, beta2, eps, weightDecay);
        }

        /** PyTorch's defaults with learning rate {@code lr} (betas (0.9, 0.999), eps 1e-8, no weight decay). */
        public Options(double lr) { this(lr, 0.9, 0.999, 1e-8, 0, false, false); }

        /** PyTorch's defaults ({@code lr = 1e-3}). */
        public static Options defaults() { return new Options(1e-3); }

        @Override public Options withLr(double lr) { return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize); }

        public Options withBetas(double b1, double b2) { return new Options(lr, b1, b2, eps, weightDecay, amsgrad, maximize); }

        public Options withWeightDecay(double wd) { return new Options(lr, beta1, beta2, eps, wd, amsgrad, maximize); }

        public Options withAmsgrad(boolean on) { return new Options(lr, beta1, beta2, eps, weightDecay, on, maximize); }

        @Override public Map<String, Object> toMap() { return adamMap(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize); }

        public static Options fromMap(Map<String, ?> map, Options base) {
            Hyper h = new Hyper("Adam", map, KEYS);
            double[] betas = h.pair("betas", base.beta1, base.beta2);
            return new Options(h.num("lr", base.lr), betas[0], betas[1], h.num("eps", base.eps),
                    h.num("weight_decay", base.weightDecay), h.flag("amsgrad", base.amsgrad), h.flag("maximize", base.maximize));
        }
    }

    static final Set<String> KEYS = Set.of("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize");

    static void checkAdam(String name, double lr, double beta1, double beta2, double eps, double weightDecay) {
        if (!(lr >= 0)) throw new IllegalArgumentException(name + ": Invalid learning rate: " + lr);
        if (!(eps >= 0)) throw new IllegalArgumentException(name + ": Invalid epsilon value: " + eps);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException(name + ": Invalid beta parameter at index 0: " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException(name + ": Invalid beta parameter at index 1: " + beta2);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException(name + ": Invalid weight_decay value: " + weightDecay);
    }

    static Map<String, Object> adamMap(double lr, double beta1, double beta2, double eps, double wd, boolean amsgrad, boolean maximize) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lr", lr);
        m.put("betas", List.of(beta1, beta2));
        m.put("eps", eps);
        m.put("weight_decay", wd);
        m.put("amsgrad", amsgrad);
        m.put("maximize", maximize);
        return m;
    }

    /** Per-parameter state of Adam and AdamW; {@code maxExpAvgSq} is null without amsgrad. */
    public record State(long step, float[] expAvg, float[] expAvgSq, float[] maxExpAvgSq) {
        static State init(int n, boolean amsgrad) {
            return new State(0, new float[n], new float[n], amsgrad ? new float[n] : null);
        }

        Map<String, Object> encode() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", step);
            m.put("exp_avg", expAvg);
            m.put("exp_avg_sq", expAvgSq);
            if (maxExpAvgSq != null) m.put("max_exp_avg_sq", maxExpAvgSq);
            return m;
        }

        static State decode(Map<String, Object> e, boolean amsgrad) {
            return new State(count(e, "step"), buffer(e, "exp_avg"), buffer(e, "exp_avg_sq"),
                    amsgrad ? buffer(e, "max_exp_avg_sq") : null);
        }
    }

    public Adam(Iterable<Tensor> params, Options options) { super("Adam", params, options); }

    public Adam(Iterable<Tensor> params, double lr) { this(params, new Options(lr)); }

    @Override public Options parseOptions(Map<String, ?> map, Options base) { return Options.fromMap(map, base); }

    @Override protected State initState(Tensor param, Options o) { return State.init(param.numel(), o.amsgrad()); }

    @Override
    protected State update(float[] p, int pOff, float[] g, int gOff, int n, State s, Options o) {
        return step(p, pOff, g, gOff, n, s, o);
    }

    /** One Adam step of {@code n} elements; returns the next state. */
    public static State step(float[] p, int pOff, float[] g, int gOff, int n, State s, Options o) {
        return kernel(p, pOff, g, gOff, n, s, o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay(), false,
                o.amsgrad(), o.maximize());
    }

    /** The Adam/AdamW kernel: L2 weight decay added to the gradient, or decoupled ({@code p *= 1 - lr*wd} first). */
    static State kernel(float[] p, int pOff, float[] g, int gOff, int n, State s, double lr, double beta1, double beta2,
                        double eps, double weightDecay, boolean decoupled, boolean amsgrad, boolean maximize) {
        long t = s.step() + 1;
        double bc1 = 1 - Math.pow(beta1, t), bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        float negStep = (float) -(lr / bc1), bc2SqrtF = (float) bc2Sqrt, epsF = (float) eps;
        float b1 = (float) beta1, b2 = (float) beta2, ob1 = (float) (1 - beta1), ob2 = (float) (1 - beta2);
        float l2 = decoupled ? 0f : (float) weightDecay;
        float shrink = decoupled ? (float) (1 - lr * weightDecay) : 1f;
        float[] m = s.expAvg(), v = s.expAvgSq();
        float[] vmax = amsgrad && s.maxExpAvgSq() == null ? new float[n] : s.maxExpAvgSq();
        Parallel.forRange(n, SGD.GRAIN, (a, b) -> {
            int i = a;
            if (VECTOR) i = vectorRange(p, pOff, g, gOff, m, v, vmax, a, b, negStep, bc2SqrtF, epsF, b1, b2, ob1, ob2,
                    l2, shrink, amsgrad, maximize);
            for (; i < b; i++) {
                float d = maximize ? -g[gOff + i] : g[gOff + i];
                float w = p[pOff + i];
                if (shrink != 1f) w *= shrink;
                if (l2 != 0) d += l2 * w;
                float mi = m[i] * b1 + ob1 * d;
                float vi = v[i] * b2 + ob2 * d * d;
                m[i] = mi;
                v[i] = vi;
                if (amsgrad) {
                    vi = Math.max(vmax[i], vi);
                    vmax[i] = vi;
                }
                float denom = (float) Math.sqrt(vi) / bc2SqrtF + epsF;
                p[pOff + i] = w + negStep * (mi / denom);
            }
        });
        return new State(t, m, v, vmax);
    }

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final boolean VECTOR = S.length() >= 4;

    /**
     * The scalar loop's arithmetic on whole vectors, operation for operation (lane-wise IEEE sqrt, div, mul and
     * add round exactly as the scalar float ops do; no fused multiply-add), so both give identical bits. Returns
     * where the scalar tail starts. The scalar loop alone was 25% of an MLP training step: its divisions and
     * square root ran one element at a time.
     */
    private static int vectorRange(float[] p, int pOff, float[] g, int gOff, float[] m, float[] v, float[] vmax,
                                   int from, int to, float negStep, float bc2Sqrt, float eps, float b1, float b2,
                                   float ob1, float ob2, float l2, float shrink, boolean amsgrad, boolean maximize) {
        int step = S.length(), i = from;
        for (; i <= to - step; i += step) {
            FloatVector d = FloatVector.fromArray(S, g, gOff + i);
            if (maximize) d = d.neg();
            FloatVector w = FloatVector.fromArray(S, p, pOff + i);
            if (shrink != 1f) w = w.mul(shrink);
            if (l2 != 0) d = d.add(w.mul(l2));
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(b1).add(d.mul(ob1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(b2).add(d.mul(ob2).mul(d));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            if (amsgrad) {
                vi = FloatVector.fromArray(S, vmax, i).max(vi);
                vi.intoArray(vmax, i);
            }
            FloatVector denom = vi.sqrt().div(bc2Sqrt).add(eps);
            w.add(mi.div(denom).mul(negStep)).intoArray(p, pOff + i);
        }
        return i;
    }

    @Override protected Map<String, Object> encodeState(State s) { return s.encode(); }

    @Override protected State decodeState(Map<String, Object> e, int numel, Options o) { return State.decode(e, o.amsgrad()); }
}
