package dev.nabla.cli;

import dev.nabla.cli.config.RunConfig;
import dev.nabla.data.DataLoader;
import dev.nabla.data.Dataset;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.tensor.Generator;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** What the commands share: the model built from a config, data loaders, the weights file, printing figures. */
final class Session {
    private Session() {}

    static Sequential model(RunConfig cfg) {
        return cfg.buildModel(new Generator(cfg.seed));
    }

    static DataLoader trainLoader(RunConfig cfg, Dataset d) {
        return new DataLoader(d, cfg.batchSize, cfg.shuffle, cfg.dropLast, cfg.seed, true);
    }

    /** Validation and test data: file order, every example. */
    static DataLoader evalLoader(RunConfig cfg, Dataset d) {
        return d == null ? null : new DataLoader(d, cfg.batchSize, false, false, cfg.seed, false);
    }

    /** {@code --weights}, or the run's final {@code model.safetensors}. */
    static Path weights(RunConfig cfg, Path option) {
        Path p = option != null ? option : cfg.outputDir.resolve("model.safetensors");
        if (!p.toFile().isFile())
            throw new IllegalArgumentException("no weights at " + p + (option == null ? "; train first (nabla train " + cfg.file
                    + ") or pass --weights FILE" : ""));
        return p;
    }

    /** {@code loss 0.3412  accuracy 0.8800}. */
    static String figures(Map<String, Double> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(b.isEmpty() ? "" : "  ").append(String.format(Locale.ROOT, "%s %.4f", k, v)));
        return b.toString();
    }
}
