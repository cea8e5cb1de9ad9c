package dev.nabla.metrics;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sequence outputs: [B, T, C] scores with [B, T] targets, counted per position; the ignore index. */
class SequenceMetricsTest {
    private static final List<String> NAMES = List.of("accuracy", "top2_accuracy", "precision", "recall", "f1",
            "precision_micro", "f1_weighted");

    @Test
    void sequenceScoresEqualTheirFlattenedPositions() {
        int b = 3, t = 7, c = 5;
        Generator g = new Generator(3);
        Tensor scores = Tensor.randn(g, b, t, c);
        long[] y = new long[b * t];
        for (int i = 0; i < y.length; i++) y[i] = g.nextLong(c);
        Tensor targets = Tensor.ofLongs(y, b, t);
        for (String name : NAMES) {
            Metric seq = Metrics.create(name, c), flat = Metrics.create(name, c);
            seq.update(scores, targets);
            flat.update(scores.reshape(b * t, c), targets.reshape(b * t));
            assertEquals(flat.compute(), seq.compute(), 0, name);
            assertTrue(seq.compute() > 0, name);
        }
        // predicted classes [B, T] (int64) with [B, T] targets
        Metric acc = Metrics.create("accuracy", c);
        acc.update(Tensor.ofLongs(new long[] {0, 1, 2, 3, 4, 0}, 2, 3), Tensor.ofLongs(new long[] {0, 1, 0, 3, 0, 0}, 2, 3));
        assertEquals(4.0 / 6, acc.compute(), 1e-12);
        // a transposed (non-contiguous) [B, T, C] view
        Metric view = Metrics.create("accuracy", c), copy = Metrics.create("accuracy", c);
        Tensor tb = Tensor.randn(g, t, b, c).transpose(0, 1);
        view.update(tb, targets);
        copy.update(tb.contiguous().reshape(b * t, c), targets.reshape(b * t));
        assertEquals(copy.compute(), view.compute(), 0);
    }

    @Test
    void ignoredTargetsAreNotCounted() {
        // scores [1, 4, 3]: predicted classes 2, 0, 1, 1
        Tensor scores = Tensor.of(new float[] {0, 1, 2, 5, 1, 0, 0, 3, 1, 1, 2, 0}, 1, 4, 3);
        Tensor targets = Tensor.ofLongs(new long[] {2, -100, 1, 0}, 1, 4);
        Metric acc = Metrics.create("accuracy", 3);
        acc.update(scores, targets);
        assertEquals(2.0 / 3, acc.compute(), 1e-12, "position 1 (-100) is skipped, as CrossEntropyLoss skips it");
        Metric top2 = Metrics.create("top2_accuracy", 3);
        top2.update(scores, targets);
        assertEquals(1.0, top2.compute(), 1e-12, "position 3's true class is second");
        Metric f1 = Metrics.create("f1_micro", 3);
        f1.update(scores, targets);
        assertEquals(2.0 / 3, f1.compute(), 1e-12);
        // a chosen ignore index (the loss's ignore_index)
        Tensor padded = Tensor.ofLongs(new long[] {2, 0, 1, 0}, 1, 4);
        Metric pad = Metrics.create("accuracy", 3, 0);
        pad.update(scores, padded);
        assertEquals(1.0, pad.compute(), 1e-12, "targets equal to ignore_index 0 are skipped");
        ConfusionMatrix cm = new ConfusionMatrix(3, 0);
        cm.update(scores, padded);
        assertEquals(2, cm.total());
        assertEquals(1, cm.count(2, 2));
        assertEquals(1, cm.count(1, 1));
        // without an ignore index matching it, -100 is an error for the confusion matrix, as before
        ConfusionMatrix strict = new ConfusionMatrix(3, 7);
        assertThrows(IllegalArgumentException.class, () -> strict.update(scores, targets));
    }

    @Test
    void mismatchedSequenceTargetsAreReported() {
        Metric acc = Metrics.create("accuracy", 4);
        var e = assertThrows(IllegalArgumentException.class,
                () -> acc.update(Tensor.zeros(2, 3, 4), Tensor.ofLongs(new long[6], 3, 2)));
        assertEquals("accuracy: sequence scores [2, 3, 4] [B, T, C] need targets [B, T] = [2, 3], got [3, 2]", e.getMessage());
    }
}
