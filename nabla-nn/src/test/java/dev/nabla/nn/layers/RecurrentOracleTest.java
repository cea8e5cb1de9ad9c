package dev.nabla.nn.layers;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import dev.nabla.testing.Oracle;
import dev.nabla.testing.Oracle.Case;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * RNN (tanh, relu), LSTM and GRU against PyTorch (oracle/gen_rnn.py): PyTorch's state dict is loaded with
 * {@code loadStateDict(strict=true)}, then the output sequence, the final states, the gradients of
 * sum(out·w) + sum(h·wh) (+ sum(c·wc)) with respect to the input, h0, c0 and every parameter are compared.
 */
class RecurrentOracleTest {
    private static final double ATOL = 2e-5, RTOL = 2e-4;

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        return Oracle.load("rnn").cases().stream()
                .map(c -> DynamicTest.dynamicTest(c.name() + " (" + c.op() + ")", () -> run(c)));
    }

    static RNNBase build(Case c) {
        Generator g = new Generator(11);
        int in = c.integer("input_size"), h = c.integer("hidden_size"), layers = c.integer("num_layers");
        boolean bias = c.flag("bias"), bf = c.flag("batch_first"), bi = c.flag("bidirectional");
        float p = (float) c.num("dropout");
        String mode = (String) c.args().get("mode");
        return switch (mode) {
            case "rnn_tanh" -> new RNN(in, h, layers, "tanh", bias, bf, p, bi, g);
            case "rnn_relu" -> new RNN(in, h, layers, "relu", bias, bf, p, bi, g);
            case "lstm" -> new LSTM(in, h, layers, bias, bf, p, bi, g);
            case "gru" -> new GRU(in, h, layers, bias, bf, p, bi, g);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
    }

    private static void run(Case c) {
        RNNBase m = build(c);
        m.loadStateDict(prefixed(c, "sd/"), true);
        m.train(c.flag("training"));
        Tensor[] in = c.inputs();
        boolean lstm = m instanceof LSTM;
        assertEquals(c.flag("h0") ? (lstm ? 3 : 2) : 1, in.length, c.name() + ": recorded inputs");
        RnnOutput res = c.flag("h0") ? m.forward(in[0], in[1], lstm ? in[2] : null) : m.forward(in[0], null, null);
        Oracle.assertClose(c.name() + " output", c.expected("out"), res.output(), ATOL, RTOL);
        Oracle.assertClose(c.name() + " h_n", c.expected("h"), res.h(), ATOL, RTOL);
        if (lstm) Oracle.assertClose(c.name() + " c_n", c.expected("c"), res.c(), ATOL, RTOL);
        else assertNull(res.c(), c.name() + ": only the LSTM has a cell state");

        Tensor loss = res.output().mul(c.expected("w")).sum().add(res.h().mul(c.expected("wh")).sum());
        if (lstm) loss = loss.add(res.c().mul(c.expected("wc")).sum());
        loss.backward();
        for (int i = 0; i < in.length; i++) {
            assertNotNull(in[i].grad(), c.name() + ": input " + i + " got no gradient");
            Oracle.assertClose(c.name() + " grad of input " + i, c.expected("grad" + i), in[i].grad(), ATOL, RTOL);
        }
        Map<String, Tensor> pgrads = prefixed(c, "pgrad/");
        assertEquals(pgrads.keySet(), m.namedParameters().keySet(), c.name() + ": parameter names and order");
        for (var e : m.namedParameters().entrySet()) {
            assertNotNull(e.getValue().grad(), c.name() + ": parameter " + e.getKey() + " got no gradient");
            Oracle.assertClose(c.name() + " grad of " + e.getKey(), pgrads.get(e.getKey()), e.getValue().grad(), ATOL, RTOL);
        }
        // and back: Nabla's state dict is PyTorch's
        Map<String, Tensor> sd = prefixed(c, "sd/");
        LinkedHashMap<String, Tensor> own = m.stateDict();
        assertEquals(sd.keySet(), own.keySet(), c.name() + ": state dict keys");
        for (var e : sd.entrySet()) Oracle.assertClose(c.name() + " state " + e.getKey(), e.getValue(), own.get(e.getKey()), 0, 0);
    }

    private static Map<String, Tensor> prefixed(Case c, String what) {
        String prefix = c.name() + "/" + what;
        Map<String, Tensor> out = new LinkedHashMap<>();
        c.file().tensors().forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
        });
        return out;
    }
}
