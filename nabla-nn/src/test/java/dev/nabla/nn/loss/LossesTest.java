package dev.nabla.nn.loss;

import dev.nabla.autograd.GradCheck;
import dev.nabla.ops.Reduction;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gradient checks of the composed losses over random shapes, plus argument errors. The oracle test covers values. */
class LossesTest {
    private final Generator gen = new Generator(17);

    private static void assertMessage(Class<? extends Throwable> type, Executable call, String... parts) {
        Throwable e = assertThrows(type, call);
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' lacks '" + p + "'");
    }

    private int[] randomShape() {
        int rank = 1 + (int) gen.nextLong(3);
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) s[i] = 1 + (int) gen.nextLong(4);
        return s;
    }

    private Tensor leaf(int[] shape, float scale, float shift) {
        return Tensor.randn(gen, shape).mul(scale).add(shift).requiresGrad(true);
    }

    /** A non-contiguous leaf of the given 2-D shape (a transposed view). */
    private Tensor transposedLeaf(int rows, int cols) {
        return Tensor.randn(gen, cols, rows).t().requiresGrad(true);
    }

    @Test
    void elementwiseLossesHaveCorrectGradients() {
        for (int trial = 0; trial < 6; trial++) {
            int[] s = randomShape();
            Reduction red = Reduction.values()[trial % 3];
            GradCheck.check(in -> new L1Loss(red).forward(in[0], in[1]), leaf(s, 1, 0), leaf(s, 1, 0));
            GradCheck.check(in -> new HuberLoss(red, 0.7f).forward(in[0], in[1]), leaf(s, 1.5f, 0), leaf(s, 1, 0));
            Tensor p = Tensor.rand(gen, s).mul(0.8f).add(0.1f).requiresGrad(true);
            GradCheck.check(in -> new BCELoss(null, red).forward(in[0], in[1]), p, Tensor.rand(gen, s).requiresGrad(true));
            Tensor pw = Tensor.rand(gen, s[s.length - 1]).mul(3), w = Tensor.rand(gen, s);
            GradCheck.check(in -> new BCEWithLogitsLoss(w, red, pw).forward(in[0], in[1]),
                    leaf(s, 3, 0), Tensor.rand(gen, s).requiresGrad(true));
        }
        GradCheck.check(in -> new BCEWithLogitsLoss().forward(in[0], in[1]), transposedLeaf(3, 4), transposedLeaf(3, 4));
    }

    @Test
    void bceWithLogitsIsStableForLargeLogits() {
        Tensor x = Tensor.of(new float[] {100, -100, 0}, 3);
        Tensor t = Tensor.of(new float[] {1, 0, 1}, 3);
        float[] l = new BCEWithLogitsLoss(null, Reduction.NONE, null).forward(x, t).toFloatArray();
        assertArrayEquals(new float[] {0, 0, (float) Math.log(2)}, l, 1e-6f);
        float[] wrong = new BCEWithLogitsLoss(null, Reduction.NONE, null).forward(x, Tensor.of(new float[] {0, 1, 0}, 3)).toFloatArray();
        assertArrayEquals(new float[] {100, 100, (float) Math.log(2)}, wrong, 1e-4f);
    }

    @Test
    void klDivHasCorrectGradientsForEveryReduction() {
        for (String red : List.of("none", "mean", "sum", "batchmean")) {
            Tensor t = Tensor.rand(gen, 3, 4).add(0.05f).requiresGrad(true);
            GradCheck.check(in -> new KLDivLoss(red, false).forward(in[0], in[1]), leaf(new int[] {3, 4}, 1, -1), t);
            GradCheck.check(in -> new KLDivLoss(red, true).forward(in[0], in[1]), leaf(new int[] {3, 4}, 1, -1),
                    leaf(new int[] {3, 4}, 1, -1));
        }
        Tensor zeros = Tensor.of(new float[] {0, 1, 0}, 1, 3);
        Tensor x = Tensor.of(new float[] {-1, -2, -3}, 1, 3);
        assertEquals(2f, new KLDivLoss("batchmean", false).forward(x, zeros).item(), 1e-6);
    }

    @Test
    void nllHasCorrectGradientsWithWeightsAndIgnoredTargets() {
        Tensor w = Tensor.of(new float[] {0.5f, 2f, 1f, 1.5f}, 4);
        Tensor target = Tensor.ofLongs(new long[] {0, 3, 2, 1, 3}, 5);
        for (Reduction red : Reduction.values())
            GradCheck.check(in -> new NLLLoss(w, 3, red).forward(in[0], target), leaf(new int[] {5, 4}, 1, -1));
        Tensor spatial = Tensor.ofLongs(new long[] {0, 1, 2, 2, 1, 0}, 2, 3);
        GradCheck.check(in -> new NLLLoss(null, -100, Reduction.MEAN).forward(in[0], spatial),
                Tensor.randn(gen, 3, 2, 3).permute(1, 0, 2).requiresGrad(true));
        // weighted mean divides by the sum of the weights of the non-ignored targets
        Tensor logp = Tensor.of(new float[] {-1, -2, -3, -4, -5, -6, -7, -8}, 2, 4);
        float mean = new NLLLoss(w, -100, Reduction.MEAN).forward(logp, Tensor.ofLongs(new long[] {1, 3}, 2)).item();
        assertEquals((2f * 2 + 1.5f * 8) / 3.5f, mean, 1e-6);
    }

    @Test
    void weightedAndProbabilityCrossEntropyHaveCorrectGradients() { // need the core log_softmax op
        Tensor w = Tensor.of(new float[] {0.5f, 2f, 1f}, 3);
        Tensor target = Tensor.ofLongs(new long[] {0, 2, 1, 1}, 4);
        GradCheck.check(in -> new CrossEntropyLoss(w, 1, Reduction.MEAN, 0.2f).forward(in[0], target),
                leaf(new int[] {4, 3}, 2, 0));
        Tensor probs = Tensor.rand(gen, 4, 3).requiresGrad(true);
        GradCheck.check(in -> new CrossEntropyLoss(w, -100, Reduction.SUM, 0.1f).forward(in[0], in[1]),
                leaf(new int[] {4, 3}, 2, 0), probs);
    }

    @Test
    void badArgumentsAndInputsAreReported() {
        assertMessage(IllegalArgumentException.class, () -> new L1Loss().forward(Tensor.zeros(2, 3), Tensor.zeros(3, 2)),
                "L1Loss", "[2, 3]", "[3, 2]");
        assertMessage(IllegalArgumentException.class, () -> new HuberLoss(Reduction.MEAN, 0), "HuberLoss", "delta");
        assertMessage(IllegalArgumentException.class, () -> new CrossEntropyLoss(null, -100, Reduction.MEAN, 1.5f),
                "CrossEntropyLoss", "label_smoothing");
        assertMessage(IllegalArgumentException.class, () -> new NLLLoss().forward(Tensor.zeros(3, 4),
                Tensor.ofLongs(new long[] {0, 1}, 2)), "NLLLoss", "[3, 4]", "[3]", "[2]");
        assertMessage(IndexOutOfBoundsException.class, () -> new NLLLoss().forward(Tensor.zeros(2, 4),
                Tensor.ofLongs(new long[] {0, 4}, 2)), "NLLLoss", "target 4", "4 classes");
        assertMessage(IllegalArgumentException.class, () -> new NLLLoss(Tensor.ones(3), -100, Reduction.MEAN)
                .forward(Tensor.zeros(2, 4), Tensor.ofLongs(new long[] {0, 1}, 2)), "NLLLoss", "weight has 3");
        assertMessage(IllegalArgumentException.class, () -> new NLLLoss().forward(Tensor.zeros(2, 4), Tensor.zeros(2)),
                "NLLLoss", "int64");
        assertMessage(IllegalArgumentException.class, () -> new CrossEntropyLoss(null, 0, Reduction.MEAN, 0)
                .forward(Tensor.zeros(2, 3), Tensor.zeros(2, 3)), "CrossEntropyLoss", "ignore_index");
        assertMessage(IllegalArgumentException.class, () -> new BCEWithLogitsLoss(null, Reduction.MEAN, Tensor.ones(5))
                .forward(Tensor.zeros(2, 3), Tensor.zeros(2, 3)), "BCEWithLogitsLoss", "pos_weight", "[5]");
        assertMessage(IllegalArgumentException.class, () -> new MSELoss().forward(Tensor.zeros(2)), "MSELoss", "forward(input, target)");
        assertMessage(IllegalArgumentException.class, () -> Loss.reduction("avg"), "reduction", "avg");
        assertMessage(IllegalArgumentException.class, () -> new KLDivLoss("batchsum", false), "reduction", "batchsum");
    }

    @Test
    void lossWeightsAreBuffersInTheStateDict() {
        assertEquals(List.of("weight", "pos_weight"),
                List.copyOf(new BCEWithLogitsLoss(Tensor.ones(3), Reduction.MEAN, Tensor.ones(3)).stateDict().keySet()));
        assertEquals(List.of("weight"), List.copyOf(new CrossEntropyLoss(Tensor.ones(3), -100, Reduction.MEAN, 0).stateDict().keySet()));
        assertEquals(List.of(), List.copyOf(new CrossEntropyLoss().stateDict().keySet()));
        assertEquals("CrossEntropyLoss()", new CrossEntropyLoss().toString());
    }
}
