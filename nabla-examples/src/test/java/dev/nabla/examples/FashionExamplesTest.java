package dev.nabla.examples;

import dev.nabla.train.History;
import dev.nabla.train.callback.ProgressBar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Fashion-MNIST examples end to end on a slice (the first N training and N test images): each Java
 * program must clear an accuracy a broken model or training loop cannot reach (chance is 0.10), and its YAML
 * twin, run through {@code nabla train} with the same slice, must end with the same figures. The CNN is slow
 * enough that its twin is compared on a smaller slice.
 */
class FashionExamplesTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void data() {
        FashionData.assumePresent();
    }

    @Test
    void mlp() throws IOException {
        var buffer = new ByteArrayOutputStream();
        RunOptions o = RunOptions.of(2).withLimit(5000)
                .withCallbacks(List.of(new ProgressBar(new PrintStream(buffer, true, StandardCharsets.UTF_8), false)));
        FashionMnist.Result r = FashionMlp.run(o);
        History h = r.history();
        assertEquals(2, h.size());
        double[] loss = h.series("loss");
        assertTrue(loss[1] < loss[0], "training loss did not fall: " + loss[0] + " -> " + loss[1]);
        assertTrue(r.testAccuracy() > 0.70, "test accuracy " + r.testAccuracy() + " on the slice");
        String progress = buffer.toString(StandardCharsets.UTF_8);
        assertTrue(progress.contains("Epoch 1/2") && progress.contains("Epoch 2/2"), progress);

        Map<String, Object> m = ConfigRuns.train("fashion-mlp.yaml", dir.resolve("mlp"), "data.limit=5000", "training.epochs=2");
        assertEquals(r.testAccuracy(), ConfigRuns.number(m, "test_accuracy"), 1e-9);
        assertEquals(r.test().get("loss"), ConfigRuns.number(m, "test_loss"), 1e-6);
        assertEquals(loss[1], ConfigRuns.number(m, "loss"), 1e-6);
    }

    @Test
    void cnn() throws IOException {
        // 32 steps of batch 64 (the rate annealed to 0 over them) reach about 0.73; a model that does not learn stays near 0.10.
        FashionMnist.Result r = FashionCnn.run(RunOptions.of(1).withLimit(2000));
        assertTrue(r.testAccuracy() > 0.65, "test accuracy " + r.testAccuracy() + " on the slice");
        double[] loss = r.history().series("loss");
        assertTrue(loss[0] < Math.log(10), "mean training loss " + loss[0] + " is no better than chance");
    }

    @Test
    void cnnConfigIsTheSameRun() throws IOException {
        // Two epochs of 4 steps: both anneal the learning rate over the run's 8 steps, half-way down after the first.
        FashionMnist.Result r = FashionCnn.run(RunOptions.of(2).withLimit(256));
        Map<String, Object> m = ConfigRuns.train("fashion-cnn.yaml", dir.resolve("cnn"), "data.limit=256", "training.epochs=2");
        assertEquals(r.history().series("loss")[1], ConfigRuns.number(m, "loss"), 1e-6);
        double[] lr = r.history().series("lr");
        assertEquals(0.0005, lr[0], 1e-12, "the learning rate after the first epoch");
        assertEquals(0, lr[1], 1e-12, "the learning rate after the last step");
        assertEquals(0, ConfigRuns.number(m, "lr"), 1e-12, "the config's learning rate after the last step");
        assertEquals(r.testAccuracy(), ConfigRuns.number(m, "test_accuracy"), 1e-9);
        assertEquals(r.test().get("loss"), ConfigRuns.number(m, "test_loss"), 1e-6);
    }

    @Test
    void theSeedProgramsStartAsKerasDoes() {
        for (var model : List.of(FashionMlp.model(new dev.nabla.tensor.Generator(0)), FashionCnn.model(new dev.nabla.tensor.Generator(0)))) {
            int weights = 0;
            for (var e : model.namedParameters().entrySet()) {
                float[] v = e.getValue().toFloatArray();
                if (e.getKey().endsWith(".bias")) {
                    for (float x : v) assertEquals(0f, x, e.getKey());
                    continue;
                }
                weights++;
                int[] fans = dev.nabla.nn.init.Init.fans(e.getValue());
                double limit = Math.sqrt(6.0 / (fans[0] + fans[1])), max = 0, sumSq = 0;
                for (float x : v) { max = Math.max(max, Math.abs(x)); sumSq += (double) x * x; }
                assertTrue(max <= limit, e.getKey() + ": " + max + " beyond Glorot's limit " + limit);
                // U(±limit) has variance limit²/3: the drawn weights must fill the range, not a narrower one
                assertEquals(limit * limit / 3, sumSq / v.length, 0.15 * limit * limit / 3, e.getKey());
            }
            assertTrue(weights >= 3);
        }
    }

    @Test
    void optionsFromTheCommandLine() {
        RunOptions o = RunOptions.parse(new String[] {"--limit", "500", "--epochs", "3", "--seed", "7"}, RunOptions.of(10));
        assertEquals(new RunOptions(3, 500, 7, List.of()), o);
        var e = assertThrows(IllegalArgumentException.class, () -> RunOptions.parse(new String[] {"--epoch", "3"}, RunOptions.of(10)));
        assertTrue(e.getMessage().startsWith("unknown option '--epoch'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RunOptions.parse(new String[] {"--epochs", "0"}, RunOptions.of(10)));
        assertEquals("--epochs must be at least 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RunOptions.parse(new String[] {"--limit"}, RunOptions.of(10)));
        assertTrue(e.getMessage().startsWith("--limit needs a value"), e.getMessage());
    }
}
