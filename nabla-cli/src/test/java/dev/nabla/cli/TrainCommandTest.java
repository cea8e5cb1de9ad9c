package dev.nabla.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.io.Npy;
import dev.nabla.cli.config.RunConfig;
import dev.nabla.io.SafeTensors;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** {@code nabla train/eval/predict/summary} end to end on three Gaussian blobs written as .npy files. */
class TrainCommandTest {
    @TempDir
    Path dir;
    Path cfg;

    static final String CONFIG = """
            model:
              layers:
                - {type: Linear, in_features: 4, out_features: 16}
                - {type: ReLU}
                - {type: Linear, in_features: 16, out_features: 3}
            data:
              train: {format: npy, x: x.npy, y: y.npy}
              val: {split_from_train: 0.2}
              test: {format: npy, x: tx.npy, y: ty.npy}
              batch_size: 8
            loss: {type: CrossEntropyLoss}
            optimizer: {type: Adam, lr: 0.01}
            schedule: {type: ExponentialLR, gamma: 0.9}
            training: {epochs: 3, seed: 1, progress: false}
            metrics: [accuracy, f1]
            output: {dir: out}
            """;

    /** {@code n} points around three centres in 4-D, labels 0..2. */
    static void blobs(Path x, Path y, int n, long seed) throws IOException {
        Random r = new Random(seed);
        float[][] centres = {{2, 0, 0, 1}, {-2, 1, 0, 0}, {0, -2, 2, 0}};
        float[] xs = new float[n * 4];
        long[] ys = new long[n];
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            ys[i] = c;
            for (int k = 0; k < 4; k++) xs[i * 4 + k] = centres[c][k] + (float) r.nextGaussian() * 0.5f;
        }
        NpyFiles.floats(x, xs, n, 4);
        NpyFiles.longs(y, ys, n);
    }

    @BeforeEach
    void data() throws IOException {
        blobs(dir.resolve("x.npy"), dir.resolve("y.npy"), 90, 1);
        blobs(dir.resolve("tx.npy"), dir.resolve("ty.npy"), 30, 2);
        cfg = dir.resolve("run.yaml");
        Files.writeString(cfg, CONFIG);
    }

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            int code = Main.run(args);
            return new Result(code, out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static Result ok(String... args) {
        Result r = run(args);
        assertEquals(0, r.code(), "stdout:\n" + r.out() + "\nstderr:\n" + r.err());
        return r;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(Path f) throws IOException {
        return new ObjectMapper().readValue(f.toFile(), Map.class);
    }

    @Test
    void trainWritesEveryOutputAndLearns() throws IOException {
        Result r = ok("train", cfg.toString());
        Path out = dir.resolve("out");
        for (String f : List.of("model.safetensors", "history.csv", "history.json", "metrics.json", "training.png",
                "checkpoints/latest", "checkpoints/epoch-0003/model.safetensors", "checkpoints/epoch-0003/trainer.json"))
            assertTrue(Files.isRegularFile(out.resolve(f)), f + " is missing; stdout:\n" + r.out());

        Map<String, Object> m = json(out.resolve("metrics.json"));
        assertEquals(Set.of("loss", "accuracy", "f1", "val_loss", "val_accuracy", "val_f1", "test_loss", "test_accuracy", "test_f1",
                "epochs", "steps", "train_samples_per_s", "lr"), m.keySet());
        assertEquals(3, m.get("epochs"));
        assertEquals(3 * 9, ((Number) m.get("steps")).intValue()); // 72 training examples in batches of 8
        assertTrue(((Number) m.get("train_samples_per_s")).doubleValue() > 0);
        assertTrue(((Number) m.get("test_accuracy")).doubleValue() > 0.9, m.toString());
        assertEquals(0.01 * 0.9 * 0.9, ((Number) m.get("lr")).doubleValue(), 1e-9); // the rate the last epoch trained with

        List<String> csv = Files.readAllLines(out.resolve("history.csv"));
        assertEquals(4, csv.size());
        assertTrue(csv.getFirst().startsWith("epoch,loss,accuracy,f1,val_loss,val_accuracy,val_f1,lr"), csv.getFirst());
        BufferedImage png = ImageIO.read(out.resolve("training.png").toFile());
        assertTrue(png.getWidth() >= 1000 && png.getHeight() >= 600, png.getWidth() + "x" + png.getHeight());

        assertTrue(r.out().contains("test: loss "), r.out());
        assertTrue(r.out().contains("weights: " + out.resolve("model.safetensors")), r.out());
        assertTrue(r.out().contains("chart:   " + out.resolve("training.png")), r.out());

        // the final weights have PyTorch's Sequential names and reproduce the test figures
        Map<String, Tensor> w = SafeTensors.read(out.resolve("model.safetensors")).tensors();
        assertEquals(Set.of("0.weight", "0.bias", "2.weight", "2.bias"), w.keySet());
        assertArrayEquals(new int[] {16, 4}, w.get("0.weight").shape());
        Result eval = ok("eval", cfg.toString());
        String testLine = eval.out().lines().filter(l -> l.startsWith("test: ")).findFirst().orElseThrow();
        assertTrue(testLine.contains(String.format(java.util.Locale.ROOT, "accuracy %.4f", ((Number) m.get("test_accuracy")).doubleValue())),
                testLine + " vs " + m);
        assertTrue(eval.out().contains("val: loss "), eval.out());
        Result train = ok("eval", cfg.toString(), "--split", "train");
        assertTrue(train.out().startsWith("train: loss "), train.out());
    }

    @Test
    void resumingAnInterruptedRunGivesTheStraightRunsWeights() throws IOException {
        ok("train", cfg.toString(), "--set", "output.dir=straight");
        ok("train", cfg.toString(), "--set", "output.dir=split", "--set", "training.epochs=1");
        Result resumed = ok("train", cfg.toString(), "--set", "output.dir=split", "--resume");
        assertTrue(resumed.out().contains("resuming from " + dir.resolve("split/checkpoints/epoch-0001") + " (epoch 1, step 9)"), resumed.out());
        Map<String, Tensor> a = SafeTensors.read(dir.resolve("straight/model.safetensors")).tensors();
        Map<String, Tensor> b = SafeTensors.read(dir.resolve("split/model.safetensors")).tensors();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
        assertEquals(Files.readString(dir.resolve("straight/history.csv")).lines().count(),
                Files.readString(dir.resolve("split/history.csv")).lines().count());
        Map<String, Object> ma = json(dir.resolve("straight/metrics.json")), mb = json(dir.resolve("split/metrics.json"));
        for (String k : List.of("loss", "val_loss", "test_loss", "test_accuracy", "epochs", "steps")) assertEquals(ma.get(k), mb.get(k), k);
    }

    @Test
    void anExistingRunIsNotMixedInSilently() throws IOException {
        ok("train", cfg.toString(), "--set", "training.epochs=1");
        Result again = run("train", cfg.toString(), "--set", "training.epochs=1");
        assertEquals(1, again.code());
        assertEquals("nabla: " + dir.resolve("out/checkpoints") + " holds checkpoints of an earlier run (newest: epoch-0001); "
                + "pass --resume to continue it, --fresh to discard them, or choose another output.dir", again.err().strip());
        Result fresh = ok("train", cfg.toString(), "--set", "training.epochs=1", "--fresh");
        assertFalse(fresh.out().contains("resuming"), fresh.out());
        Result resumeDone = ok("train", cfg.toString(), "--set", "training.epochs=1", "--resume");
        assertTrue(resumeDone.out().contains("(epoch 1, step 9)"), resumeDone.out());
        assertEquals(1, json(dir.resolve("out/metrics.json")).get("epochs"));
    }

    @Test
    void predictWritesTheModelsOutputs() throws IOException {
        ok("train", cfg.toString(), "--set", "training.epochs=1", "--set", "training.checkpoints=false");
        assertFalse(Files.exists(dir.resolve("out/checkpoints")));
        Path y = dir.resolve("pred.npy"), labels = dir.resolve("labels.npy");
        Result r = ok("predict", cfg.toString(), "--input", dir.resolve("tx.npy").toString(), "--output", y.toString());
        assertTrue(r.out().contains("[30, 3] (float32) for 30 inputs"), r.out());
        Tensor got = Npy.read(y);
        RunConfig c = RunConfig.load(cfg, List.of());
        Sequential model = c.buildModel(new Generator(123));
        model.loadStateDict(SafeTensors.read(dir.resolve("out/model.safetensors")).tensors(), true);
        Tensor want = model.forward(Npy.read(dir.resolve("tx.npy")));
        assertArrayEquals(want.toFloatArray(), got.toFloatArray(), 1e-6f);
        ok("predict", cfg.toString(), "--input", dir.resolve("tx.npy").toString(), "--output", labels.toString(), "--argmax",
                "--batch-size", "7");
        Tensor cls = Npy.read(labels);
        assertEquals(DType.INT64, cls.dtype());
        assertArrayEquals(want.argmax(1, false).toLongArray(), cls.toLongArray());

        Result missing = run("predict", cfg.toString(), "--input", "nope.npy", "--output", y.toString());
        assertEquals(1, missing.code());
        assertEquals("nabla: --input: no such file nope.npy", missing.err().strip());
        Result noWeights = run("eval", cfg.toString(), "--set", "output.dir=elsewhere");
        assertTrue(noWeights.err().startsWith("nabla: no weights at " + dir.resolve("elsewhere/model.safetensors") + "; train first"),
                noWeights.err());
    }

    @Test
    void summaryTabulatesLayersShapesAndParameters() throws IOException {
        Result r = ok("summary", cfg.toString());
        String s = r.out();
        assertTrue(s.contains("Input shape: [1, 4]"), s);
        assertTrue(s.lines().anyMatch(l -> l.matches("0\\s+Linear\\(in_features=4, out_features=16, bias=True\\)\\s+\\[1, 16]\\s+80")), s);
        assertTrue(s.lines().anyMatch(l -> l.matches("1\\s+ReLU\\(\\)\\s+\\[1, 16]\\s+0")), s);
        assertTrue(s.lines().anyMatch(l -> l.matches("2\\s+Linear\\(in_features=16, out_features=3, bias=True\\)\\s+\\[1, 3]\\s+51")), s);
        assertTrue(s.contains("Total params: 131 (524 B as float32)"), s);
        assertTrue(s.contains("Trainable params: 131"), s);
        // the input shape may come from the config instead of the data
        Files.delete(dir.resolve("x.npy"));
        Result conv = ok("summary", cfg.toString(), "--set", "model.input_shape=[1, 8, 8]", "--set",
                "model.layers=[{type: Conv2d, in_channels: 1, out_channels: 4, kernel_size: 3, padding: 1}, {type: BatchNorm2d, num_features: 4},"
                        + " {type: MaxPool2d, kernel_size: 2}, {type: Flatten}, {type: Linear, in_features: 64, out_features: 10}]");
        assertTrue(conv.out().contains("[1, 4, 4, 4]") && conv.out().contains("[1, 64]") && conv.out().contains("[1, 10]"), conv.out());
        assertTrue(conv.out().contains("Total params: 698"), conv.out()); // 40 + 8 + 650
        assertTrue(conv.out().contains("Buffers: 9 values"), conv.out()); // running mean, var, num_batches_tracked
    }

    @Test
    void errorsAreOneLineWithTheConfigLine() throws IOException {
        Result shape = run("train", cfg.toString(), "--set", "model.layers[2].in_features=15");
        assertEquals(1, shape.code());
        assertTrue(shape.err().startsWith("nabla: " + cfg + ":5:7: model.layers[2]: does not fit its input of shape [1, 16]: "), shape.err());
        assertEquals(1, shape.err().lines().count(), shape.err());
        Result typo = run("train", cfg.toString(), "--set", "training.epochz=2");
        assertTrue(typo.err().startsWith("nabla: --set training.epochz=2: training.epochz: unknown key (did you mean 'epochs'?)"), typo.err());
        Result noFile = run("train", dir.resolve("none.yaml").toString());
        assertEquals("nabla: " + dir.resolve("none.yaml") + ": no such config file", noFile.err().strip());
        Result missingData = run("train", cfg.toString(), "--set", "data.test.x=nothere.npy");
        assertTrue(missingData.err().startsWith("nabla: " + cfg + ":9:9: data.test: "), missingData.err());
        assertTrue(missingData.err().contains("nothere.npy"), missingData.err());
        assertFalse(missingData.err().contains("\tat "), missingData.err());
        Result debug = run("train", cfg.toString(), "--set", "training.epochz=2", "--debug");
        assertTrue(debug.err().contains("\tat dev.nabla.cli"), "--debug prints the stack trace: " + debug.err());
    }

    @Test
    void earlyStoppingMaxStepsAndWarmup() throws IOException {
        Result r = ok("train", cfg.toString(), "--set", "training.epochs=30", "--set",
                "training.early_stopping={monitor: val_loss, patience: 0, min_delta: 10}",
                "--set", "schedule.warmup={epochs: 2, start_factor: 0.5}");
        // min_delta 10 means nothing ever improves after the first epoch: stop at epoch 2
        Map<String, Object> m = json(dir.resolve("out/metrics.json"));
        assertEquals(2, m.get("epochs"), r.out());
        assertEquals(0.0075, ((Number) m.get("lr")).doubleValue(), 1e-12); // warm-up 0.5 → 1 over 2 epochs, at epoch 1
        ok("train", cfg.toString(), "--set", "output.dir=steps", "--set", "training.max_steps=5", "--set", "data.limit=40");
        Map<String, Object> s = json(dir.resolve("steps/metrics.json"));
        assertEquals(5, ((Number) s.get("steps")).intValue()); // 32 training examples: 4 steps in epoch 1, 1 in epoch 2
        assertEquals(2, s.get("epochs"));
        assertEquals(4, ((Number) json(dir.resolve("steps/checkpoints/epoch-0001/trainer.json")).get("step")).intValue());
    }

    @Test
    void aScheduleCanStepPerOptimizerStepWithAWarmupInSteps() throws IOException {
        // 32 training examples in batches of 8: 4 steps per epoch, 8 in two
        ok("train", cfg.toString(), "--set", "output.dir=per-step", "--set", "data.limit=40", "--set", "training.epochs=2",
                "--set", "schedule.interval=step");
        assertEquals(0.01 * Math.pow(0.9, 8), ((Number) json(dir.resolve("per-step/metrics.json")).get("lr")).doubleValue(), 1e-12);
        ok("train", cfg.toString(), "--set", "output.dir=warm", "--set", "data.limit=40", "--set", "training.epochs=2",
                "--set", "schedule.interval=step", "--set", "schedule.warmup={steps: 3, start_factor: 0.5}");
        // 3 warm-up steps, then ExponentialLR from its own start for the other 5
        assertEquals(0.01 * Math.pow(0.9, 5), ((Number) json(dir.resolve("warm/metrics.json")).get("lr")).doubleValue(), 1e-12);

        Result bad = run("train", cfg.toString(), "--set", "schedule.interval=batch");
        assertTrue(bad.err().contains("schedule.interval: expected epoch or step, got 'batch'"), bad.err());
        Result unit = run("train", cfg.toString(), "--set", "schedule.interval=step", "--set", "schedule.warmup={epochs: 2}");
        assertTrue(unit.err().contains("schedule.warmup.epochs: this schedule steps once per optimizer step"), unit.err());
        Result plateau = run("train", cfg.toString(), "--set", "schedule={type: ReduceLROnPlateau, interval: step}");
        assertTrue(plateau.err().contains("schedule.interval: ReduceLROnPlateau watches an epoch figure"), plateau.err());
        for (Result r : List.of(bad, unit, plateau)) assertEquals(1, r.code(), r.err());
    }

    @Test
    void aCosineScheduleWithoutTMaxAnnealsOverTheWholeRun() throws IOException {
        // 32 training examples in batches of 8: 4 steps per epoch. T_max is the run's length in the schedule's unit.
        ok("train", cfg.toString(), "--set", "output.dir=steps", "--set", "data.limit=40", "--set", "training.epochs=2",
                "--set", "schedule={type: CosineAnnealingLR, interval: step}");
        assertLrs("steps", cosine(4, 8), cosine(8, 8));        // T_max = 2 epochs × 4 steps
        ok("train", cfg.toString(), "--set", "output.dir=capped", "--set", "data.limit=40", "--set", "training.epochs=5",
                "--set", "training.max_steps=6", "--set", "schedule={type: CosineAnnealingLR, interval: step}");
        assertLrs("capped", cosine(4, 6), cosine(6, 6));       // max_steps ends the run first
        ok("train", cfg.toString(), "--set", "output.dir=warm", "--set", "data.limit=40", "--set", "training.epochs=2",
                "--set", "schedule={type: CosineAnnealingLR, interval: step, warmup: {steps: 3, start_factor: 0.5}}");
        assertLrs("warm", cosine(1, 5), cosine(5, 5));         // 3 warm-up steps, then T_max = 5
        ok("train", cfg.toString(), "--set", "output.dir=epochs", "--set", "training.epochs=3",
                "--set", "schedule={type: CosineAnnealingLR}");
        assertLrs("epochs", cosine(0, 3), cosine(1, 3), cosine(2, 3)); // per epoch, history has the lr each epoch ran at

        Result tooShort = run("train", cfg.toString(), "--set", "output.dir=short", "--set", "data.limit=40", "--set", "training.epochs=1",
                "--set", "schedule={type: CosineAnnealingLR, interval: step, warmup: {steps: 4}}");
        assertTrue(tooShort.err().contains("schedule.T_max: required key is missing"), tooShort.err());
        Result nested = run("train", cfg.toString(), "--set", "output.dir=nested", "--set",
                "schedule={type: SequentialLR, schedulers: [{type: ConstantLR}, {type: CosineAnnealingLR}], milestones: [2]}");
        assertTrue(nested.err().contains("schedule.schedulers[1].T_max: required key is missing"), nested.err());
        for (Result r : List.of(tooShort, nested)) assertEquals(1, r.code(), r.err());
    }

    private void assertLrs(String out, double... expected) throws IOException {
        List<Double> got = lrs(out);
        assertEquals(expected.length, got.size(), "epochs in " + out + ": " + got);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], got.get(i), 1e-12, out + " epoch " + (i + 1) + ": " + got);
    }

    /** PyTorch's CosineAnnealingLR from lr 0.01 to 0, after {@code t} of {@code tMax} steps. */
    private static double cosine(int t, int tMax) {
        return 0.01 * (1 + Math.cos(Math.PI * t / tMax)) / 2;
    }

    @SuppressWarnings("unchecked")
    private List<Double> lrs(String out) throws IOException {
        List<Map<String, Object>> h = new ObjectMapper().readValue(dir.resolve(out).resolve("history.json").toFile(), List.class);
        return h.stream().map(e -> ((Number) e.get("lr")).doubleValue()).toList();
    }
}
