package dev.nabla.cli;

import dev.nabla.cli.config.RunConfig;
import dev.nabla.cli.report.Chart;
import dev.nabla.cli.report.RunReport;
import dev.nabla.data.DataLoader;
import dev.nabla.io.SafeTensors;
import dev.nabla.metrics.Metric;
import dev.nabla.nn.Module;
import dev.nabla.nn.loss.Loss;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.schedule.LRSchedule;
import dev.nabla.train.Callback;
import dev.nabla.train.Checkpoint;
import dev.nabla.train.History;
import dev.nabla.train.TrainState;
import dev.nabla.train.Trainer;
import dev.nabla.train.callback.EarlyStopping;
import dev.nabla.train.callback.ModelCheckpoint;
import dev.nabla.train.callback.ProgressBar;
import dev.nabla.train.callback.TerminateOnNaN;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@code nabla train CONFIG}: trains the model a config describes and writes into {@code output.dir} the final
 * weights ({@code model.safetensors}, PyTorch names), {@code checkpoints/}, {@code history.csv}/{@code .json},
 * {@code metrics.json} and {@code training.png}.
 *
 * <p>An output folder that already holds checkpoints is never mixed into silently: without {@code --resume}
 * (continue from its newest checkpoint) or {@code --fresh} (delete them and start over) the command refuses.
 */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train the model a config file describes.")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--resume", description = "Continue from the newest checkpoint in the output folder.")
    boolean resume;

    @Option(names = "--fresh", description = "Delete the output folder's checkpoints and start over.")
    boolean fresh;

    @Override
    public Integer call() throws IOException {
        if (resume && fresh) throw new IllegalArgumentException("--resume and --fresh exclude each other");
        PrintStream out = System.out;
        RunConfig cfg = options.load();
        if (resume && cfg.isText()) Session.savedTokenizer(cfg, null, false); // the ids the checkpoints were trained on
        Module model = Session.model(cfg);
        RunConfig.Data data = cfg.loadData();
        cfg.checkVocabulary(model);
        cfg.shapes(model, cfg.inputShape(data)); // a layer that does not fit is reported with its line before training
        Loss loss = cfg.buildLoss();
        Optimizer<?, ?> opt = cfg.buildOptimizer(model);
        DataLoader train = Session.trainLoader(cfg, data.train());
        LRSchedule schedule = cfg.buildSchedule(opt, train.batchesPerEpoch());
        List<Supplier<Metric>> metrics = cfg.metrics(data.numClasses());

        Trainer trainer = new Trainer(model, loss, opt, cfg.seed);
        @SuppressWarnings("unchecked") Supplier<? extends Metric>[] ms = metrics.toArray(new Supplier[0]);
        trainer.withMetrics(ms).withClipGradNorm(cfg.clipGradNorm).withClipGradValue(cfg.clipGradValue).withMaxSteps(cfg.maxSteps);
        if (schedule != null)
            trainer.withSchedule(schedule, data.val() == null && cfg.plateauMonitor.startsWith("val_")
                    ? cfg.plateauMonitor.substring(4) : cfg.plateauMonitor)
                    .withScheduleInterval(cfg.schedulePerStep ? Trainer.ScheduleInterval.STEP : Trainer.ScheduleInterval.EPOCH);

        Path outDir = cfg.outputDir, ckDir = outDir.resolve("checkpoints");
        TrainState state = startState(ckDir, trainer, out);
        Files.createDirectories(outDir);
        if (cfg.tokenizer() != null) cfg.tokenizer().save(Session.tokenizerDir(cfg));

        List<Callback> callbacks = new ArrayList<>();
        if (cfg.progress) callbacks.add(ProgressBar.toStdout());
        callbacks.add(new TerminateOnNaN(cfg.checkpoints ? ckDir : null));
        if (cfg.earlyStopping != null) {
            var e = cfg.earlyStopping;
            callbacks.add(new EarlyStopping(e.monitor(), e.patience(), e.minDelta(), e.restoreBestWeights()));
        }
        if (cfg.checkpoints) callbacks.add(new ModelCheckpoint(ckDir, cfg.checkpointKeep));

        out.printf("Training %s: %,d parameters, %,d training examples%s%s, %d epochs, output in %s%n", cfg.file.getFileName(),
                model.numParameters(), data.train().size(), data.val() == null ? "" : String.format(", %,d validation", data.val().size()),
                data.test() == null ? "" : String.format(", %,d test", data.test().size()), cfg.epochs, outDir);
        DataLoader val = Session.evalLoader(cfg, data.val());
        History history = trainer.fit(train, val, cfg.epochs, callbacks, state);

        Map<String, Double> test = data.test() == null ? null
                : Session.withPerplexity(cfg, trainer.evaluate(Session.evalLoader(cfg, data.test())));
        Path weights = outDir.resolve("model.safetensors"), metricsFile = outDir.resolve("metrics.json");
        SafeTensors.write(weights, model.stateDict(), Map.of("format", "pt"));
        RunReport.writeText(outDir.resolve("history.csv"), history.toCsv());
        RunReport.writeText(outDir.resolve("history.json"), history.toJson() + "\n");
        RunReport.writeJson(metricsFile, RunReport.figures(history, test));
        Path chart = outDir.resolve("training.png");
        if (cfg.chart && history.size() > 0) Chart.write(history, cfg.metricNames(), chart);

        if (test != null) out.println("test: " + Session.figures(test));
        out.println("weights: " + weights);
        out.println("metrics: " + metricsFile);
        out.println("history: " + outDir.resolve("history.csv"));
        if (cfg.chart && history.size() > 0) out.println("chart:   " + chart);
        if (cfg.checkpoints) out.println("checkpoints: " + ckDir);
        if (cfg.tokenizer() != null) out.println("tokenizer: " + Session.tokenizerDir(cfg));
        return 0;
    }

    private TrainState startState(Path ckDir, Trainer trainer, PrintStream out) throws IOException {
        Optional<Path> latest = Files.isDirectory(ckDir) ? Checkpoint.latest(ckDir) : Optional.empty();
        if (resume) {
            if (latest.isEmpty()) {
                out.println("no checkpoint in " + ckDir + "; starting from scratch");
                return TrainState.start();
            }
            TrainState s = Checkpoint.restore(latest.get(), trainer);
            out.printf("resuming from %s (epoch %d, step %d)%n", latest.get(), s.epochsDone(), s.step());
            return s;
        }
        if (latest.isPresent()) {
            if (!fresh)
                throw new IllegalArgumentException(ckDir + " holds checkpoints of an earlier run (newest: " + latest.get().getFileName()
                        + "); pass --resume to continue it, --fresh to discard them, or choose another output.dir");
            deleteTree(ckDir);
        }
        return TrainState.start();
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
