package dev.nabla.cli;

import dev.nabla.cli.config.RunConfig;
import dev.nabla.data.DataLoader;
import dev.nabla.data.Dataset;
import dev.nabla.nn.Module;
import dev.nabla.tensor.Generator;
import dev.nabla.text.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What the commands share: the model built from a config, data loaders, the weights file, printing figures. */
final class Session {
    private Session() {}

    static Module model(RunConfig cfg) {
        return cfg.buildModule(new Generator(cfg.seed));
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

    /** Where a training run on text saves its tokenizer: {@code output.dir/tokenizer}. */
    static Path tokenizerDir(RunConfig cfg) {
        return cfg.outputDir.resolve("tokenizer");
    }

    /**
     * For text data: makes the config use the tokenizer saved in {@code dir} (default: the run's), so that ids mean what
     * they meant in training; {@code required} makes its absence an error, else the config builds one. Returns it.
     */
    static Tokenizer savedTokenizer(RunConfig cfg, Path dir, boolean required) throws IOException {
        Path d = dir != null ? dir : tokenizerDir(cfg);
        if (!Files.isDirectory(d)) {
            if (required || dir != null)
                throw new IllegalArgumentException("no tokenizer at " + d + (dir == null ? "; train on text data first (nabla train "
                        + cfg.file + ") or pass --tokenizer DIR" : ""));
            return cfg.tokenizer();
        }
        Tokenizer t = Tokenizer.load(d);
        cfg.useTokenizer(t);
        return t;
    }

    /** The evaluation figures with, for a language model, the perplexity exp(loss) right after the loss. */
    static Map<String, Double> withPerplexity(RunConfig cfg, Map<String, Double> figures) {
        if (!cfg.isLanguageModel() || !figures.containsKey("loss")) return figures;
        Map<String, Double> out = new LinkedHashMap<>();
        figures.forEach((k, v) -> {
            out.put(k, v);
            if (k.equals("loss")) out.put("perplexity", Math.exp(v));
        });
        return out;
    }

    /** {@code loss 0.3412  accuracy 0.8800}. */
    static String figures(Map<String, Double> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(b.isEmpty() ? "" : "  ").append(String.format(Locale.ROOT, "%s %.4f", k, v)));
        return b.toString();
    }
}
