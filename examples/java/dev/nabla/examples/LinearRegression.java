package dev.nabla.examples;

import dev.nabla.autograd.NoGrad;
import dev.nabla.io.Npy;
import dev.nabla.nn.init.Init;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.loss.MSELoss;
import dev.nabla.optim.GD;
import dev.nabla.optim.SGD;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The linear-regression seed program, written as a custom training loop: X 1000×10 ~ U[0,1),
 * w_true 10×1 ~ U[0,1), y = X·w_true + 10; a {@code Linear(10, 1)} with W ~ N(0,1) and b = 0, trained by
 * full-batch gradient descent on the mean squared error at lr 0.01 for 1000 epochs. The loop is the one
 * {@code Trainer.fit} runs, spelled out: zero the gradients, forward, loss, backward, step.
 *
 * <p>{@code examples/linreg.yaml} is the same run as a config; it reads the data from the two .npy files
 * {@code --write-data DIR} writes, and ends with the same weights and loss.
 *
 * <pre>examples/run.sh LinearRegression [--epochs N] [--lr X] [--seed N] [--write-data DIR]</pre>
 */
public final class LinearRegression {
    private LinearRegression() {}

    /** The data: features x [1000, 10], targets y [1000, 1], and the true weights. */
    public record Data(Tensor x, Tensor y, Tensor wTrue) {}

    /** The loss before each step, b after each step, and the fitted model's figures. */
    public record Result(float[] losses, float[] biases, float finalMse, float bias, float weightError) {}

    public static Data data(long seed) {
        Generator gen = new Generator(seed);
        Tensor x = Tensor.rand(gen, 1000, 10);
        Tensor wTrue = Tensor.rand(gen, 10, 1);
        return new Data(x, x.matmul(wTrue).add(10f), wTrue);
    }

    /** The model, initialised as the config's {@code weight_init: normal}, {@code bias_init: zeros} do. */
    public static Linear model(long seed) {
        Generator gen = new Generator(seed);
        Linear model = new Linear(10, 1, gen);
        Init.normal_(model.weight(), 0, 1, gen);
        Init.zeros_(model.bias());
        return model;
    }

    public static Result fit(Data d, Linear model, int epochs, float lr) {
        SGD optimizer = GD.of(model.parameters(), lr);
        MSELoss mse = new MSELoss();
        float[] losses = new float[epochs], biases = new float[epochs];
        for (int epoch = 0; epoch < epochs; epoch++) {
            optimizer.zeroGrad();
            Tensor loss = mse.forward(model.forward(d.x()), d.y());
            loss.backward();
            optimizer.step();
            losses[epoch] = loss.item();
            biases[epoch] = model.bias().item();
        }
        float finalMse;
        try (var _ = NoGrad.enter()) {
            finalMse = mse.forward(model.forward(d.x()), d.y()).item();
        }
        float weightError = (float) Math.sqrt(model.weight().detach().reshape(10, 1).sub(d.wTrue()).pow(2f).sum().item());
        return new Result(losses, biases, finalMse, model.bias().item(), weightError);
    }

    /** Writes {@code linreg-x.npy} and {@code linreg-y.npy}, the data of {@code examples/linreg.yaml}. */
    public static void writeData(Path dir, long seed) throws IOException {
        Data d = data(seed);
        Files.createDirectories(dir);
        Npy.write(dir.resolve("linreg-x.npy"), d.x());
        Npy.write(dir.resolve("linreg-y.npy"), d.y());
    }

    public static void main(String[] args) throws IOException {
        int epochs = 1000;
        float lr = 0.01f;
        long seed = 0;
        Path writeData = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--epochs" -> epochs = Integer.parseInt(args[i + 1]);
                case "--lr" -> lr = Float.parseFloat(args[i + 1]);
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                case "--write-data" -> writeData = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'; options: --epochs N --lr X --seed N --write-data DIR");
            }
        }
        if (args.length % 2 != 0) throw new IllegalArgumentException(args[args.length - 1] + " needs a value");
        if (writeData != null) {
            writeData(writeData, seed);
            System.out.println("wrote " + writeData.resolve("linreg-x.npy") + " and " + writeData.resolve("linreg-y.npy"));
            return;
        }
        Result r = fit(data(seed), model(seed), epochs, lr);
        for (int e = 0; e < epochs; e++)
            if (e == 0 || (e + 1) % Math.max(1, epochs / 10) == 0)
                System.out.printf(Locale.ROOT, "epoch %5d  mse %.6f  b %.4f%n", e + 1, r.losses()[e], r.biases()[e]);
        System.out.printf(Locale.ROOT, "final mse %.6f, b = %.4f (true 10), |w - w_true| = %.4f%n", r.finalMse(), r.bias(), r.weightError());
    }
}
