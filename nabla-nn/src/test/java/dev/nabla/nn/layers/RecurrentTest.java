package dev.nabla.nn.layers;

import dev.nabla.autograd.GradCheck;
import dev.nabla.autograd.NoGrad;
import dev.nabla.nn.Module;
import dev.nabla.ops.Functional;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RNN, LSTM and GRU: finite-difference gradients, dropout, errors, parameters, and use inside a Sequential. */
class RecurrentTest {
    private final Generator gen = new Generator(21);

    private static void assertMessage(Class<? extends Throwable> type, Executable call, String... parts) {
        Throwable e = assertThrows(type, call);
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' lacks '" + p + "'");
    }

    private static RNNBase make(String mode, int in, int h, int layers, boolean bias, boolean bf, float p, boolean bi,
                                Generator g) {
        return switch (mode) {
            case "rnn_tanh" -> new RNN(in, h, layers, "tanh", bias, bf, p, bi, g);
            case "rnn_relu" -> new RNN(in, h, layers, "relu", bias, bf, p, bi, g);
            case "lstm" -> new LSTM(in, h, layers, bias, bf, p, bi, g);
            case "gru" -> new GRU(in, h, layers, bias, bf, p, bi, g);
            default -> throw new IllegalArgumentException(mode);
        };
    }

    /** A leaf read through a permuted (non-contiguous) view. */
    private static Tensor leaf(Generator g, float scale, int... shape) {
        int[] rev = new int[shape.length];
        for (int i = 0; i < shape.length; i++) rev[i] = shape[shape.length - 1 - i];
        int[] perm = new int[shape.length];
        for (int i = 0; i < shape.length; i++) perm[i] = shape.length - 1 - i;
        return Tensor.randn(g, rev).mul(scale).permute(perm).detach().requiresGrad(true);
    }

    /** The output sequence and the final states flattened into one tensor, so GradCheck weighs them all. */
    private static Tensor all(RnnOutput r) {
        List<Tensor> parts = new ArrayList<>(List.of(r.output().flatten(), r.h().flatten()));
        if (r.c() != null) parts.add(r.c().flatten());
        return Tensor.cat(parts, 0);
    }

    private static final GradCheck.Options OPT = new GradCheck.Options(1e-3, 3e-3, 3e-2);

    @ParameterizedTest
    @ValueSource(strings = {"rnn_tanh", "rnn_relu", "lstm", "gru"})
    void gradientsOfDeepBidirectionalBatchFirstLayerMatchFiniteDifferences(String mode) {
        Generator g = new Generator(3);
        RNNBase m = make(mode, 3, 4, 2, true, true, 0f, true, g);
        int B = 2, T = 3, states = 4;
        Tensor x = leaf(g, 1f, B, T, 3), h0 = leaf(g, 0.5f, states, B, 4);
        Tensor c0 = m instanceof LSTM ? leaf(g, 1f, states, B, 4) : Tensor.zeros(states, B, 4);
        boolean lstm = m instanceof LSTM;
        GradCheck.check(OPT, t -> all(m.forward(t[0], t[1], lstm ? t[2] : null)), x, h0, c0,
                m.weightIh(1, 1), m.weightHh(0, 1), m.biasHh(1, 0), m.biasIh(0, 0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"rnn_tanh", "rnn_relu", "lstm", "gru"})
    void gradientsWithoutBiasOrInitialStateMatchFiniteDifferences(String mode) {
        Generator g = new Generator(4);
        RNNBase m = make(mode, 2, 3, 1, false, false, 0f, false, g);
        Tensor x = leaf(g, 1.5f, 3, 2, 2);
        GradCheck.check(OPT, t -> all(m.forward(t[0], null, null)), x, m.weightIh(0, 0), m.weightHh(0, 0));
        assertNull(m.biasIh(0, 0));
    }

    @Test
    void lstmGradientWithOnlyH0AndUnbatchedInput() {
        Generator g = new Generator(5);
        LSTM m = new LSTM(2, 3, 1, true, false, 0f, true, g);
        GradCheck.check(OPT, t -> all(m.forward(t[0], t[1])), leaf(g, 1f, 3, 2), leaf(g, 1f, 2, 3));
    }

    @Test
    void dropoutBetweenLayersIsDeterministicTrainingOnlyAndIgnoredInEval() {
        LSTM m = new LSTM(3, 4, 3, true, false, 0.5f, false, gen);
        LSTM plain = new LSTM(3, 4, 3, true, false, 0f, false, new Generator(1));
        plain.loadStateDict(m.stateDict(), true);
        Tensor x = Tensor.randn(new Generator(8), 5, 2, 3);

        m.eval();
        plain.eval();
        float[] eval = m.forward(x).toFloatArray();
        assertArrayEquals(plain.forward(x).toFloatArray(), eval, 0f, "eval mode must ignore dropout");
        plain.train();
        assertArrayEquals(eval, plain.forward(x).toFloatArray(), 0f, "without dropout, training = eval");

        m.train();
        m.setGenerator(new Generator(99));
        float[] a = m.forward(x).toFloatArray();
        m.setGenerator(new Generator(99));
        RnnOutput rb = m.forward(x, null, null);
        assertArrayEquals(a, rb.output().toFloatArray(), 0f, "same generator seed, same masks");
        m.setGenerator(new Generator(100));
        float[] c = m.forward(x).toFloatArray();
        assertFalse(java.util.Arrays.equals(a, c), "another seed gives other masks");
        assertFalse(java.util.Arrays.equals(a, eval), "training-mode dropout changes the output");
        // the last layer's output is not dropped: its final hidden state matches the output sequence's last step
        assertArrayEquals(rb.output().select(0, 4).toFloatArray(), rb.h().select(0, 2).toFloatArray(), 0f);
        rb.output().sum().backward();
        for (var e : m.namedParameters().entrySet()) assertNotNull(e.getValue().grad(), e.getKey());

        // a single layer has nothing between layers to drop
        LSTM one = new LSTM(3, 4, 1, true, false, 0.9f, false, gen);
        float[] oneEval = one.eval().forward(x).toFloatArray();
        assertArrayEquals(oneEval, one.train().forward(x).toFloatArray(), 0f);

        m.setGenerator(null);
        assertMessage(IllegalStateException.class, () -> m.forward(x), "LSTM", "Generator");
        m.eval();
        assertArrayEquals(eval, m.forward(x).toFloatArray(), 0f);
    }

    @Test
    void parametersHavePyTorchNamesShapesOrderAndInit() {
        LSTM m = new LSTM(5, 6, 2, true, false, 0f, true, gen);
        assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
                "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"),
                new ArrayList<>(m.stateDict().keySet()));
        assertArrayEquals(new int[] {24, 5}, m.weightIh(0, 0).shape());
        assertArrayEquals(new int[] {24, 12}, m.weightIh(1, 1).shape());
        assertArrayEquals(new int[] {24, 6}, m.weightHh(1, 0).shape());
        assertArrayEquals(new int[] {24}, m.biasHh(0, 1).shape());
        assertArrayEquals(new int[] {9, 4}, new GRU(4, 3, gen).weightIh(0, 0).shape());
        assertArrayEquals(new int[] {3, 3}, new RNN(4, 3, gen).weightHh(0, 0).shape());
        assertEquals(2, new GRU(4, 3, 1, false, false, 0f, false, gen).parameters().size());

        double bound = 1 / Math.sqrt(6);
        for (var e : m.namedParameters().entrySet()) {
            double max = 0;
            for (float v : e.getValue().toFloatArray()) {
                assertTrue(Math.abs(v) <= bound, e.getKey() + " value " + v + " outside ±" + bound);
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max > bound * 0.5, e.getKey() + " does not use its range (max " + max + ")");
        }
        assertEquals("LSTM(5, 6, num_layers=2, bidirectional=True)", m.toString());
        assertEquals("GRU(3, 4, bias=False, batch_first=True, dropout=0.1)",
                new GRU(3, 4, 1, false, true, 0.1f, false, gen).toString());
        assertEquals("RNN(3, 4)", new RNN(3, 4, 1, "relu", true, false, 0f, false, gen).toString());
        assertEquals("relu", new RNN(3, 4, 1, "relu", true, false, 0f, false, gen).nonlinearity());
    }

    @Test
    void shapesOfOutputsAndStates() {
        GRU m = new GRU(3, 4, 2, true, true, 0f, true, gen);
        RnnOutput r = m.forward(Tensor.randn(gen, 2, 5, 3), null);
        assertArrayEquals(new int[] {2, 5, 8}, r.output().shape());
        assertArrayEquals(new int[] {4, 2, 4}, r.h().shape());
        assertNull(r.c());
        RnnOutput u = new LSTM(3, 4, gen).forward(Tensor.randn(gen, 5, 3), null, null);
        assertArrayEquals(new int[] {5, 4}, u.output().shape());
        assertArrayEquals(new int[] {1, 4}, u.h().shape());
        assertArrayEquals(new int[] {1, 4}, u.c().shape());
        // forward(Tensor...) passes the states on and returns the output sequence
        LSTM l = new LSTM(3, 4, gen);
        Tensor x = Tensor.randn(gen, 6, 2, 3), h0 = Tensor.randn(gen, 1, 2, 4), c0 = Tensor.randn(gen, 1, 2, 4);
        assertArrayEquals(l.forward(x, h0, c0).output().toFloatArray(), l.forward(new Tensor[] {x, h0, c0}).toFloatArray(), 0f);
    }

    @Test
    void noGradForwardRecordsNothingAndRetainedGraphBackwardAccumulates() {
        LSTM m = new LSTM(3, 4, 2, true, false, 0f, true, gen);
        Tensor x = Tensor.randn(gen, 4, 2, 3);
        Tensor y;
        try (var _ = NoGrad.enter()) {
            y = m.forward(x);
        }
        assertNull(y.gradFn());
        assertFalse(y.requiresGrad());
        Tensor out = m.forward(x);
        assertArrayEquals(y.toFloatArray(), out.toFloatArray(), 0f);
        Tensor loss = out.mul(out).sum();
        loss.backward(null, true);
        float[] once = m.weightHh(1, 1).grad().toFloatArray();
        loss.backward(null, true);
        float[] twice = m.weightHh(1, 1).grad().toFloatArray();
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-5 + 1e-5 * Math.abs(once[i]));
        assertTrue(java.util.Arrays.stream(toDouble(once)).anyMatch(v -> v != 0));
    }

    @Test
    void eachLayerAndDirectionIsOneGraphNode() {
        LSTM m = new LSTM(3, 4, 2, true, false, 0f, true, gen);
        RnnOutput r = m.forward(Tensor.randn(gen, 20, 2, 3), null, null);
        java.util.Map<String, Integer> ops = new java.util.TreeMap<>();
        java.util.Set<dev.nabla.autograd.Node> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.ArrayDeque<Tensor> todo = new java.util.ArrayDeque<>(List.of(r.output(), r.h(), r.c()));
        while (!todo.isEmpty()) {
            Tensor t = todo.pop();
            if (t == null || t.gradFn() == null || !seen.add(t.gradFn())) continue;
            ops.merge(t.gradFn().op(), 1, Integer::sum);
            for (Tensor in : t.gradFn().inputs()) if (in != null) todo.push(in);
        }
        assertEquals(4, ops.get("lstm"), ops.toString());
        assertTrue(seen.size() < 40, "a 20-step sequence must not record per-step ops: " + ops);
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    @Test
    void badArgumentsAndShapesNameTheLayerExpectedAndActual() {
        assertMessage(IllegalArgumentException.class, () -> new LSTM(0, 4, gen), "LSTM", "input_size", "0");
        assertMessage(IllegalArgumentException.class, () -> new GRU(3, -1, gen), "GRU", "hidden_size");
        assertMessage(IllegalArgumentException.class, () -> new RNN(3, 4, 0, "tanh", true, false, 0f, false, gen),
                "RNN", "num_layers");
        assertMessage(IllegalArgumentException.class, () -> new RNN(3, 4, 1, "sigmoid", true, false, 0f, false, gen),
                "RNN", "nonlinearity", "sigmoid");
        assertMessage(IllegalArgumentException.class, () -> new LSTM(3, 4, 2, true, false, 1.5f, false, gen),
                "LSTM", "dropout", "1.5");
        assertMessage(IllegalArgumentException.class, () -> new GRU(3, 4, null), "GRU", "Generator");

        LSTM m = new LSTM(3, 4, 2, true, false, 0f, true, gen);
        assertMessage(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(5, 2, 7)),
                "LSTM", "[T, B, 3]", "[5, 2, 7]");
        assertMessage(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(5, 2, 3, 1)), "LSTM", "[5, 2, 3, 1]");
        assertMessage(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(0, 2, 3)), "LSTM", "[0, 2, 3]");
        assertMessage(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(DType.INT64, 5, 2, 3)),
                "LSTM", "float32", "int64");
        assertMessage(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(5, 2, 3), Tensor.zeros(2, 2, 4), null),
                "LSTM", "h0", "[4, 2, 4]", "[2, 2, 4]");
        assertMessage(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(5, 2, 3), null, Tensor.zeros(4, 3, 4)),
                "LSTM", "c0", "[4, 2, 4]", "[4, 3, 4]");
        assertMessage(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(5, 3), Tensor.zeros(4, 2, 4), null),
                "LSTM", "h0", "[4, 4]", "[4, 2, 4]");
        assertMessage(IllegalArgumentException.class, () -> m.forward(new Tensor[] {Tensor.zeros(5, 2, 3), null, null, null}),
                "LSTM", "1 to 3", "4");
        GRU g = new GRU(3, 4, 1, true, true, 0f, false, gen);
        assertMessage(IllegalArgumentException.class, () -> g.forward(Tensor.zeros(2, 5, 4)),
                "GRU", "[B, T, 3]", "batch_first=True", "[2, 5, 4]");
        assertMessage(IllegalArgumentException.class, () -> g.forward(Tensor.zeros(2, 5, 3), null, Tensor.zeros(1, 2, 4)),
                "GRU", "c0");
        assertMessage(IllegalArgumentException.class, () -> g.forward(new Tensor[] {Tensor.zeros(2, 5, 3), null, null}),
                "GRU", "1 to 2");
    }

    @Test
    void embeddingLstmLinearTrainsInsideSequential() {
        Generator g = new Generator(17);
        LSTM lstm = new LSTM(8, 16, 1, true, true, 0f, false, g);
        Sequential model = new Sequential(new Embedding(12, 8, g), lstm, new Linear(16, 12, g));
        Tensor tokens = Tensor.randint(g, 0, 12, 4, 7);
        // target: each position predicts the token it just read (needs the recurrence to pass the input through)
        Tensor target = tokens.reshape(28);
        Tensor logits = model.forward(tokens);
        assertArrayEquals(new int[] {4, 7, 12}, logits.shape());
        float first = Functional.crossEntropy(logits.reshape(28, 12), target).item();
        float last = first;
        for (int step = 0; step < 60; step++) {
            model.zeroGrad();
            Tensor loss = Functional.crossEntropy(model.forward(tokens).reshape(28, 12), target);
            loss.backward();
            for (var e : model.namedParameters().entrySet()) assertNotNull(e.getValue().grad(), e.getKey());
            try (var _ = NoGrad.enter()) {
                for (Tensor p : model.parameters()) p.add_(p.grad(), -0.5f);
            }
            last = loss.item();
        }
        assertTrue(last < first * 0.5, "loss went from " + first + " to " + last);
        List<String> names = new ArrayList<>(model.stateDict().keySet());
        assertTrue(names.contains("1.weight_ih_l0") && names.contains("1.bias_hh_l0"), names.toString());
        assertTrue(model.toString().contains("(1): LSTM(8, 16, batch_first=True)"), model.toString());
        Module asModule = lstm;
        assertEquals("LSTM", asModule.name());
    }
}
