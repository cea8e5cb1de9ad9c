package dev.nabla.examples;

import dev.nabla.io.Npy;
import dev.nabla.io.SafeTensors;
import dev.nabla.nn.layers.Linear;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The linear-regression seed program: the Java loop converges, and the config does the very same run. */
class LinearRegressionTest {
    @TempDir
    Path dir;

    @Test
    void gradientDescentFitsTheLine() {
        LinearRegression.Result r = LinearRegression.fit(LinearRegression.data(0), LinearRegression.model(0), 1000, 0.01f);
        float[] loss = r.losses(), b = r.biases();
        assertTrue(loss[0] > 100, "initial mse " + loss[0]);
        for (int i = 1; i < loss.length; i++)
            assertTrue(loss[i] <= loss[i - 1], "the mse rose at epoch " + (i + 1) + ": " + loss[i - 1] + " -> " + loss[i]);
        assertTrue(r.finalMse() < 1.0, "final mse " + r.finalMse());
        // b climbs from 0 toward 10 all the way (1000 steps at lr 0.01 do not get there: PyTorch ends near 6 too).
        for (int e = 100; e <= 1000; e += 100)
            assertTrue(b[e - 1] > b[Math.max(0, e - 101)], "b did not grow between epochs " + Math.max(1, e - 100) + " and " + e);
        assertTrue(b[999] > 5 && b[999] < 10, "b = " + b[999]);
        assertEquals(r.bias(), b[999]);
    }

    @Test
    void moreStepsGetCloser() {
        LinearRegression.Result r = LinearRegression.fit(LinearRegression.data(0), LinearRegression.model(0), 5000, 0.05f);
        assertTrue(r.finalMse() < 1e-3, "final mse " + r.finalMse());
        assertEquals(10, r.bias(), 0.05);
        assertTrue(r.weightError() < 0.1, "|w - w_true| = " + r.weightError());
    }

    @Test
    void theCommittedDataIsWhatTheProgramWrites() throws IOException {
        LinearRegression.Data d = LinearRegression.data(0);
        assertArrayEquals(d.x().toFloatArray(), Npy.read(ConfigRuns.EXAMPLES.resolve("data/linreg-x.npy")).toFloatArray());
        Tensor y = Npy.read(ConfigRuns.EXAMPLES.resolve("data/linreg-y.npy"));
        assertArrayEquals(new int[] {1000, 1}, y.shape());
        // y = X·w_true + 10 goes through the GEMM kernel, whose summation order may change between versions.
        assertArrayEquals(d.y().toFloatArray(), y.toFloatArray(), 1e-4f);
    }

    @Test
    void theConfigIsTheSameRun() throws IOException {
        Linear model = LinearRegression.model(0);
        LinearRegression.Result r = LinearRegression.fit(LinearRegression.data(0), model, 1000, 0.01f);
        Map<String, Object> m = ConfigRuns.train("linreg.yaml", dir.resolve("run"));
        assertEquals(1000, ConfigRuns.number(m, "epochs"));
        assertEquals(r.losses()[999], ConfigRuns.number(m, "loss"), 1e-6);
        assertEquals(r.finalMse(), ConfigRuns.number(m, "test_loss"), 1e-6);
        SafeTensors weights = SafeTensors.read(dir.resolve("run/model.safetensors"));
        assertArrayEquals(model.weight().toFloatArray(), weights.get("0.weight").toFloatArray(), 1e-6f);
        assertArrayEquals(model.bias().toFloatArray(), weights.get("0.bias").toFloatArray(), 1e-6f);
    }
}
