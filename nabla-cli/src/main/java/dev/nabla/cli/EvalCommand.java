package dev.nabla.cli;

import dev.nabla.cli.config.RunConfig;
import dev.nabla.data.Dataset;
import dev.nabla.metrics.Metric;
import dev.nabla.nn.Module;
import dev.nabla.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code nabla eval CONFIG}: the loss and metrics of trained weights on the config's data; for a language model also
 * the perplexity, exp(loss). Text data is read with the tokenizer the training run saved.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate trained weights (default: the run's model.safetensors) on the test and validation data.")
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--weights", paramLabel = "FILE", description = "A safetensors state dict (PyTorch Sequential naming).")
    Path weights;

    @Option(names = "--split", paramLabel = "SPLIT", description = "train, val or test (default: test and val, whichever exist).")
    String split;

    @Override
    public Integer call() throws IOException {
        RunConfig cfg = options.load();
        if (cfg.isText()) Session.savedTokenizer(cfg, null, false);
        Module model = Session.model(cfg);
        RunConfig.loadWeights(model, Session.weights(cfg, weights), null, "--weights");
        RunConfig.Data data = cfg.loadData();
        List<Supplier<Metric>> metrics = cfg.metrics(data.numClasses());
        Trainer trainer = new Trainer(model, cfg.buildLoss(), cfg.buildOptimizer(model), cfg.seed);
        @SuppressWarnings("unchecked") Supplier<? extends Metric>[] ms = metrics.toArray(new Supplier[0]);
        trainer.withMetrics(ms);
        Map<String, Dataset> sets = new java.util.LinkedHashMap<>();
        if (split == null) {
            if (data.test() != null) sets.put("test", data.test());
            if (data.val() != null) sets.put("val", data.val());
            if (sets.isEmpty()) sets.put("train", data.train());
        } else {
            Dataset d = switch (split) {
                case "train" -> data.train();
                case "val" -> data.val();
                case "test" -> data.test();
                default -> throw new IllegalArgumentException("--split must be train, val or test, got '" + split + "'");
            };
            if (d == null) throw new IllegalArgumentException("the config has no " + split + " data");
            sets.put(split, d);
        }
        for (var e : sets.entrySet())
            System.out.println(e.getKey() + ": " + Session.figures(Session.withPerplexity(cfg,
                    trainer.evaluate(Session.evalLoader(cfg, e.getValue()))))
                    + String.format("  (%,d examples)", e.getValue().size()));
        return 0;
    }
}
