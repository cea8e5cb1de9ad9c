package dev.nabla.cli.bench;

import dev.nabla.data.DataLoader;
import dev.nabla.data.DataSources;
import dev.nabla.data.TensorDataset;
import dev.nabla.metrics.Accuracy;
import dev.nabla.nn.Module;
import dev.nabla.nn.layers.Conv2d;
import dev.nabla.nn.layers.Flatten;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.layers.MaxPool2d;
import dev.nabla.nn.layers.ReLU;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.nn.loss.CrossEntropyLoss;
import dev.nabla.optim.Adam;
import dev.nabla.tensor.Generator;
import dev.nabla.train.Callback;
import dev.nabla.train.TrainContext;
import dev.nabla.train.Trainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The `mlp` and `cnn` reference workloads: Fashion-MNIST scaled to [0, 1], Adam lr 1e-3, cross-entropy,
 * batch 64 reshuffled every epoch (last batch partial). Throughput is each epoch's training-loop time
 * (batch gathering, forward, backward, step); the test set is evaluated after each epoch, untimed.
 */
final class Classifier {
    private Classifier() {}

    static Module mlp(Generator g) {
        return new Sequential(new Flatten(), new Linear(784, 64, g), new ReLU(), new Linear(64, 64, g), new ReLU(), new Linear(64, 10, g));
    }

    static Module cnn(Generator g) {
        return new Sequential(
                new Conv2d(1, 32, 3, 1, 1, g), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, 3, 1, 1, g), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(3136, 128, g), new ReLU(), new Linear(128, 10, g));
    }

    static Map<String, Object> run(String name, Module model, int epochs, BenchOptions o) {
        TensorDataset train, test;
        try {
            String dir = System.getenv("FASHION_MNIST_DIR");
            Path folder = dir == null || dir.isBlank() ? null : Path.of(dir);
            train = DataSources.named("fashion-mnist", "train", folder);
            test = DataSources.named("fashion-mnist", "test", folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        if (o.limit() != null) {
            train = limit(train, o.limit());
            test = limit(test, o.limit());
        }
        Adam opt = new Adam(model.parameters(), 1e-3);
        // Two views of one model: the trainer computes no metrics during fit (PyTorch's loop computes none
        // either); the evaluator adds accuracy for the untimed test pass.
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), opt, o.seed());
        Trainer evaluator = new Trainer(model, new CrossEntropyLoss(), opt, o.seed()).withMetrics(Accuracy::new);
        DataLoader trainLoader = new DataLoader(train, 64, true, false, o.seed(), true);
        DataLoader testLoader = new DataLoader(test, 1000, false, false, 0, false);
        List<Map<String, Object>> perEpoch = new ArrayList<>();
        Callback record = new Callback() {
            @Override
            public void onEpochEnd(TrainContext ctx, int epoch, Map<String, Double> logs) {
                Map<String, Double> t = evaluator.evaluate(testLoader);
                Map<String, Object> rec = new LinkedHashMap<>();
                rec.put("epoch", epoch);
                rec.put("samples_per_s", logs.get("samples_per_s"));
                rec.put("train_loss", logs.get("loss"));
                rec.put("test_acc", t.get("accuracy"));
                rec.put("test_loss", t.get("loss"));
                perEpoch.add(rec);
                System.err.printf("%s epoch %d: %.0f samples/s train_loss %.4f test_acc %.4f%n", name, epoch,
                        logs.get("samples_per_s"), logs.get("loss"), t.get("accuracy"));
            }
        };
        long t0 = System.nanoTime();
        trainer.fit(trainLoader, null, epochs, List.of(record));
        double wall = (System.nanoTime() - t0) / 1e9;
        double[] sps = perEpoch.stream().skip(perEpoch.size() > 1 ? 1 : 0).mapToDouble(r -> (Double) r.get("samples_per_s")).toArray();
        Map<String, Object> last = perEpoch.getLast();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("epochs", epochs);
        r.put("batch", 64);
        r.put("lr", 1e-3);
        r.put("optimizer", "Adam");
        r.put("params", model.numParameters());
        r.put("train_samples", train.size());
        r.put("test_samples", test.size());
        r.put("samples_per_s", Workloads.median(sps));
        r.put("samples_per_s_basis", perEpoch.size() > 1 ? "median of per-epoch train throughput, epochs 2..N" : "epoch 1 only");
        r.put("test_acc", last.get("test_acc"));
        r.put("test_loss", last.get("test_loss"));
        r.put("train_loss_last_epoch", last.get("train_loss"));
        r.put("per_epoch", perEpoch);
        r.put("wall_s_train_and_eval", wall);
        return r;
    }

    private static TensorDataset limit(TensorDataset d, int n) {
        int k = Math.min(n, d.size());
        return new TensorDataset(d.x().narrow(0, 0, k), d.y().narrow(0, 0, k));
    }
}
