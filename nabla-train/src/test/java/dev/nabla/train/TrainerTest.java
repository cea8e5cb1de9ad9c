package dev.nabla.train;

import dev.nabla.data.DataLoader;
import dev.nabla.data.Dataset;
import dev.nabla.data.TensorDataset;
import dev.nabla.metrics.Accuracy;
import dev.nabla.nn.Module;
import dev.nabla.nn.layers.Dropout;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.layers.ReLU;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.nn.loss.CrossEntropyLoss;
import dev.nabla.optim.Adam;
import dev.nabla.optim.SGD;
import dev.nabla.optim.schedule.MultiStepLR;
import dev.nabla.optim.schedule.ReduceLROnPlateau;
import dev.nabla.optim.schedule.StepLR;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import dev.nabla.train.callback.EarlyStopping;
import dev.nabla.train.callback.ModelCheckpoint;
import dev.nabla.train.callback.ProgressBar;
import dev.nabla.train.callback.TerminateOnNaN;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TrainerTest {
    /** Three Gaussian blobs in 4-D: learnable to high accuracy in a few epochs. */
    static TensorDataset blobs(int n, long seed) {
        Generator g = new Generator(seed);
        float[] x = new float[n * 4];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            int c = (int) g.nextLong(3);
            y[i] = c;
            for (int j = 0; j < 4; j++) x[i * 4 + j] = (float) (g.nextGaussian() * 0.7 + (j == c ? 2 : 0));
        }
        return new TensorDataset(Tensor.of(x, n, 4), Tensor.ofLongs(y, n));
    }

    static Module mlp(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(new Linear(4, 16, g), new ReLU(), new Dropout(0.2f), new Linear(16, 3, g));
    }

    static Trainer trainer(Module model, long seed) {
        Adam opt = new Adam(model.parameters(), 0.01);
        return new Trainer(model, new CrossEntropyLoss(), opt, seed)
                .withMetrics(Accuracy::new)
                .withSchedule(new StepLR(opt, 2, 0.5));
    }

    @Test
    void fitLearnsAndReportsKerasStyleLogs() {
        Dataset[] split = blobs(600, 1).randomSplit(0.2, 0);
        Trainer t = trainer(mlp(0), 0);
        var out = new ByteArrayOutputStream();
        History h = t.fit(new DataLoader(split[0], 32, true, 0), new DataLoader(split[1], 64, false, 0), 5,
                List.of(new ProgressBar(new PrintStream(out, true), false)));
        assertEquals(5, h.size());
        Map<String, Double> last = h.epochs().getLast();
        assertTrue(last.get("val_accuracy") > 0.9, last.toString());
        assertTrue(last.get("loss") < h.epochs().getFirst().get("loss"), "training loss falls");
        assertEquals(0.01 * 0.25, last.get("lr"), 1e-12, "StepLR(2, 0.5) halves the rate after epochs 2 and 4");
        assertEquals(5.0 * 15, last.get("steps"), "15 batches of 32 per epoch");
        String log = out.toString();
        assertTrue(log.startsWith("Epoch 1/5  loss "), log);
        assertTrue(log.contains("val_accuracy"), log);
        assertEquals(5, log.lines().count(), "one plain line per epoch when not on a terminal");
        String csv = h.toCsv();
        assertTrue(csv.startsWith("epoch,loss,accuracy,val_loss,val_accuracy,lr,samples_per_s,steps\n1,"), csv);
        Tensor pred = t.predict(split[1].batch(new int[] {0, 1, 2}).x(), 2);
        assertArrayEquals(new int[] {3, 3}, pred.shape());
    }

    @Test
    void resumingFromACheckpointGivesExactlyTheUninterruptedWeights(@TempDir Path dir) throws Exception {
        TensorDataset data = blobs(200, 2);
        Map<String, Tensor> uninterrupted;
        {
            Trainer t = trainer(mlp(5), 7);
            t.fit(new DataLoader(data, 16, true, 3), null, 4, List.of(new ModelCheckpoint(dir.resolve("a"), 2)));
            uninterrupted = t.model().stateDict();
        }
        Path ckpt = dir.resolve("b");
        {
            Trainer t = trainer(mlp(5), 7);
            Callback crash = new Callback() {
                @Override public void onEpochBegin(TrainContext ctx, int epoch) {
                    if (epoch == 3) throw new IllegalStateException("simulated crash");
                }
            };
            var e = assertThrows(IllegalStateException.class,
                    () -> t.fit(new DataLoader(data, 16, true, 3), null, 4, List.of(new ModelCheckpoint(ckpt, 2), crash)));
            assertEquals("simulated crash", e.getMessage());
        }
        Trainer fresh = trainer(mlp(99), 1234); // different init and seed: everything must come from the checkpoint
        Path latest = Checkpoint.latest(ckpt).orElseThrow();
        assertEquals("epoch-0002", latest.getFileName().toString());
        TrainState state = Checkpoint.restore(latest, fresh);
        assertEquals(2, state.epochsDone());
        History h = fresh.fit(new DataLoader(data, 16, true, 3), null, 4, List.of(new ModelCheckpoint(ckpt, 2)), state);
        assertEquals(4, h.size(), "the history carries on from the checkpoint");
        Map<String, Tensor> resumed = fresh.model().stateDict();
        for (String k : uninterrupted.keySet())
            assertArrayEquals(uninterrupted.get(k).toFloatArray(), resumed.get(k).toFloatArray(), "parameter " + k);
        try (var s = Files.list(ckpt)) {
            assertEquals(List.of("epoch-0003", "epoch-0004", "latest"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "two kept, no temporary folders left");
        }
    }

    @Test
    void aRunCutShortByMaxStepsMidEpochResumesExactly(@TempDir Path dir) throws Exception {
        TensorDataset data = blobs(200, 6); // 13 batches of 16 per epoch
        Trainer straight = trainer(mlp(3), 4);
        straight.fit(new DataLoader(data, 16, true, 5), null, 3, List.of());
        Trainer cut = trainer(mlp(3), 4).withMaxSteps(20L); // all of epoch 1, 7 batches of epoch 2
        History first = cut.fit(new DataLoader(data, 16, true, 5), null, 3, List.of(new ModelCheckpoint(dir, 3)));
        assertEquals(2, first.size());
        Path latest = Checkpoint.latest(dir).orElseThrow();
        assertEquals("epoch-0002-batch-00007", latest.getFileName().toString());
        Trainer resumed = trainer(mlp(8), 9);
        TrainState state = Checkpoint.restore(latest, resumed);
        assertEquals(1, state.epochsDone());
        assertEquals(7, state.nextBatch());
        History h = resumed.fit(new DataLoader(data, 16, true, 5), null, 3, List.of(), state);
        assertEquals(List.of(1.0, 2.0, 3.0), h.epochs().stream().map(e -> e.get("epoch")).toList(), "epoch 2 logged once, whole");
        assertEquals(39.0, h.epochs().getLast().get("steps"));
        for (var e : straight.model().stateDict().entrySet())
            assertArrayEquals(e.getValue().toFloatArray(), resumed.model().stateDict().get(e.getKey()).toFloatArray(), e.getKey());
    }

    private static Trainer perStep(Module model, long seed) {
        Adam opt = new Adam(model.parameters(), 0.01);
        return new Trainer(model, new CrossEntropyLoss(), opt, seed).withSchedule(new StepLR(opt, 5, 0.5))
                .withScheduleInterval(Trainer.ScheduleInterval.STEP);
    }

    @Test
    void aScheduleSteppedPerStepCountsStepsAndResumesExactly(@TempDir Path dir) throws Exception {
        TensorDataset data = blobs(200, 6); // 13 batches of 16 per epoch
        Trainer straight = perStep(mlp(3), 4);
        History full = straight.fit(new DataLoader(data, 16, true, 5), null, 3, List.of());
        // StepLR(step_size 5, gamma 0.5) stepped after each of 13, 26 and 39 optimizer steps
        assertEquals(List.of(0.01 * 0.25, 0.01 * 0.03125, 0.01 * 0.0078125),
                full.epochs().stream().map(e -> e.get("lr")).toList());
        Trainer cut = perStep(mlp(3), 4).withMaxSteps(20L); // all of epoch 1, 7 batches of epoch 2
        cut.fit(new DataLoader(data, 16, true, 5), null, 3, List.of(new ModelCheckpoint(dir, 3)));
        Trainer resumed = perStep(mlp(8), 9);
        TrainState state = Checkpoint.restore(Checkpoint.latest(dir).orElseThrow(), resumed);
        History h = resumed.fit(new DataLoader(data, 16, true, 5), null, 3, List.of(), state);
        assertEquals(full.epochs().stream().map(e -> e.get("lr")).toList(), h.epochs().stream().map(e -> e.get("lr")).toList());
        for (var e : straight.model().stateDict().entrySet())
            assertArrayEquals(e.getValue().toFloatArray(), resumed.model().stateDict().get(e.getKey()).toFloatArray(), e.getKey());

        Module m = mlp(1);
        Adam opt = new Adam(m.parameters(), 0.01);
        Trainer plateau = new Trainer(m, new CrossEntropyLoss(), opt, 0).withSchedule(new ReduceLROnPlateau(opt,
                ReduceLROnPlateau.Options.fromMap(Map.of()))).withScheduleInterval(Trainer.ScheduleInterval.STEP);
        var e = assertThrows(IllegalArgumentException.class, () -> plateau.fit(new DataLoader(data, 16, true, 5), null, 1, List.of()));
        assertTrue(e.getMessage().contains("ReduceLROnPlateau"), e.getMessage());
    }

    @Test
    void earlyStoppingStopsAndRestoresTheBestWeights() {
        TensorDataset data = blobs(200, 3);
        Module model = mlp(1);
        // lr 0 after the first epoch: nothing improves, so training must stop after patience epochs
        SGD opt = new SGD(model.parameters(), 0.05);
        Trainer t = new Trainer(model, new CrossEntropyLoss(), opt, 0).withSchedule(new StepLR(opt, 1, 0.0));
        EarlyStopping es = new EarlyStopping("val_loss", 2, 0.0, true);
        History h = t.fit(new DataLoader(data, 20, false, 0), new DataLoader(data, 50, false, 0), 20, List.of(es));
        // lr 0 from epoch 2 on leaves val_loss exactly equal, which is no improvement: the best is epoch 1, and
        // as in Keras, patience 2 means the second epoch in a row without improvement is the last
        assertEquals(3, h.size(), "best at epoch 1, then 2 epochs without improvement");
        assertEquals(1, es.bestEpoch());
        assertEquals(2, es.waited());
        assertEquals(es.best(), t.evaluate(new DataLoader(data, 50, false, 0)).get("loss"), 1e-6,
                "the model ends with its best epoch's weights");
    }

    @Test
    void earlyStoppingCarriesOnAcrossAResume(@TempDir Path dir) throws Exception {
        TensorDataset data = blobs(200, 3);
        // lr 0 from epoch 3 on: the best is epoch 2 at the latest, and training stops two epochs later
        Map<String, Tensor> uninterrupted;
        int straightEpochs, straightBest;
        {
            Module model = mlp(1);
            SGD opt = new SGD(model.parameters(), 0.05);
            Trainer t = new Trainer(model, new CrossEntropyLoss(), opt, 0).withSchedule(new MultiStepLR(opt, new int[] {2}, 0.0));
            EarlyStopping es = new EarlyStopping("val_loss", 2, 0.0, true);
            straightEpochs = t.fit(new DataLoader(data, 20, true, 0), new DataLoader(data, 50, false, 0), 20, List.of(es)).size();
            straightBest = es.bestEpoch();
            assertEquals(straightBest + 2, straightEpochs);
            uninterrupted = model.stateDict();
        }
        {
            Module model = mlp(1);
            SGD opt = new SGD(model.parameters(), 0.05);
            Trainer t = new Trainer(model, new CrossEntropyLoss(), opt, 0).withSchedule(new MultiStepLR(opt, new int[] {2}, 0.0));
            // the first run is killed after epoch 3 (one epoch without improvement already counted)
            t.fit(new DataLoader(data, 20, true, 0), new DataLoader(data, 50, false, 0), 3,
                    List.of(new EarlyStopping("val_loss", 2, 0.0, true), new ModelCheckpoint(dir, 2)));
        }
        Module model = mlp(7);
        SGD opt = new SGD(model.parameters(), 0.05);
        Trainer resumed = new Trainer(model, new CrossEntropyLoss(), opt, 0).withSchedule(new MultiStepLR(opt, new int[] {2}, 0.0));
        TrainState state = Checkpoint.restore(Checkpoint.latest(dir).orElseThrow(), resumed);
        EarlyStopping es = new EarlyStopping("val_loss", 2, 0.0, true);
        History h = resumed.fit(new DataLoader(data, 20, true, 0), new DataLoader(data, 50, false, 0), 20, List.of(es), state);
        assertEquals(straightEpochs, h.size(), "stops at the same epoch as the uninterrupted run");
        assertEquals(straightBest, es.bestEpoch());
        for (String k : uninterrupted.keySet())
            assertArrayEquals(uninterrupted.get(k).toFloatArray(), model.stateDict().get(k).toFloatArray(), "parameter " + k);
    }

    @Test
    void nanGuardStopsWithAClearMessage(@TempDir Path dir) {
        TensorDataset data = blobs(100, 4);
        Module model = mlp(2);
        Trainer t = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 1e30), 0);
        var e = assertThrows(TrainingDivergedException.class, () -> t.fit(new DataLoader(data, 10, false, 0), null, 3,
                List.of(new TerminateOnNaN(dir), new ModelCheckpoint(dir, 1))));
        assertTrue(e.getMessage().matches("the loss became (NaN|\\+Inf) at epoch \\d, batch \\d+ .*"), e.getMessage());
    }

    @Test
    void aCorruptCheckpointIsReportedWithItsFile(@TempDir Path dir) throws Exception {
        Trainer t = trainer(mlp(0), 0);
        t.fit(new DataLoader(blobs(40, 5), 20, false, 0), null, 1, List.of(new ModelCheckpoint(dir, 1)));
        Path latest = Checkpoint.latest(dir).orElseThrow();
        Files.writeString(latest.resolve("trainer.json"), "{\"format\": \"something else\"}");
        var e = assertThrows(java.io.IOException.class, () -> Checkpoint.restore(latest, trainer(mlp(0), 0)));
        assertTrue(e.getMessage().contains("trainer.json") && e.getMessage().contains("nabla-checkpoint"), e.getMessage());
    }
}
