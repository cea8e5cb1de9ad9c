package dev.nabla.nn;

import dev.nabla.nn.layers.AdaptiveAvgPool2d;
import dev.nabla.nn.layers.AvgPool2d;
import dev.nabla.nn.layers.BatchNorm1d;
import dev.nabla.nn.layers.BatchNorm2d;
import dev.nabla.nn.layers.Conv2d;
import dev.nabla.nn.layers.Dropout;
import dev.nabla.nn.layers.Embedding;
import dev.nabla.nn.layers.Flatten;
import dev.nabla.nn.layers.GELU;
import dev.nabla.nn.layers.Identity;
import dev.nabla.nn.layers.LayerNorm;
import dev.nabla.nn.layers.LeakyReLU;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.layers.LogSoftmax;
import dev.nabla.nn.layers.MaxPool2d;
import dev.nabla.nn.layers.ReLU;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.nn.layers.Sigmoid;
import dev.nabla.nn.layers.Softmax;
import dev.nabla.nn.layers.Tanh;
import dev.nabla.nn.loss.BCELoss;
import dev.nabla.nn.loss.BCEWithLogitsLoss;
import dev.nabla.nn.loss.CrossEntropyLoss;
import dev.nabla.nn.loss.HuberLoss;
import dev.nabla.nn.loss.KLDivLoss;
import dev.nabla.nn.loss.L1Loss;
import dev.nabla.nn.loss.Loss;
import dev.nabla.nn.loss.MSELoss;
import dev.nabla.nn.loss.NLLLoss;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import dev.nabla.testing.Oracle;
import dev.nabla.testing.Oracle.Case;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Layers and losses against PyTorch (oracle/gen_nn.py): each case builds the Nabla module from the recorded
 * constructor arguments, loads PyTorch's state dict with {@code loadStateDict(strict=true)}, runs the recorded
 * training-mode steps, then the forward and backward, and compares the output, the input gradients, every
 * parameter's gradient and the state dict afterwards (BatchNorm's running statistics).
 */
class NnOracleTest {
    private static final double ATOL = 2e-5, RTOL = 2e-4;

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        Oracle oracle = Oracle.load("nn");
        return oracle.cases().stream().map(c -> DynamicTest.dynamicTest(c.name() + " (" + c.op() + ")", () -> run(c)));
    }

    private static void run(Case c) {
        Module m = build(c);
        m.loadStateDict(prefixed(c, "sd/"), true);
        Tensor[] in = c.inputs();
        int steps = c.integer("steps");
        m.train();
        for (int i = 0; i < steps; i++) m.forward(in[i].detach());
        m.train(c.flag("training"));
        Tensor[] rest = Arrays.copyOfRange(in, steps, in.length);
        for (int i = 0; i < rest.length; i++) if (!c.has("grad" + (i + steps))) rest[i] = rest[i].detach();
        Tensor out = m.forward(rest);
        Oracle.assertClose(c.name() + " output", c.expected("out"), out, ATOL, RTOL);
        if (c.has("w")) {
            out.backward(c.expected("w"));
            for (int i = steps; i < in.length; i++) {
                if (!c.has("grad" + i)) continue;
                assertNotNull(in[i].grad(), c.name() + ": input " + i + " got no gradient");
                Oracle.assertClose(c.name() + " grad of input " + i, c.expected("grad" + i), in[i].grad(), ATOL, RTOL);
            }
            Map<String, Tensor> pgrads = prefixed(c, "pgrad/");
            for (var e : m.namedParameters().entrySet()) {
                Tensor expected = pgrads.get(e.getKey());
                if (expected == null) fail(c.name() + ": PyTorch recorded no gradient for parameter " + e.getKey());
                assertNotNull(e.getValue().grad(), c.name() + ": parameter " + e.getKey() + " got no gradient");
                Oracle.assertClose(c.name() + " grad of " + e.getKey(), expected, e.getValue().grad(), ATOL, RTOL);
            }
            assertEquals(pgrads.keySet(), m.namedParameters().keySet(), c.name() + ": parameter names");
        }
        Map<String, Tensor> post = prefixed(c, "post/");
        LinkedHashMap<String, Tensor> sd = m.stateDict();
        assertEquals(post.keySet(), sd.keySet(), c.name() + ": state dict keys");
        for (var e : post.entrySet())
            Oracle.assertClose(c.name() + " state " + e.getKey() + " after", e.getValue(), sd.get(e.getKey()), ATOL, RTOL);
    }

    private static Map<String, Tensor> prefixed(Case c, String what) {
        String prefix = c.name() + "/" + what;
        Map<String, Tensor> out = new LinkedHashMap<>();
        c.file().tensors().forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
        });
        return out;
    }

    /** The Nabla module for a case; parameters get overwritten by the state dict. */
    static Module build(Case c) {
        Generator g = new Generator(7);
        return switch (c.op()) {
            case "linear" -> new Linear(c.integer("in_features"), c.integer("out_features"), c.flag("bias"), g);
            case "conv2d" -> new Conv2d(c.integer("in_channels"), c.integer("out_channels"), c.ints("kernel_size"),
                    c.ints("stride"), c.ints("padding"), c.ints("dilation"), c.integer("groups"), c.flag("bias"), g);
            case "maxpool2d" -> new MaxPool2d(c.ints("kernel_size"), c.ints("stride"), c.ints("padding"),
                    c.ints("dilation"), c.flag("ceil_mode"));
            case "avgpool2d" -> new AvgPool2d(c.ints("kernel_size"), c.ints("stride"), c.ints("padding"),
                    c.flag("ceil_mode"), c.flag("count_include_pad"));
            case "adaptive_avgpool2d" -> new AdaptiveAvgPool2d(c.ints("output_size"));
            case "flatten" -> new Flatten(c.integer("start_dim"), c.integer("end_dim"));
            case "dropout" -> new Dropout((float) c.num("p"), g);
            case "batchnorm1d" -> new BatchNorm1d(c.integer("num_features"), c.num("eps"), momentum(c),
                    c.flag("affine"), c.flag("track_running_stats"));
            case "batchnorm2d" -> new BatchNorm2d(c.integer("num_features"), c.num("eps"), momentum(c),
                    c.flag("affine"), c.flag("track_running_stats"));
            case "layernorm" -> new LayerNorm(c.ints("normalized_shape"), c.num("eps"), c.flag("elementwise_affine"));
            case "embedding" -> new Embedding(c.integer("num_embeddings"), c.integer("embedding_dim"),
                    c.args().get("padding_idx") == null ? null : c.integer("padding_idx"), g);
            case "relu" -> new ReLU();
            case "leaky_relu" -> new LeakyReLU((float) c.num("negative_slope"));
            case "gelu" -> new GELU((String) c.args().get("approximate"));
            case "sigmoid" -> new Sigmoid();
            case "tanh" -> new Tanh();
            case "softmax" -> new Softmax(c.integer("dim"));
            case "log_softmax" -> new LogSoftmax(c.integer("dim"));
            case "identity" -> new Identity();
            case "mlp" -> new Sequential(new Linear(6, 5, g), new ReLU(), new Linear(5, 3, g));
            case "cnn" -> new Sequential(new Conv2d(1, 2, 3, 1, 1, g), new BatchNorm2d(2), new ReLU(), new MaxPool2d(2),
                    new Flatten(), new Linear(8, 3, g));
            default -> buildLoss(c);
        };
    }

    private static Double momentum(Case c) {
        return c.args().get("momentum") == null ? null : c.num("momentum");
    }

    private static Loss buildLoss(Case c) {
        String red = (String) c.args().get("reduction");
        Tensor weight = c.has("sd/weight") ? c.expected("sd/weight").clone() : null;
        Tensor posWeight = c.has("sd/pos_weight") ? c.expected("sd/pos_weight").clone() : null;
        long ignore = c.args().get("ignore_index") == null ? -100 : c.integer("ignore_index");
        float smoothing = c.args().get("label_smoothing") == null ? 0f : (float) c.num("label_smoothing");
        return switch (c.op()) {
            case "mse" -> new MSELoss(Loss.reduction(red));
            case "l1" -> new L1Loss(Loss.reduction(red));
            case "huber" -> new HuberLoss(Loss.reduction(red), (float) c.num("delta"));
            case "cross_entropy" -> new CrossEntropyLoss(weight, ignore, Loss.reduction(red), smoothing);
            case "nll" -> new NLLLoss(weight, ignore, Loss.reduction(red));
            case "bce" -> new BCELoss(weight, Loss.reduction(red));
            case "bce_logits" -> new BCEWithLogitsLoss(weight, Loss.reduction(red), posWeight);
            case "kldiv" -> new KLDivLoss(red, c.flag("log_target"));
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        };
    }
}
