package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.nn.models.GPT;
import dev.nabla.nn.models.GPTConfig;
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
import static org.junit.jupiter.api.Assertions.fail;

/**
 * MultiheadAttention, TransformerEncoderLayer, positional encodings and GPT against PyTorch 1.13
 * (oracle/gen_attention.py): each case loads PyTorch's state dict with {@code loadStateDict(strict=true)} and compares
 * the outputs (and attention weights), the input gradients and every parameter's gradient.
 */
class AttentionOracleTest {
    private static final double ATOL = 2e-5, RTOL = 2e-4;

    /** The attention kernel every case runs through ({@link FlashAttentionOracleTest} runs them all block-wise). */
    Attention.Kernel kernel() {
        return Attention.Kernel.MATERIALISED;
    }

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        Oracle oracle = Oracle.load("attention");
        return oracle.cases().stream().map(c -> DynamicTest.dynamicTest(c.name() + " (" + c.op() + ")", () -> {
            Attention.Kernel old = Attention.useKernel(kernel());
            try {
                run(c);
            } finally {
                Attention.useKernel(old);
            }
        }));
    }

    private static void run(Case c) {
        if (c.op().equals("gpt")) {
            runGpt(c);
            return;
        }
        Generator g = new Generator(3);
        Tensor kpm = c.has("kpm") ? c.expected("kpm") : null, mask = c.has("mask") ? c.expected("mask") : null;
        Tensor[] in = c.inputs();
        Module m;
        Tensor out, weights = null;
        switch (c.op()) {
            case "mha" -> {
                var mha = new MultiheadAttention(c.integer("embed_dim"), c.integer("num_heads"), 0f, c.flag("bias"),
                        c.flag("batch_first"), g);
                m = load(mha, c);
                Tensor q = in[0], k = c.flag("self") ? in[0] : in[1], v = c.flag("self") ? in[0] : in[2];
                var res = mha.forward(q, k, v, kpm, c.flag("need_weights"), mask, c.flag("average"), c.flag("causal"));
                out = res.output();
                weights = res.weights();
                if (!c.flag("need_weights")) assertNull(weights, c.name() + ": weights without need_weights");
            }
            case "encoder" -> {
                var enc = new TransformerEncoderLayer(c.integer("d_model"), c.integer("nhead"), c.integer("dim_feedforward"),
                        0f, (String) c.args().get("activation"), 1e-5, c.flag("batch_first"), c.flag("norm_first"), g);
                m = load(enc, c);
                out = enc.forward(in[0], mask, kpm, c.flag("causal"));
            }
            case "sinusoidal" -> {
                m = load(new SinusoidalPositionalEncoding(c.integer("d_model"), c.integer("max_len"), c.flag("batch_first")), c);
                out = m.forward(in[0]);
            }
            case "learned" -> {
                m = load(new LearnedPositionalEncoding(c.integer("max_len"), c.integer("d_model"), c.flag("batch_first"), g), c);
                out = m.forward(in[0]);
            }
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        }
        Oracle.assertClose(c.name() + " output", c.expected("out"), out, ATOL, RTOL);
        Tensor total = out.mul(c.expected("w")).sum();
        if (c.has("weights")) {
            assertNotNull(weights, c.name() + ": no attention weights");
            Oracle.assertClose(c.name() + " weights", c.expected("weights"), weights, ATOL, RTOL);
            total = total.add(weights.mul(c.expected("w_weights")).sum());
        }
        total.backward();
        for (int i = 0; i < in.length; i++) {
            if (!c.has("grad" + i)) continue;
            assertNotNull(in[i].grad(), c.name() + ": input " + i + " got no gradient");
            Oracle.assertClose(c.name() + " grad of input " + i, c.expected("grad" + i), in[i].grad(), ATOL, RTOL);
        }
        checkParameterGrads(c, m, ATOL, RTOL);
    }

    private static void runGpt(Case c) {
        var a = c.args();
        var cfg = new GPTConfig(c.integer("vocab_size"), c.integer("block_size"), c.integer("n_layer"), c.integer("n_head"),
                c.integer("n_embd"), c.num("dropout"), c.flag("bias"), c.flag("tie_weights"));
        GPT gpt = new GPT(cfg, new Generator(5));
        load(gpt, c);
        assertEquals(a.get("tie_weights"), gpt.stateDict().get("lm_head.weight") != null
                && gpt.namedParameters().get("lm_head.weight") == null, c.name() + ": tied head listed once");
        Tensor idx = c.in(0), targets = c.expected("targets");
        Oracle.assertClose(c.name() + " logits", c.expected("out"), gpt.forward(idx), ATOL, RTOL);
        Tensor loss = gpt.loss(idx, targets);
        Oracle.assertClose(c.name() + " loss", c.expected("loss"), loss, 1e-5, 1e-5);
        loss.backward();
        checkParameterGrads(c, gpt, 2e-6, 2e-3);
    }

    private static Module load(Module m, Case c) {
        m.eval();
        m.loadStateDict(prefixed(c, "sd/"), true);
        return m;
    }

    private static void checkParameterGrads(Case c, Module m, double atol, double rtol) {
        Map<String, Tensor> pgrads = prefixed(c, "pgrad/");
        for (var e : m.namedParameters().entrySet()) {
            Tensor expected = pgrads.get(e.getKey());
            if (expected == null) fail(c.name() + ": PyTorch recorded no gradient for parameter " + e.getKey());
            assertNotNull(e.getValue().grad(), c.name() + ": parameter " + e.getKey() + " got no gradient");
            Oracle.assertClose(c.name() + " grad of " + e.getKey(), expected, e.getValue().grad(), atol, rtol);
        }
        assertEquals(pgrads.keySet(), m.namedParameters().keySet(), c.name() + ": parameter names");
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
