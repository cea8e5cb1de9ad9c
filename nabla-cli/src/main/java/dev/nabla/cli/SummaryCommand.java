package dev.nabla.cli;

import dev.nabla.cli.config.RunConfig;
import dev.nabla.cli.report.Summary;
import dev.nabla.nn.Module;
import dev.nabla.nn.layers.Sequential;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code nabla summary CONFIG}: the model's layers, output shapes and parameter counts. */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "Print the model's layers, output shapes (for a batch of 1) and parameter counts.")
final class SummaryCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws IOException {
        RunConfig cfg = options.load();
        Module model = Session.model(cfg);
        int[] input = cfg.inputShape();
        Sequential table = model instanceof Sequential s ? s : new Sequential(model); // a GPT is one row
        System.out.print(Summary.table(table, input, cfg.shapes(model, input)));
        return 0;
    }
}
