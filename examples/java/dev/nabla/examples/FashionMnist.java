package dev.nabla.examples;

import dev.nabla.data.DataSources;
import dev.nabla.data.Dataset;
import dev.nabla.data.TensorDataset;
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
    public static Dataset load(String split, Integer limit) throws IOException {
        TensorDataset d = DataSources.named("fashion-mnist", split, null);
        if (limit == null || limit >= d.size()) return d;
        return new TensorDataset(d.x().narrow(0, 0, limit), d.y().narrow(0, 0, limit));
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
