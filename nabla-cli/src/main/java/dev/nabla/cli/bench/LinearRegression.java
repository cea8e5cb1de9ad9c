package dev.nabla.cli.bench;

import dev.nabla.autograd.NoGrad;
import dev.nabla.ops.Functional;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

/**
 * The linear-regression seed program of the reference workloads: X 1000×10 ~ U[0,1), w_true 10×1 ~ U[0,1),
 * y = X·w_true + 10; the model X·W + b with W ~ N(0,1), b = 0, trained by full-batch gradient descent on
 * the mean squared error. Written as a plain loop: forward, backward, update under NoGrad, zero the grads,
 * step for step what shared/peers/pytorch_bench.py does.
 */
public final class LinearRegression {
    private LinearRegression() {}

    public record Result(float initialMse, float finalMse, float bias, float weightError, double trainSeconds, double epochsPerSecond) {}

    public interface Progress {
        void epoch(int epoch, float loss);
    }

    public static Result fit(int epochs, float lr, long seed, Progress progress) {
        Generator gen = new Generator(seed);
        Tensor x = Tensor.rand(gen, 1000, 10);
        Tensor wTrue = Tensor.rand(gen, 10, 1);
        Tensor y = x.matmul(wTrue).add(10f);
        Tensor w = Tensor.randn(gen, 10, 1).requiresGrad(true);
        Tensor b = Tensor.zeros(1).requiresGrad(true);

        // As the PyTorch script: the initial MSE from a no-grad forward before the clock starts, then per epoch
        // mse_loss(X·W + b, y) (one fused op, as F.mse_loss), backward, the update, the grads cleared.
        float initial, last = Float.NaN;
        try (var ignored = NoGrad.enter()) {
            initial = Functional.mse(x.matmul(w).add(b), y).item();
        }
        long start = System.nanoTime();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            Tensor loss = Functional.mse(x.matmul(w).add(b), y);
            loss.backward();
            try (var ignored = NoGrad.enter()) {
                w.add_(w.grad(), -lr);
                b.add_(b.grad(), -lr);
            }
            w.setGrad(null);
            b.setGrad(null);
            last = loss.item();
            progress.epoch(epoch, last);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        float finalMse;
        try (var ignored = NoGrad.enter()) {
            finalMse = Functional.mse(x.matmul(w).add(b), y).item();
        }
        float err = (float) Math.sqrt(w.sub(wTrue).pow(2f).sum().item());
        return new Result(initial, finalMse, b.item(), err, seconds, epochs / seconds);
    }
}
