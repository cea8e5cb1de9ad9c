package dev.nabla.optim;

import dev.nabla.tensor.Tensor;

import java.util.Map;

/**
 * AdamW with PyTorch 1.13's update rule ({@code torch.optim.AdamW}): decoupled weight decay, the parameter
 * is first shrunk {@code p *= 1 - lr * weight_decay}, then Adam's step (see {@link Adam}) runs on the raw
 * gradient. State as Adam's. Default weight decay 0.01.
 */
public final class AdamW extends Optimizer<AdamW.Options, Adam.State> {
    /** AdamW's hyper-parameters ({@code lr, betas, eps, weight_decay, amsgrad, maximize}). */
    public record Options(double lr, double beta1, double beta2, double eps, double weightDecay,
                          boolean amsgrad, boolean maximize) implements OptimizerOptions {
        public Options {
            Adam.checkAdam("AdamW", lr, beta1, beta2, eps, weightDecay);
        }

        /** PyTorch's defaults with learning rate {@code lr} (betas (0.9, 0.999), eps 1e-8, weight_decay 0.01). */
        public Options(double lr) { this(lr, 0.9, 0.999, 1e-8, 1e-2, false, false); }

        /** PyTorch's defaults ({@code lr = 1e-3}). */
        public static Options defaults() { return new Options(1e-3); }

        @Override public Options withLr(double lr) { return new Options(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize); }

        public Options withBetas(double b1, double b2) { return new Options(lr, b1, b2, eps, weightDecay, amsgrad, maximize); }

        public Options withWeightDecay(double wd) { return new Options(lr, beta1, beta2, eps, wd, amsgrad, maximize); }

        public Options withAmsgrad(boolean on) { return new Options(lr, beta1, beta2, eps, weightDecay, on, maximize); }

        @Override public Map<String, Object> toMap() { return Adam.adamMap(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize); }

        public static Options fromMap(Map<String, ?> map, Options base) {
            Hyper h = new Hyper("AdamW", map, Adam.KEYS);
            double[] betas = h.pair("betas", base.beta1, base.beta2);
            return new Options(h.num("lr", base.lr), betas[0], betas[1], h.num("eps", base.eps),
                    h.num("weight_decay", base.weightDecay), h.flag("amsgrad", base.amsgrad), h.flag("maximize", base.maximize));
        }
    }

    public AdamW(Iterable<Tensor> params, Options options) { super("AdamW", params, options); }

    public AdamW(Iterable<Tensor> params, double lr) { this(params, new Options(lr)); }

    @Override public Options parseOptions(Map<String, ?> map, Options base) { return Options.fromMap(map, base); }

    @Override protected Adam.State initState(Tensor param, Options o) { return Adam.State.init(param.numel(), o.amsgrad()); }

    @Override
    protected Adam.State update(float[] p, int pOff, float[] g, int gOff, int n, Adam.State s, Options o) {
        return step(p, pOff, g, gOff, n, s, o);
    }

    /** One AdamW step of {@code n} elements; returns the next state. */
    public static Adam.State step(float[] p, int pOff, float[] g, int gOff, int n, Adam.State s, Options o) {
        return Adam.kernel(p, pOff, g, gOff, n, s, o.lr(), o.beta1(), o.beta2(), o.eps(), o.weightDecay(), true,
                o.amsgrad(), o.maximize());
    }

    @Override protected Map<String, Object> encodeState(Adam.State s) { return s.encode(); }

    @Override protected Adam.State decodeState(Map<String, Object> e, int numel, Options o) {
        return Adam.State.decode(e, o.amsgrad());
    }
}
