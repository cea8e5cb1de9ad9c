package dev.nabla.cli;

import dev.nabla.io.Npy;
import dev.nabla.cli.config.RunConfig;
import dev.nabla.nn.Module;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import dev.nabla.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code nabla predict CONFIG --input X.npy --output Y.npy}: the model's outputs for every row of X. */
@Command(name = "predict", mixinStandardHelpOptions = true, description = "Write the model's outputs for the rows of a .npy file.")
final class PredictCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--input", required = true, paramLabel = "X.npy", description = "Inputs, one example per row of dim 0.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "Y.npy", description = "Where to write the outputs (float32).")
    Path output;

    @Option(names = "--weights", paramLabel = "FILE", description = "A safetensors state dict (default: the run's model.safetensors).")
    Path weights;

    @Option(names = "--argmax", description = "Write the index of the largest output per row (int64 class labels) instead.")
    boolean argmax;

    @Option(names = "--batch-size", paramLabel = "N", description = "Rows per forward pass (default: data.batch_size).")
    Integer batchSize;

    @Override
    public Integer call() throws IOException {
        RunConfig cfg = options.load();
        Module model = Session.model(cfg);
        RunConfig.loadWeights(model, Session.weights(cfg, weights), null, "--weights");
        Tensor x;
        try {
            x = Npy.read(input);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("--input: no such file " + input);
        }
        if (x.rank() == 0) throw new IllegalArgumentException("--input: expected one example per row, got a scalar");
        DType wanted = cfg.takesIndices() ? DType.INT64 : DType.FLOAT32;
        if (x.dtype() != wanted) x = x.to(wanted);
        int[] example = java.util.Arrays.copyOfRange(x.shape(), 1, x.rank());
        cfg.shapes(model, example); // names the layer that does not fit these inputs
        Trainer trainer = new Trainer(model, cfg.buildLoss(), cfg.buildOptimizer(model), cfg.seed);
        Tensor y = trainer.predict(x, batchSize != null ? batchSize : cfg.batchSize);
        if (argmax) y = y.argmax(y.rank() - 1, false);
        Npy.write(output, y);
        System.out.println("wrote " + output + " " + Shape.str(y.shape()) + " (" + (y.dtype() == DType.INT64 ? "int64" : "float32")
                + ") for " + x.size(0) + " inputs");
        return 0;
    }
}
