package dev.nabla.nn.layers;

import dev.nabla.autograd.GradCheck;
import dev.nabla.nn.Module;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayersTest {
    private final Generator gen = new Generator(5);

    private static void assertMessage(Class<? extends Throwable> type, Executable call, String... parts) {
        Throwable e = assertThrows(type, call);
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' lacks '" + p + "'");
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (float v : t.toFloatArray()) m = Math.max(m, Math.abs(v));
        return m;
    }

    @Test
    void badConstructorArgumentsNameTheLayerAndArgument() {
        assertMessage(IllegalArgumentException.class, () -> new Linear(0, 3, gen), "Linear", "in_features", "0");
        assertMessage(IllegalArgumentException.class, () -> new Linear(3, -1, gen), "Linear", "out_features");
        assertMessage(IllegalArgumentException.class, () -> new Linear(3, 2, null), "Linear", "Generator");
        assertMessage(IllegalArgumentException.class, () -> new Conv2d(3, 4, new int[] {3, 3}, new int[] {1, 1},
                new int[] {0, 0}, new int[] {1, 1}, 2, true, gen), "Conv2d", "in_channels (3)", "groups (2)");
        assertMessage(IllegalArgumentException.class, () -> new Conv2d(2, 4, 3, 0, 0, gen), "Conv2d", "stride");
        assertMessage(IllegalArgumentException.class, () -> new Conv2d(2, 4, 3, 1, -1, gen), "Conv2d", "padding");
        assertMessage(IllegalArgumentException.class, () -> new MaxPool2d(2, 2, 2), "MaxPool2d", "padding", "half");
        assertMessage(IllegalArgumentException.class, () -> new AvgPool2d(0), "AvgPool2d", "kernel_size");
        assertMessage(IllegalArgumentException.class, () -> new Dropout(1.5f), "Dropout", "p", "1.5");
        assertMessage(IllegalArgumentException.class, () -> new BatchNorm2d(0), "BatchNorm2d", "num_features");
        assertMessage(IllegalArgumentException.class, () -> new BatchNorm1d(3, 1e-5, 2.0, true, true), "BatchNorm1d", "momentum");
        assertMessage(IllegalArgumentException.class, () -> new LayerNorm(new int[] {3, 0}, 1e-5, true), "LayerNorm", "normalized_shape");
        assertMessage(IllegalArgumentException.class, () -> new Embedding(5, 2, 5, gen), "Embedding", "padding_idx");
        assertMessage(IllegalArgumentException.class, () -> new GELU("fast"), "GELU", "approximate", "fast");
        assertMessage(IllegalArgumentException.class, () -> new AdaptiveAvgPool2d(new int[] {2}), "AdaptiveAvgPool2d", "output_size");
    }

    @Test
    void wrongInputShapesNameLayerExpectedAndActual() {
        assertMessage(IllegalArgumentException.class, () -> new Linear(4, 3, gen).forward(Tensor.zeros(2, 5)),
                "Linear", "[..., 4]", "[2, 5]");
        assertMessage(IllegalArgumentException.class, () -> new Conv2d(3, 4, 3, gen).forward(Tensor.zeros(1, 2, 5, 5)),
                "Conv2d", "[N, 3, H, W]", "[1, 2, 5, 5]");
        assertMessage(IllegalArgumentException.class, () -> new Conv2d(3, 4, 3, gen).forward(Tensor.zeros(1, 3, 2, 5)),
                "Conv2d", "smaller than the dilated kernel");
        assertMessage(IllegalArgumentException.class, () -> new BatchNorm2d(3).forward(Tensor.zeros(2, 4, 2, 2)),
                "BatchNorm2d", "[N, C, H, W]", "num_features = 3", "[2, 4, 2, 2]");
        assertMessage(IllegalArgumentException.class, () -> new BatchNorm1d(3).forward(Tensor.zeros(2, 3, 2, 2)),
                "BatchNorm1d", "[N, C] or [N, C, L]", "[2, 3, 2, 2]");
        assertMessage(IllegalArgumentException.class, () -> new BatchNorm1d(3).forward(Tensor.zeros(1, 3)),
                "BatchNorm1d", "more than 1 value per channel");
        assertMessage(IllegalArgumentException.class, () -> new LayerNorm(3, 4).forward(Tensor.zeros(2, 4, 3)),
                "LayerNorm", "[*, 3, 4]", "[2, 4, 3]");
        assertMessage(IllegalArgumentException.class, () -> new MaxPool2d(2).forward(Tensor.zeros(4, 4)),
                "MaxPool2d", "[N, C, H, W]", "[4, 4]");
        assertMessage(IllegalArgumentException.class, () -> new Embedding(5, 2, gen).forward(Tensor.zeros(3)),
                "Embedding", "int64");
        assertMessage(IndexOutOfBoundsException.class,
                () -> new Embedding(5, 2, gen).forward(Tensor.ofLongs(new long[] {1, 5}, 2)), "Embedding", "index 5", "5");
        assertMessage(IllegalArgumentException.class, () -> new Flatten(1, 3).forward(Tensor.zeros(2, 3)), "Flatten", "[2, 3]");
        assertMessage(IllegalArgumentException.class, () -> new Softmax(2).forward(Tensor.zeros(2, 3)), "Softmax", "dim 2");
    }

    @Test
    void defaultInitialisationMatchesPyTorchBounds() {
        Linear l = new Linear(400, 300, gen);
        double b = 1 / Math.sqrt(400);
        dev.nabla.nn.init.InitTest.assertUniform(l.weight(), b);
        assertTrue(maxAbs(l.bias()) <= b && maxAbs(l.bias()) > 0.9 * b);
        Conv2d c = new Conv2d(16, 32, new int[] {3, 3}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 2, true, gen);
        double cb = 1 / Math.sqrt(8 * 9);
        assertArrayEquals(new int[] {32, 8, 3, 3}, c.weight().shape());
        dev.nabla.nn.init.InitTest.assertUniform(c.weight(), cb);
        assertTrue(maxAbs(c.bias()) <= cb);
        Embedding e = new Embedding(1000, 50, -1, gen);
        assertEquals(999, e.paddingIdx());
        float[] rows = e.weight().narrow(0, 0, 999).contiguous().toFloatArray();
        dev.nabla.nn.init.InitTest.assertNormal(Tensor.of(rows, 999, 50), 0, 1);
        assertEquals(0, maxAbs(e.weight().select(0, 999)));
        BatchNorm2d bn = new BatchNorm2d(3);
        assertArrayEquals(new float[] {1, 1, 1}, bn.weight().toFloatArray());
        assertArrayEquals(new float[] {0, 0, 0}, bn.bias().toFloatArray());
        assertArrayEquals(new float[] {0, 0, 0}, bn.runningMean().toFloatArray());
        assertArrayEquals(new float[] {1, 1, 1}, bn.runningVar().toFloatArray());
        assertEquals(0, bn.numBatchesTracked());
        LayerNorm ln = new LayerNorm(4);
        assertArrayEquals(new float[] {1, 1, 1, 1}, ln.weight().toFloatArray());
    }

    @Test
    void initialisationIsReproducibleFromTheGenerator() {
        assertArrayEquals(new Linear(5, 4, new Generator(11)).weight().toFloatArray(),
                new Linear(5, 4, new Generator(11)).weight().toFloatArray());
        assertNotEquals(new Linear(5, 4, new Generator(11)).weight().get(0, 0),
                new Linear(5, 4, new Generator(12)).weight().get(0, 0));
    }

    @Test
    void dropoutIsIdentityInEvalAndNeedsAGeneratorToTrain() {
        Dropout d = new Dropout(0.5f);
        Tensor x = Tensor.ones(3, 3);
        d.eval();
        assertSame(x, d.forward(x));
        d.train();
        assertMessage(IllegalStateException.class, () -> d.forward(x), "Dropout", "Generator");
    }

    @Test
    void dropoutInTrainingZeroesAboutPAndScalesTheRest() { // needs the core dropout op
        Dropout d = new Dropout(0.3f, new Generator(8));
        float[] y = d.forward(Tensor.ones(100, 100)).toFloatArray();
        int zeros = 0;
        for (float v : y) {
            if (v == 0) zeros++;
            else assertEquals(1 / 0.7f, v, 1e-6);
        }
        assertEquals(0.3, zeros / 10000.0, 0.02);
    }

    @Test
    void batchNormSwitchesBetweenBatchAndRunningStatistics() {
        BatchNorm1d bn = new BatchNorm1d(2, 1e-5, 0.5, false, true);
        Tensor x = Tensor.of(new float[] {1, 10, 3, 20, 5, 30}, 3, 2);
        float[] train = bn.forward(x).toFloatArray();
        // batch mean (3, 20), biased var (8/3, 200/3): normalised column 0 = (-2, 0, 2)/sqrt(8/3 + 1e-5)
        assertEquals(-2 / Math.sqrt(8 / 3.0 + 1e-5), train[0], 1e-5);
        assertEquals(10 / Math.sqrt(200 / 3.0 + 1e-5), train[5], 1e-5);
        // running = 0.5·init + 0.5·batch, with the unbiased variance (4, 100)
        assertArrayEquals(new float[] {1.5f, 10f}, bn.runningMean().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {2.5f, 50.5f}, bn.runningVar().toFloatArray(), 1e-5f);
        assertEquals(1, bn.numBatchesTracked());
        bn.eval();
        float[] eval = bn.forward(x).toFloatArray();
        assertEquals((1 - 1.5) / Math.sqrt(2.5 + 1e-5), eval[0], 1e-5);
        assertEquals(1, bn.numBatchesTracked(), "eval leaves the statistics alone");
        assertArrayEquals(new float[] {1.5f, 10f}, bn.runningMean().toFloatArray(), 1e-6f);
    }

    @Test
    void normsHaveCorrectGradients() {
        Generator g = new Generator(21);
        BatchNorm2d bn = new BatchNorm2d(3);
        dev.nabla.nn.init.Init.normal_(bn.weight(), 1, 0.3, g);
        dev.nabla.nn.init.Init.normal_(bn.bias(), 0, 0.3, g);
        Tensor x = Tensor.randn(g, 4, 3, 2, 2).requiresGrad(true);
        GradCheck.check(in -> bn.forward(in[0]).mul(in[1].view(1, 3, 1, 1)), x, bn.weight());
        LayerNorm ln = new LayerNorm(new int[] {2, 3}, 1e-5, true);
        dev.nabla.nn.init.Init.normal_(ln.weight(), 1, 0.3, g);
        Tensor nonContiguous = Tensor.randn(g, 3, 4, 2).permute(1, 2, 0).requiresGrad(true); // [4, 2, 3] view
        GradCheck.check(in -> ln.forward(in[0]).mul(in[1]).add(in[2]), nonContiguous, ln.weight(), ln.bias());
    }

    @Test
    void adaptiveAvgPoolAveragesPyTorchsWindows() {
        // 5 -> 3: windows [0,2), [1,4), [3,5)
        assertArrayEquals(new float[] {.5f, .5f, 0, 0, 0, 0, 1 / 3f, 1 / 3f, 1 / 3f, 0, 0, 0, 0, .5f, .5f},
                AdaptiveAvgPool2d.averaging(3, 5).toFloatArray(), 1e-7f);
        Tensor x = Tensor.arange(2 * 5 * 7).reshape(1, 2, 5, 7).requiresGrad(true);
        Tensor y = new AdaptiveAvgPool2d(new int[] {3, 4}).forward(x);
        assertArrayEquals(new int[] {1, 2, 3, 4}, y.shape());
        // cell (0,0) of channel 0: rows 0-1, cols 0-1 -> (0 + 1 + 7 + 8) / 4
        assertEquals(4f, y.get(0, 0, 0, 0), 1e-5);
        GradCheck.check(in -> new AdaptiveAvgPool2d(new int[] {3, 4}).forward(in[0]), x);
        assertArrayEquals(new int[] {2, 1, 1}, new AdaptiveAvgPool2d(1).forward(Tensor.zeros(2, 5, 7)).shape());
    }

    @Test
    void sequentialIndexesAndAppends() {
        Sequential s = new Sequential(new ReLU()).add(new Tanh()).add(new Identity());
        assertEquals(3, s.size());
        assertTrue(s.get(-1) instanceof Identity);
        assertMessage(IndexOutOfBoundsException.class, () -> s.get(3), "Sequential", "3");
        float[] out = s.forward(Tensor.of(new float[] {-1, 2}, 2)).toFloatArray();
        assertArrayEquals(new float[] {0, (float) Math.tanh(2)}, out, 1e-6f);
        assertEquals(List.of("0", "1", "2"), List.copyOf(s.namedChildren().keySet()));
    }

    @Test
    void activationsRepr() {
        assertEquals("LeakyReLU(negative_slope=0.01)", new LeakyReLU().toString());
        assertEquals("GELU(approximate='tanh')", new GELU("tanh").toString());
        assertEquals("Softmax(dim=1)", new Softmax(1).toString());
        assertEquals("Embedding(10, 3, padding_idx=0)", new Embedding(10, 3, 0, gen).toString());
        assertEquals("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)", new MaxPool2d(2).toString());
        assertEquals("AdaptiveAvgPool2d(output_size=(2, 3))", new AdaptiveAvgPool2d(new int[] {2, 3}).toString());
        assertEquals("BatchNorm1d(4, eps=0.001, momentum=None, affine=False, track_running_stats=True)",
                new BatchNorm1d(4, 1e-3, null, false, true).toString());
        Module m = new Linear(2, 2, false, gen);
        assertEquals("Linear(in_features=2, out_features=2, bias=False)", m.toString());
    }

    @Test
    void sequentialFusesLinearWithTheActivationAfterIt() {
        Sequential s = new Sequential(new ReLU(), new Linear(6, 5, gen), new ReLU(), new Linear(5, 4, gen), new GELU(),
                new Linear(4, 4, gen), new GELU("tanh"), new Linear(4, 3, gen));
        assertEquals(List.of("1.weight", "1.bias", "3.weight", "3.bias", "5.weight", "5.bias", "7.weight", "7.bias"),
                List.copyOf(s.stateDict().keySet()));
        Tensor x = Tensor.randn(gen, 7, 6);
        Tensor up = Tensor.randn(gen, 7, 3);

        Tensor fused = s.forward(x);
        // the graph: linear_relu, linear_gelu and linear_gelu_tanh nodes, the last Linear on its own
        assertEquals("linear", fused.gradFn().op());
        Tensor t = fused.gradFn().inputs()[0];
        assertEquals("linear_gelu_tanh", t.gradFn().op());
        t = t.gradFn().inputs()[0];
        assertEquals("linear_gelu", t.gradFn().op());
        t = t.gradFn().inputs()[0];
        assertEquals("linear_relu", t.gradFn().op());
        assertEquals(null, t.gradFn().inputs()[0].gradFn()); // the leading ReLU, on an input without grad
        fused.mul(up).sum().backward();
        List<Tensor> fusedGrads = s.parameters().stream().map(Tensor::grad).toList();

        s.zeroGrad();
        Tensor h = x;
        for (Module m : s.children()) h = m.forward(h); // module by module: no fusion
        h.mul(up).sum().backward();
        assertArrayEquals(h.toFloatArray(), fused.toFloatArray(), 1e-6f);
        for (int i = 0; i < fusedGrads.size(); i++)
            assertArrayEquals(s.parameters().get(i).grad().toFloatArray(), fusedGrads.get(i).toFloatArray(), 1e-5f);
    }
    @Test
    void sequentialFusesConv2dWithTheReluAfterItToTheBit() {
        Sequential s = new Sequential(new Conv2d(2, 4, 3, 1, 1, gen), new ReLU(), new MaxPool2d(2),
                new Conv2d(4, 3, 3, 1, 1, gen), new ReLU(), new Flatten(), new Linear(3 * 3 * 3, 2, gen));
        Tensor x = Tensor.randn(gen, 5, 2, 7, 7);
        Tensor up = Tensor.randn(gen, 5, 2);

        Tensor fused = s.forward(x);
        Tensor t = fused.gradFn().inputs()[0]; // the Linear's input, the flattened output of the second conv
        while (!t.gradFn().op().startsWith("conv")) t = t.gradFn().inputs()[0];
        assertEquals("conv2d_relu", t.gradFn().op());
        fused.mul(up).sum().backward();
        List<float[]> fusedGrads = s.parameters().stream().map(p -> p.grad().toFloatArray()).toList();

        s.zeroGrad();
        Tensor h = x;
        for (Module m : s.children()) h = m.forward(h); // module by module: no fusion
        h.mul(up).sum().backward();
        assertArrayEquals(h.toFloatArray(), fused.toFloatArray(), 0f, "the same values, to the bit");
        for (int i = 0; i < fusedGrads.size(); i++)
            assertArrayEquals(s.parameters().get(i).grad().toFloatArray(), fusedGrads.get(i), 0f, "parameter " + i);

        // an upstream gradient handed in by the caller is the caller's: the fused backward must not mask it in place
        Conv2d conv = new Conv2d(2, 3, 3, 1, 1, gen);
        Tensor y = conv.forwardRelu(x);
        assertTrue(y.min().item() == 0f, "some outputs are clipped, so an in-place mask would show");
        Tensor g = Tensor.randn(gen, y.shape());
        float[] before = g.toFloatArray();
        y.backward(g);
        assertArrayEquals(before, g.toFloatArray(), 0f);
    }
}
