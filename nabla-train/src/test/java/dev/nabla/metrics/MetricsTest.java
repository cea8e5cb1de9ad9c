package dev.nabla.metrics;

import dev.nabla.io.Json;
import dev.nabla.io.SafeTensors;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class MetricsTest {
    /** Every metric against scikit-learn 1.2 on the same scores (oracle/gen_metrics.py), fed in uneven batches. */
    @TestFactory
    Stream<DynamicTest> matchesScikitLearn() throws Exception {
        SafeTensors f = SafeTensors.read(Path.of(getClass().getResource("/fixtures/metrics.safetensors").toURI()));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) Json.parse(f.metadata().get("cases"));
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : cases) {
            String name = (String) c.get("name");
            int classes = ((Number) c.get("classes")).intValue();
            Tensor scores = f.get(name + "/scores"), targets = f.get(name + "/targets");
            List<String> names = new ArrayList<>(List.of("accuracy", "mse", "mae", "r2"));
            if (classes > 2) names.add("top2_accuracy");
            for (String s : List.of("precision", "recall", "f1"))
                for (String avg : List.of("macro", "micro", "weighted")) names.add(s + "_" + avg);
            for (String metric : names) {
                tests.add(DynamicTest.dynamicTest(name + " " + metric, () -> {
                    Metric m = Metrics.create(metric, classes);
                    boolean regression = metric.equals("mse") || metric.equals("mae") || metric.equals("r2");
                    Tensor p = regression ? f.get(name + "/yhat") : scores, t = regression ? f.get(name + "/y") : targets;
                    int n = p.size(0);
                    for (int start = 0; start < n; start += 37) {
                        int len = Math.min(37, n - start);
                        m.update(p.narrow(0, start, len), t.narrow(0, start, len));
                    }
                    assertEquals(f.get(name + "/" + metric).item(), m.compute(), 1e-6, metric);
                    m.reset();
                    assertTrue(Double.isNaN(m.compute()));
                }));
            }
            tests.add(DynamicTest.dynamicTest(name + " confusion matrix", () -> {
                ConfusionMatrix cm = new ConfusionMatrix(classes);
                cm.update(scores, targets);
                assertArrayEquals(f.get(name + "/confusion").toLongArray(), cm.toTensor().toLongArray());
            }));
        }
        return tests.stream();
    }

    @Test
    void handComputedScoresAndZeroDivision() {
        // true:  0 0 1 1 2 ; predicted: 0 1 1 1 0 ; class 2 is never predicted
        Tensor pred = Tensor.ofLongs(new long[] {0, 1, 1, 1, 0}, 5), truth = Tensor.ofLongs(new long[] {0, 0, 1, 1, 2}, 5);
        ConfusionMatrix cm = new ConfusionMatrix(3);
        cm.update(pred, truth);
        assertEquals(0.6, cm.accuracy(), 1e-12);
        assertEquals(0.5, cm.precision(0), 1e-12);
        assertEquals(2.0 / 3, cm.precision(1), 1e-12);
        assertEquals(0.0, cm.precision(2), 1e-12, "no predictions of class 2 → precision 0");
        assertEquals(1.0, cm.recall(1), 1e-12);
        assertEquals((0.5 + 0.8 + 0) / 3, cm.f1(ConfusionMatrix.Average.MACRO), 1e-12);
        assertEquals("  t\\p    0    1    2\n    0    1    1    0\n    1    0    2    0\n    2    1    0    0", cm.toString());
    }

    @Test
    void binaryProbabilitiesAreThresholdedAtOneHalf() {
        Metric acc = Metrics.create("accuracy", 2);
        acc.update(Tensor.of(new float[] {0.9f, 0.2f, 0.6f, 0.4f}, 4, 1), Tensor.of(new float[] {1, 0, 0, 0}, 4, 1));
        assertEquals(0.75, acc.compute(), 1e-12);
    }

    @Test
    void badInputNamesTheProblem() {
        var e = assertThrows(IllegalArgumentException.class, () -> Metrics.create("f2", 3));
        assertTrue(e.getMessage().contains("unknown metric 'f2'"), e.getMessage());
        ConfusionMatrix cm = new ConfusionMatrix(3);
        var t = assertThrows(IllegalArgumentException.class,
                () -> cm.update(Tensor.ofLongs(new long[] {0, 1}, 2), Tensor.ofLongs(new long[] {0, 7}, 2)));
        assertEquals("confusion_matrix: target 7 at position 1 is not a class in [0, 3)", t.getMessage());
        var n = assertThrows(IllegalArgumentException.class,
                () -> new Accuracy().update(Tensor.zeros(4, 3), Tensor.ofLongs(new long[] {0, 1, 2}, 3)));
        assertTrue(n.getMessage().contains("4 predictions but 3 targets"), n.getMessage());
    }
}
