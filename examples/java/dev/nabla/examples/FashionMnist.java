package dev.nabla.examples;

import dev.nabla.data.DataSources;
import dev.nabla.data.Dataset;
import dev.nabla.data.TensorDataset;
import dev.nabla.nn.Module;
import dev.nabla.nn.init.Init;
import dev.nabla.optim.Adam;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import dev.nabla.train.History;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** What the Fashion-MNIST examples share: loading a split and reporting the result. */
public final class FashionMnist {
    private FashionMnist() {}

    /** The test figures after training, and the per-epoch history. */
    public record Result(History history, Map<String, Double> test) {
        public double testAccuracy() { return test.get("accuracy"); }
    }

    /**
     * A split ("train" or "test") as float32 images [N, 1, 28, 28] in [0, 1] and int64 labels: found in
     * {@code $FASHION_MNIST_DIR}, {@code ~/.cache/nabla/datasets/fashion-mnist} or
     * {@code /usr/share/datasets/fashion-mnist} (Debian's {@code dataset-fashion-mnist}). With a {@code limit},
     * only its first {@code limit} examples.
     */
    public static TensorDataset load(String split, Integer limit) throws IOException {
        TensorDataset d = DataSources.named("fashion-mnist", split, null);
        if (limit == null || limit >= d.size()) return d;
        return new TensorDataset(d.x().narrow(0, 0, limit), d.y().narrow(0, 0, limit));
    }

    /**
     * Keras's default initialisation for a Dense or Conv2D layer: Glorot-uniform weights, zero biases. The layer
     * was built with PyTorch's default draws first, so the generator advances exactly as in the config files
     * ({@code weight_init: glorot_uniform, bias_init: zeros}) and both give the same weights.
     */
    static <M extends Module> M keras(M layer, Generator gen) {
        Init.xavierUniform_(layer.namedParameters().get("weight"), 1.0, gen);
        Tensor bias = layer.namedParameters().get("bias");
        if (bias != null) Init.zeros_(bias);
        return layer;
    }

    /** Keras's Adam: PyTorch's update rule with Keras's epsilon, 1e-7. */
    static Adam kerasAdam(Iterable<Tensor> params, double lr) {
        return new Adam(params, new Adam.Options(lr, 0.9, 0.999, 1e-7, 0, false, false));
    }

    static void print(PrintStream out, Result r) {
        out.printf(Locale.ROOT, "test: loss %.4f  accuracy %.4f%n", r.test().get("loss"), r.testAccuracy());
    }

    /** For a {@code main}: the options, or a one-line message and exit code 2. */
    static RunOptions parseOrExit(String name, String[] args, RunOptions defaults) {
        try {
            return RunOptions.parse(args, defaults);
        } catch (IllegalArgumentException e) {
            System.err.println(name + ": " + e.getMessage());
            System.exit(2);
            return null;
        }
    }
}
