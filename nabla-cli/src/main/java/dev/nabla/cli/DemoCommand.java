package dev.nabla.cli;

import dev.nabla.cli.bench.LinearRegression;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** {@code nabla demo}: fits the linear-regression seed program with the engine alone. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Fit y = X·w + 10 (1000×10) by full-batch gradient descent and print the loss.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "1000", description = "Gradient steps (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", defaultValue = "0.01", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    float lr;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
        if (!(lr > 0)) throw new IllegalArgumentException("--lr must be positive, got " + lr);
        PrintStream out = System.out;
        LinearRegression.Result r = LinearRegression.fit(epochs, lr, seed, (epoch, loss) -> {
            if (epoch == 1 || epoch % Math.max(1, epochs / 10) == 0 || epoch == epochs)
                out.printf("epoch %5d  mse %.6f%n", epoch, loss);
        });
        out.printf("initial mse %.6f, final mse %.6f, b = %.4f (true 10), |w - w_true| = %.4f, %.0f epochs/s%n",
                r.initialMse(), r.finalMse(), r.bias(), r.weightError(), r.epochsPerSecond());
        return 0;
    }
}
