package dev.nabla.train;

import dev.nabla.autograd.Graph;
import dev.nabla.data.DataLoader;
import dev.nabla.data.TensorDataset;
import dev.nabla.metrics.Accuracy;
import dev.nabla.nn.Module;
import dev.nabla.nn.layers.BatchNorm2d;
import dev.nabla.nn.layers.Conv2d;
import dev.nabla.nn.layers.Dropout;
import dev.nabla.nn.layers.Embedding;
import dev.nabla.nn.layers.Flatten;
import dev.nabla.nn.layers.LSTM;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.layers.MaxPool2d;
import dev.nabla.nn.layers.ReLU;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.nn.loss.CrossEntropyLoss;
import dev.nabla.nn.models.GPT;
import dev.nabla.nn.models.GPTConfig;
import dev.nabla.ops.Functional;
import dev.nabla.optim.Adam;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.Optimizer;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.StoragePool;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Recycling a step's storages must not change a single bit of training: each model here is trained twice from the
 * same seed, once with a {@link StoragePool} and once without, and the weights, gradients, buffers and logs must be
 * identical, while the pooled run did reuse arrays.
 */
class StorageRecyclingTest {
    private static Module cnn(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(new Conv2d(1, 8, 3, 1, 1, g), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Dropout(0.3f), new Linear(8 * 6 * 6, 3, g));
    }

    private static TensorDataset images(int n, long seed) {
        Generator g = new Generator(seed);
        long[] y = new long[n];
        float[] x = Tensor.randn(g, n, 1, 12, 12).toFloatArray();
        for (int i = 0; i < n; i++) {
            y[i] = g.nextLong(3);
            for (int p = 0; p < 12; p++) x[i * 144 + (int) y[i] * 48 + p] += 2f; // a class-dependent band
        }
        return new TensorDataset(Tensor.of(x, n, 1, 12, 12), Tensor.ofLongs(y, n));
    }

    @Test
    void theTrainerTrainsTheSameBitsWithAndWithoutRecycling() {
        TensorDataset data = images(96, 1);
        Module pooledModel = cnn(3), plainModel = cnn(3);
        Trainer pooled = trainer(pooledModel, true), plain = trainer(plainModel, false);
        History a = pooled.fit(new DataLoader(data, 16, true, 2), new DataLoader(data, 32, false, 0), 3, List.of());
        History b = plain.fit(new DataLoader(data, 16, true, 2), new DataLoader(data, 32, false, 0), 3, List.of());
        for (int e = 0; e < 3; e++) {
            Map<String, Double> la = new java.util.HashMap<>(a.epochs().get(e)), lb = new java.util.HashMap<>(b.epochs().get(e));
            la.remove("samples_per_s");
            lb.remove("samples_per_s");
            assertEquals(lb, la, "epoch " + (e + 1));
        }
        assertSameState(plainModel, pooledModel);
        assertTrue(pooled.storagePool().reused() > 100, "reused " + pooled.storagePool().reused() + " arrays");
        assertEquals(0, plain.storagePool().handedOut());
        // after fit the model is usable as ever: its state was kept, nothing of it is dead
        assertEquals(plain.evaluate(new DataLoader(data, 32, false, 0)), pooled.evaluate(new DataLoader(data, 32, false, 0)));
    }

    private static Trainer trainer(Module model, boolean recycle) {
        return new Trainer(model, new CrossEntropyLoss(), new Adam(model.parameters(), 0.01), 7)
                .withMetrics(Accuracy::new).withStorageRecycling(recycle);
    }

    @Test
    void aCustomLoopOverGptAndLstmTrainsTheSameBits() {
        Generator g1 = new Generator(5), g2 = new Generator(5);
        GPTConfig cfg = new GPTConfig(32, 16, 2, 2, 32, 0.1, true, false);
        GPT gptA = new GPT(cfg, g1), gptB = new GPT(cfg, g2);
        long[] tokens = Tensor.randint(new Generator(9), 0, 32, 8, 17).toLongArray();
        Tensor x = Tensor.ofLongs(tokens, 8, 17).narrow(1, 0, 16).contiguous();
        Tensor y = Tensor.ofLongs(tokens, 8, 17).narrow(1, 1, 16).contiguous();
        List<Float> la = loop(gptA, new AdamW(gptA.parameters(), new AdamW.Options(1e-2, 0.9, 0.999, 1e-8, 0.01, false, false)),
                gptA::loss, x, y, true);
        List<Float> lb = loop(gptB, new AdamW(gptB.parameters(), new AdamW.Options(1e-2, 0.9, 0.999, 1e-8, 0.01, false, false)),
                gptB::loss, x, y, false);
        assertEquals(lb, la);
        assertSameState(gptB, gptA);

        Module lstmA = lstm(), lstmB = lstm();
        BiFunction<Module, Tensor[], Tensor> lmLoss = (m, xy) ->
                Functional.crossEntropy(m.forward(xy[0]).reshape(xy[0].numel(), 32), xy[1].reshape(xy[0].numel()));
        la = loop(lstmA, new Adam(lstmA.parameters(), 1e-2), (a, b) -> lmLoss.apply(lstmA, new Tensor[] {a, b}), x, y, true);
        lb = loop(lstmB, new Adam(lstmB.parameters(), 1e-2), (a, b) -> lmLoss.apply(lstmB, new Tensor[] {a, b}), x, y, false);
        assertEquals(lb, la);
        assertSameState(lstmB, lstmA);
    }

    private static Module lstm() {
        Generator g = new Generator(11);
        return new Sequential(new Embedding(32, 16, g), new LSTM(16, 64, 1, true, true, 0f, false, g), new Linear(64, 32, g));
    }

    private static List<Float> loop(Module model, Optimizer<?, ?> opt, BiFunction<Tensor, Tensor, Tensor> loss,
                                    Tensor x, Tensor y, boolean recycle) {
        StoragePool pool = new StoragePool();
        List<Float> losses = new ArrayList<>();
        model.train();
        for (int s = 0; s < 4; s++) {
            try (StoragePool.Step step = recycle ? pool.step() : StoragePool.Step.NONE) {
                opt.zeroGrad();
                Tensor l = loss.apply(x, y);
                l.backward();
                opt.step();
                losses.add(l.item());
                model.keepIn(step);
            }
        }
        if (recycle) assertTrue(pool.reused() > 10, "reused " + pool.reused());
        return losses;
    }

    @Test
    void whatACallbackKeepsFromAStepIsDeadAfterItUnlessKept() {
        TensorDataset data = images(32, 4);
        Module model = cnn(1);
        Tensor[] seen = new Tensor[2];
        Callback keeper = new Callback() {
            @Override public void onBatchEnd(TrainContext ctx, int epoch, int batch, double loss, int size) {
                Tensor activation = Tensor.ones(16, 1, 12, 12).mul(2f); // big enough to be pooled, as a conv's output
                Tensor buffer = Tensor.of(Graph.buffer(1000), 1000);
                StoragePool.keepInCurrentStep(buffer);
                seen[0] = activation;
                seen[1] = buffer;
            }
        };
        trainer(model, true).fit(new DataLoader(data, 16, false, 0), null, 1, List.of(keeper));
        var e = assertThrows(IllegalStateException.class, () -> seen[0].toFloatArray());
        assertTrue(e.getMessage().contains("StoragePool"), e.getMessage());
        assertEquals(0f, seen[1].get(999), "kept");
    }

    @Test
    void aStepThatFailsStillKeepsTheModelsState() {
        TensorDataset data = images(32, 5);
        Module model = cnn(2);
        Trainer t = new Trainer(model, new CrossEntropyLoss(), new dev.nabla.optim.SGD(model.parameters(), 1e30), 0);
        assertThrows(TrainingDivergedException.class, () -> t.fit(new DataLoader(data, 16, false, 0), null, 2,
                List.of(new dev.nabla.train.callback.TerminateOnNaN(null))));
        assertTrue(t.storagePool().handedOut() > 0);
        for (Tensor p : model.parameters()) {
            p.toFloatArray(); // readable: parameters and grads were kept although the step threw
            assertNotNull(p.grad());
            p.grad().toFloatArray();
        }
    }

    @Test
    void aStepIsClosedOnItsOwnThread() throws Exception {
        StoragePool pool = new StoragePool();
        StoragePool.Step step = pool.step();
        Throwable[] thrown = new Throwable[1];
        Thread other = new Thread(() -> {
            try {
                step.close();
            } catch (Throwable e) {
                thrown[0] = e;
            }
        });
        other.start();
        other.join();
        assertInstanceOf(IllegalStateException.class, thrown[0]);
        assertTrue(thrown[0].getMessage().contains("thread that opened it"), thrown[0].getMessage());
        step.close();
        try (var next = pool.step()) {
            assertNotNull(StoragePool.allocate(1000), "a new step opens once the old one is closed");
        }
    }

    private static void assertSameState(Module expected, Module actual) {
        Map<String, Tensor> se = expected.stateDict(), sa = actual.stateDict();
        assertEquals(se.keySet(), sa.keySet());
        for (String k : se.keySet()) assertArrayEquals(se.get(k).toFloatArray(), sa.get(k).toFloatArray(), k);
        List<Tensor> pe = expected.parameters(), pa = actual.parameters();
        for (int i = 0; i < pe.size(); i++)
            assertArrayEquals(pe.get(i).grad().toFloatArray(), pa.get(i).grad().toFloatArray(), "grad " + i);
    }
}
