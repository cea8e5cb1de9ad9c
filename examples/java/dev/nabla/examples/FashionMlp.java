package dev.nabla.examples;

import dev.nabla.data.DataLoader;
import dev.nabla.data.Dataset;
import dev.nabla.metrics.Accuracy;
import dev.nabla.nn.layers.Flatten;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.layers.ReLU;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.nn.loss.CrossEntropyLoss;
import dev.nabla.optim.Adam;
import dev.nabla.tensor.Generator;
import dev.nabla.train.History;
import dev.nabla.train.Trainer;
import dev.nabla.train.callback.ProgressBar;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The Keras MLP on Fashion-MNIST: 784 → 64 → 64 → 10 with ReLU, Adam at 1e-3, cross-entropy, batch 64,
 * 10 epochs, then accuracy on the 10,000 test images; Keras's initialisation and Adam epsilon (see
 * {@link FashionMnist#keras}). The same run as {@code examples/fashion-mlp.yaml}:
 * with the same seed both give the same weights and figures.
 *
 * <pre>examples/run.sh FashionMlp [--epochs N] [--limit N] [--seed N]</pre>
 */
public final class FashionMlp {
    private FashionMlp() {}

    public static Sequential model(Generator gen) {
        return new Sequential(
                new Flatten(),
                FashionMnist.keras(new Linear(784, 64, gen), gen), new ReLU(),
                FashionMnist.keras(new Linear(64, 64, gen), gen), new ReLU(),
                FashionMnist.keras(new Linear(64, 10, gen), gen));
    }

    public static FashionMnist.Result run(RunOptions o) throws IOException {
        Dataset train = FashionMnist.load("train", o.limit()), test = FashionMnist.load("test", o.limit());

        Sequential model = model(new Generator(o.seed()));
        Adam adam = FashionMnist.kerasAdam(model.parameters(), 1e-3);
        Trainer trainer = new Trainer(model, new CrossEntropyLoss(), adam, o.seed()).withMetrics(Accuracy::new);

        History history = trainer.fit(new DataLoader(train, 64, true, o.seed()), null, o.epochs(), o.callbacks());
        Map<String, Double> figures = trainer.evaluate(new DataLoader(test, 64, false, o.seed()));
        return new FashionMnist.Result(history, figures);
    }

    public static void main(String[] args) throws IOException {
        RunOptions o = FashionMnist.parseOrExit("FashionMlp", args, RunOptions.of(10));
        FashionMnist.print(System.out, run(o.withCallbacks(List.of(ProgressBar.toStdout()))));
    }
}
