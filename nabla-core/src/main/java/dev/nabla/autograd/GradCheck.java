package dev.nabla.autograd;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.util.function.Function;

/**
 * Finite-difference check of a function's gradients, like {@code torch.autograd.gradcheck}.
 *
 * <p>The function's output is reduced to a scalar {@code L = Σ out·w} with fixed random weights
 * {@code w}, so every output element matters. The analytic gradient of L comes from backward; the
 * numeric one from central differences {@code (L(x+h) - L(x-h)) / 2h} per input element, with L summed in
 * double precision. An element passes when {@code |analytic - numeric| <= atol + rtol·|numeric|}.
 * Inputs may be non-contiguous views; perturbations are written through their strides.
 */
public final class GradCheck {
    private GradCheck() {}

    /**
     * @param eps  step, relative to max(1, |x|)
     * @param atol absolute floor of the tolerance
     * @param rtol relative tolerance
     */
    public record Options(double eps, double atol, double rtol) {
        public Options {
            if (!(eps > 0) || atol < 0 || rtol < 0)
                throw new IllegalArgumentException("GradCheck.Options: eps must be > 0 and tolerances >= 0");
        }

        /** Defaults suited to float32 ops of moderate curvature. */
        public static Options defaults() {
            return new Options(1e-3, 2e-3, 2e-2);
        }
    }

    /** Checks with {@link Options#defaults()}; throws AssertionError describing the worst element. */
    public static void check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        check(Options.defaults(), f, inputs);
    }

    /** Checks the gradient of {@code f} with respect to every input that requires grad. */
    public static void check(Options opt, Function<Tensor[], Tensor> f, Tensor... inputs) {
        for (Tensor in : inputs) in.setGrad(null);
        Tensor out = f.apply(inputs);
        if (out.dtype() != DType.FLOAT32) throw new IllegalArgumentException("GradCheck: output must be float32");
        float[] w = Tensor.randn(new Generator(1234), out.shape()).toFloatArray();
        Tensor loss = out.mul(Tensor.of(w.clone(), out.shape())).sum();
        if (!loss.requiresGrad())
            throw new AssertionError("GradCheck: the output does not depend on any input that requires grad");
        loss.backward();
        for (int t = 0; t < inputs.length; t++) {
            Tensor x = inputs[t];
            if (!x.requiresGrad()) continue;
            float[] analytic = x.grad() == null ? new float[x.numel()] : x.grad().toFloatArray();
            float[] data = x.data();
            int[] shape = x.shape(), strides = x.strides();
            int[] idx = new int[shape.length];
            for (int e = 0; e < x.numel(); e++) {
                int p = x.offset();
                for (int k = 0; k < shape.length; k++) p += idx[k] * strides[k];
                float orig = data[p];
                float h = (float) (opt.eps() * Math.max(1.0, Math.abs(orig)));
                data[p] = orig + h;
                double plus = weighted(f, inputs, w);
                data[p] = orig - h;
                double minus = weighted(f, inputs, w);
                data[p] = orig;
                double step = (double) (orig + h) - (double) (orig - h); // the step float32 really took
                double numeric = (plus - minus) / step;
                double diff = Math.abs(analytic[e] - numeric);
                if (diff > opt.atol() + opt.rtol() * Math.abs(numeric))
                    throw new AssertionError(String.format(java.util.Locale.ROOT,
                            "GradCheck: input %d (shape %s) element %s: analytic %.6g vs numeric %.6g (diff %.3g)",
                            t, Shape.str(shape), Shape.str(idx), analytic[e], numeric, diff));
                for (int k = shape.length - 1; k >= 0; k--) {
                    if (++idx[k] < shape[k]) break;
                    idx[k] = 0;
                }
            }
        }
    }

    private static double weighted(Function<Tensor[], Tensor> f, Tensor[] inputs, float[] w) {
        try (var ignored = NoGrad.enter()) {
            float[] out = f.apply(inputs).toFloatArray();
            double s = 0;
            for (int i = 0; i < out.length; i++) s += (double) out[i] * w[i];
            return s;
        }
    }
}
