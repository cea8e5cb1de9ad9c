package dev.nabla.cli.config;

import dev.nabla.nn.Module;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.loss.Loss;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.schedule.LRSchedule;
import dev.nabla.optim.schedule.LRScheduler;
import dev.nabla.optim.schedule.SequentialLR;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Every registered layer, loss, optimizer and schedule builds from its config mapping with PyTorch's names. */
class RegistryTest {
    private static Args args(String flowMapping) {
        return new Args((Node.MapNode) ConfigParser.parse(flowMapping, "test", false), "x");
    }

    /** One config per layer type, with the repr PyTorch prints for the same arguments and the output shape for the input. */
    private record LayerCase(String yaml, String repr, int[] input, int[] output) {}

    private static final Map<String, LayerCase> LAYERS = new LinkedHashMap<>();

    static {
        LAYERS.put("Linear", new LayerCase("{type: Linear, in_features: 4, out_features: 3, bias: false}",
                "Linear(in_features=4, out_features=3, bias=False)", new int[] {2, 4}, new int[] {2, 3}));
        LAYERS.put("Conv2d", new LayerCase("{type: Conv2d, in_channels: 2, out_channels: 4, kernel_size: 3, stride: [1, 2], padding: 1}",
                "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 2), padding=(1, 1))", new int[] {1, 2, 6, 6}, new int[] {1, 4, 6, 3}));
        LAYERS.put("MaxPool2d", new LayerCase("{type: MaxPool2d, kernel_size: 2}",
                "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)", new int[] {1, 1, 4, 4}, new int[] {1, 1, 2, 2}));
        LAYERS.put("AvgPool2d", new LayerCase("{type: AvgPool2d, kernel_size: 2, stride: 1}",
                "AvgPool2d(kernel_size=2, stride=1, padding=0)", new int[] {1, 1, 4, 4}, new int[] {1, 1, 3, 3}));
        LAYERS.put("AdaptiveAvgPool2d", new LayerCase("{type: AdaptiveAvgPool2d, output_size: 1}",
                "AdaptiveAvgPool2d(output_size=1)", new int[] {1, 3, 4, 4}, new int[] {1, 3, 1, 1}));
        LAYERS.put("BatchNorm1d", new LayerCase("{type: BatchNorm1d, num_features: 3, momentum: null}",
                "BatchNorm1d(3, eps=1e-05, momentum=None, affine=True, track_running_stats=True)", new int[] {2, 3}, new int[] {2, 3}));
        LAYERS.put("BatchNorm2d", new LayerCase("{type: BatchNorm2d, num_features: 3, eps: 0.001, affine: false}",
                "BatchNorm2d(3, eps=0.001, momentum=0.1, affine=False, track_running_stats=True)", new int[] {1, 3, 2, 2}, new int[] {1, 3, 2, 2}));
        LAYERS.put("LayerNorm", new LayerCase("{type: LayerNorm, normalized_shape: 5}",
                "LayerNorm((5,), eps=1e-05, elementwise_affine=True)", new int[] {2, 5}, new int[] {2, 5}));
        LAYERS.put("Dropout", new LayerCase("{type: Dropout, p: 0.25}", "Dropout(p=0.25, inplace=False)", new int[] {2, 3}, new int[] {2, 3}));
        LAYERS.put("Embedding", new LayerCase("{type: Embedding, num_embeddings: 10, embedding_dim: 4, padding_idx: 0}",
                "Embedding(10, 4, padding_idx=0)", null, null));
        LAYERS.put("Flatten", new LayerCase("{type: Flatten, start_dim: 1}", "Flatten(start_dim=1, end_dim=-1)",
                new int[] {2, 3, 4}, new int[] {2, 12}));
        LAYERS.put("Identity", new LayerCase("{type: Identity}", "Identity()", new int[] {2, 3}, new int[] {2, 3}));
        LAYERS.put("ReLU", new LayerCase("{type: ReLU, inplace: false}", "ReLU()", new int[] {2, 3}, new int[] {2, 3}));
        LAYERS.put("LeakyReLU", new LayerCase("{type: LeakyReLU, negative_slope: 0.2}", "LeakyReLU(negative_slope=0.2)",
                new int[] {2, 3}, new int[] {2, 3}));
        LAYERS.put("GELU", new LayerCase("{type: GELU, approximate: tanh}", "GELU(approximate='tanh')", new int[] {2, 3}, new int[] {2, 3}));
        LAYERS.put("Sigmoid", new LayerCase("{type: Sigmoid}", "Sigmoid()", new int[] {2, 3}, new int[] {2, 3}));
        LAYERS.put("Tanh", new LayerCase("{type: Tanh}", "Tanh()", new int[] {2, 3}, new int[] {2, 3}));
        LAYERS.put("Softmax", new LayerCase("{type: Softmax, dim: 1}", "Softmax(dim=1)", new int[] {2, 3}, new int[] {2, 3}));
        LAYERS.put("LogSoftmax", new LayerCase("{type: LogSoftmax, dim: -1}", "LogSoftmax(dim=-1)", new int[] {2, 3}, new int[] {2, 3}));
        // recurrent layers in a Sequential pass on their output sequence
        LAYERS.put("RNN", new LayerCase("{type: RNN, input_size: 4, hidden_size: 6, nonlinearity: relu, batch_first: true}",
                "RNN(4, 6, batch_first=True)", new int[] {2, 5, 4}, new int[] {2, 5, 6}));
        LAYERS.put("LSTM", new LayerCase("{type: LSTM, input_size: 4, hidden_size: 6, num_layers: 2, dropout: 0.1, bidirectional: true}",
                "LSTM(4, 6, num_layers=2, dropout=0.1, bidirectional=True)", new int[] {5, 2, 4}, new int[] {5, 2, 12}));
        LAYERS.put("GRU", new LayerCase("{type: GRU, input_size: 4, hidden_size: 3, bias: false}", "GRU(4, 3, bias=False)",
                new int[] {5, 2, 4}, new int[] {5, 2, 3}));
        LAYERS.put("MultiheadAttention", new LayerCase("{type: MultiheadAttention, embed_dim: 8, num_heads: 2, batch_first: true}",
                "MultiheadAttention(\n  embed_dim=8, num_heads=2, dropout=0.0, batch_first=True\n"
                        + "  (out_proj): Linear(in_features=8, out_features=8, bias=True)\n)", new int[] {2, 5, 8}, new int[] {2, 5, 8}));
        LAYERS.put("TransformerEncoderLayer", new LayerCase("{type: TransformerEncoderLayer, d_model: 8, nhead: 2, dim_feedforward: 16, "
                + "dropout: 0.0, activation: gelu, batch_first: true, norm_first: true}", String.join("\n",
                "TransformerEncoderLayer(", "  activation=gelu, norm_first=True", "  (self_attn): MultiheadAttention(",
                "    embed_dim=8, num_heads=2, dropout=0.0, batch_first=True",
                "    (out_proj): Linear(in_features=8, out_features=8, bias=True)", "  )",
                "  (linear1): Linear(in_features=8, out_features=16, bias=True)", "  (dropout): Dropout(p=0.0, inplace=False)",
                "  (linear2): Linear(in_features=16, out_features=8, bias=True)",
                "  (norm1): LayerNorm((8,), eps=1e-05, elementwise_affine=True)",
                "  (norm2): LayerNorm((8,), eps=1e-05, elementwise_affine=True)", "  (dropout1): Dropout(p=0.0, inplace=False)",
                "  (dropout2): Dropout(p=0.0, inplace=False)", ")"), new int[] {2, 5, 8}, new int[] {2, 5, 8}));
    }

    @Test
    void everyLayerTypeIsCoveredAndBuildsWithItsArguments() {
        assertEquals(Registry.layerTypes(), LAYERS.keySet(), "each registered layer needs a case here");
        for (var e : LAYERS.entrySet()) {
            LayerCase c = e.getValue();
            Module m = Registry.layer(args(c.yaml()), new Generator(0));
            assertEquals(e.getKey(), m.name());
            assertEquals(c.repr(), m.toString(), e.getKey());
            if (c.input() != null)
                assertArrayEquals(c.output(), m.eval().forward(Tensor.zeros(c.input())).shape(), e.getKey());
        }
        Module emb = Registry.layer(args(LAYERS.get("Embedding").yaml()), new Generator(0));
        assertArrayEquals(new int[] {2, 4}, emb.forward(Tensor.ofLongs(new long[] {1, 2}, 2)).shape());
    }

    @Test
    void layersDrawFromTheGeneratorLikeTheDirectConstructor() {
        Linear direct = new Linear(4, 3, true, new Generator(7));
        Module fromConfig = Registry.layer(args("{type: Linear, in_features: 4, out_features: 3}"), new Generator(7));
        assertArrayEquals(direct.weight().toFloatArray(), fromConfig.namedParameters().get("weight").toFloatArray());
        assertArrayEquals(direct.bias().toFloatArray(), fromConfig.namedParameters().get("bias").toFloatArray());
    }

    @Test
    void everyLossTypeBuildsAndComputes() {
        Tensor logits = Tensor.of(new float[] {2, 0, -1, 0.5f, 1, 0}, 2, 3);
        Tensor classes = Tensor.ofLongs(new long[] {0, 2}, 2);
        Tensor probs = Tensor.of(new float[] {0.2f, 0.7f, 0.1f, 0.6f, 0.3f, 0.1f}, 2, 3);
        Map<String, Object[]> cases = new LinkedHashMap<>();
        cases.put("CrossEntropyLoss", new Object[] {"{type: CrossEntropyLoss, label_smoothing: 0.0}", logits, classes});
        cases.put("NLLLoss", new Object[] {"{type: NLLLoss, weight: [1, 1, 1]}", logits.logSoftmax(1), classes});
        cases.put("MSELoss", new Object[] {"{type: MSELoss, reduction: sum}", logits, probs});
        cases.put("L1Loss", new Object[] {"{type: L1Loss}", logits, probs});
        cases.put("HuberLoss", new Object[] {"{type: HuberLoss, delta: 0.5}", logits, probs});
        cases.put("BCELoss", new Object[] {"{type: BCELoss}", probs, probs});
        cases.put("BCEWithLogitsLoss", new Object[] {"{type: BCEWithLogitsLoss, pos_weight: [1, 2, 3]}", logits, probs});
        cases.put("KLDivLoss", new Object[] {"{type: KLDivLoss, reduction: batchmean}", logits.logSoftmax(1), probs});
        assertEquals(Registry.lossTypes(), cases.keySet(), "each registered loss needs a case here");
        for (var e : cases.entrySet()) {
            Loss l = Registry.loss(args((String) e.getValue()[0]));
            assertEquals(e.getKey(), l.name());
            float v = l.forward((Tensor) e.getValue()[1], (Tensor) e.getValue()[2]).item();
            assertTrue(Float.isFinite(v), e.getKey() + " gave " + v);
        }
        // CE against PyTorch's value: F.cross_entropy(logits, [0, 2]) = 0.9250579
        assertEquals(0.9250579, Registry.loss(args("{type: CrossEntropyLoss}")).forward(logits, classes).item(), 1e-4);
        float sum = Registry.loss(args("{type: MSELoss, reduction: sum}")).forward(logits, probs).item();
        float mean = Registry.loss(args("{type: MSELoss}")).forward(logits, probs).item();
        assertEquals(sum / 6, mean, 1e-5);
        ConfigException bad = assertThrows(ConfigException.class, () -> Registry.loss(args("{type: MSELoss, reduction: avg}")));
        assertTrue(bad.getMessage().contains("x.reduction: must be 'none', 'mean' or 'sum', got 'avg'"), bad.getMessage());
    }

    @Test
    void recurrentAndAttentionLayersRejectWhatIsNotSupported() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Registry.layer(args("{type: LSTM, input_size: 4, hidden_size: 6, proj_size: 3}"), new Generator(0)));
        assertTrue(e.getMessage().contains("x.proj_size: is not supported (only 0)"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> Registry.layer(args("{type: MultiheadAttention, embed_dim: 8, num_heads: 2, kdim: 4}"), new Generator(0)));
        assertTrue(e.getMessage().contains("x.kdim: must equal embed_dim (8), got 4"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> Registry.layer(args("{type: RNN, input_size: 4, hidden_size: 6, nonlinearity: sigmoid}"), new Generator(0)));
        assertTrue(e.getMessage().contains("RNN: unknown nonlinearity 'sigmoid'"), e.getMessage());
    }

    @Test
    void classIndexLossesTakeSequenceOutputsWithClassesLast() {
        Generator g = new Generator(3);
        Tensor logits = Tensor.randn(g, 2, 5, 7), targets = Tensor.randint(g, 0, 7, 2, 5);
        // reference: the flattened positions, as a language model's loss is computed in PyTorch
        float flat = Registry.loss(args("{type: CrossEntropyLoss}")).forward(logits.reshape(10, 7), targets.reshape(10)).item();
        assertEquals(flat, Registry.loss(args("{type: CrossEntropyLoss}")).forward(logits, targets).item(), 1e-6);
        assertEquals(flat, Registry.loss(args("{type: CrossEntropyLoss, sequence: true}")).forward(logits, targets).item(), 1e-6);
        Tensor none = Registry.loss(args("{type: CrossEntropyLoss, reduction: none}")).forward(logits, targets);
        assertArrayEquals(new int[] {2, 5}, none.shape());
        assertEquals(flat, none.mean().item(), 1e-6);
        float nll = Registry.loss(args("{type: NLLLoss}")).forward(logits.logSoftmax(2), targets).item();
        assertEquals(flat, nll, 1e-5);
        // PyTorch's own layout [N, C, d] still works, and sequence: false keeps it
        Tensor pt = logits.transpose(1, 2).contiguous(); // [2, 7, 5]
        assertEquals(flat, Registry.loss(args("{type: CrossEntropyLoss}")).forward(pt, targets).item(), 1e-6);
        assertThrows(ConfigException.class, () -> Registry.loss(args("{type: CrossEntropyLoss, sequence: maybe}")));
        Loss pytorchOnly = Registry.loss(args("{type: CrossEntropyLoss, sequence: false}"));
        assertThrows(IllegalArgumentException.class, () -> pytorchOnly.forward(logits, targets));
        // T = C is ambiguous: auto keeps PyTorch's [N, C, d] unless the model reads token ids
        Tensor square = Tensor.randn(g, 2, 4, 4), t2 = Tensor.randint(g, 0, 4, 2, 4);
        float asPyTorch = Registry.loss(args("{type: CrossEntropyLoss, sequence: false}")).forward(square, t2).item();
        float asSequence = Registry.loss(args("{type: CrossEntropyLoss, sequence: true}")).forward(square, t2).item();
        assertNotEquals(asPyTorch, asSequence);
        SequenceLoss auto = (SequenceLoss) Registry.loss(args("{type: CrossEntropyLoss}"));
        assertEquals(asPyTorch, auto.forward(square, t2).item(), 1e-6);
        assertEquals(asSequence, auto.preferringSequences().forward(square, t2).item(), 1e-6);
    }

    @Test
    void everyOptimizerTypeBuildsWithItsHyperParameters() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("SGD", "{type: SGD, lr: 0.1, momentum: 0.9, nesterov: true}");
        cases.put("GD", "{type: GD, lr: 0.5}");
        cases.put("Adam", "{type: Adam, lr: 0.002, betas: [0.8, 0.99], amsgrad: true}");
        cases.put("AdamW", "{type: AdamW, weight_decay: 0.05}");
        cases.put("Adagrad", "{type: Adagrad, lr_decay: 0.01}");
        cases.put("RMSprop", "{type: RMSprop, alpha: 0.9, centered: true}");
        assertEquals(Registry.optimizerTypes(), cases.keySet(), "each registered optimizer needs a case here");
        List<Tensor> params = List.of(Tensor.zeros(3).requiresGrad(true));
        Map<String, Map<String, Object>> expect = Map.of(
                "SGD", Map.of("lr", 0.1, "momentum", 0.9, "nesterov", true),
                "GD", Map.of("lr", 0.5, "momentum", 0.0),
                "Adam", Map.of("lr", 0.002, "betas", List.of(0.8, 0.99), "amsgrad", true),
                "AdamW", Map.of("lr", 0.001, "weight_decay", 0.05),
                "Adagrad", Map.of("lr", 0.01, "lr_decay", 0.01),
                "RMSprop", Map.of("lr", 0.01, "alpha", 0.9, "centered", true));
        for (var e : cases.entrySet()) {
            Optimizer<?, ?> o = Registry.optimizer(args(e.getValue()), params);
            Map<String, Object> got = o.paramGroups().getFirst().options().toMap();
            for (var kv : expect.get(e.getKey()).entrySet()) {
                Object g = got.get(kv.getKey());
                if (kv.getValue() instanceof Double d) assertEquals(d, ((Number) g).doubleValue(), 1e-12, e.getKey() + "." + kv.getKey());
                else if (kv.getValue() instanceof List<?> l)
                    assertEquals(l, ((List<?>) g).stream().map(x -> ((Number) x).doubleValue()).toList(), e.getKey());
                else assertEquals(kv.getValue(), g, e.getKey() + "." + kv.getKey());
            }
        }
    }

    @Test
    void everyScheduleTypeBuildsAndFollowsPyTorchsRule() {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("StepLR", "{type: StepLR, step_size: 2, gamma: 0.5}");
        cases.put("MultiStepLR", "{type: MultiStepLR, milestones: [1, 3]}");
        cases.put("ExponentialLR", "{type: ExponentialLR, gamma: 0.9}");
        cases.put("CosineAnnealingLR", "{type: CosineAnnealingLR, T_max: 4, eta_min: 0.0}");
        cases.put("LinearLR", "{type: LinearLR, start_factor: 0.5, total_iters: 2}");
        cases.put("ConstantLR", "{type: ConstantLR, factor: 0.5, total_iters: 2}");
        cases.put("SequentialLR", "{type: SequentialLR, schedulers: [{type: ConstantLR, factor: 0.1, total_iters: 1},"
                + " {type: ExponentialLR, gamma: 0.5}], milestones: [2]}");
        cases.put("ReduceLROnPlateau", "{type: ReduceLROnPlateau, patience: 0, factor: 0.5, monitor: loss}");
        assertEquals(Registry.scheduleTypes(), cases.keySet(), "each registered schedule needs a case here");
        // lr after 0..4 epoch steps from lr 1, as PyTorch 1.13 computes them
        Map<String, double[]> expect = Map.of(
                "StepLR", new double[] {1, 1, 0.5, 0.5, 0.25},
                "MultiStepLR", new double[] {1, 0.1, 0.1, 0.01, 0.01},
                "ExponentialLR", new double[] {1, 0.9, 0.81, 0.729, 0.6561},
                "CosineAnnealingLR", new double[] {1, 0.853553, 0.5, 0.146447, 0},
                "LinearLR", new double[] {0.5, 0.75, 1, 1, 1},
                "ConstantLR", new double[] {0.5, 0.5, 1, 1, 1},
                "SequentialLR", new double[] {0.1, 1, 1, 0.5, 0.25});
        for (var e : cases.entrySet()) {
            Optimizer<?, ?> o = Registry.optimizer(args("{type: SGD, lr: 1.0}"), List.of(Tensor.zeros(2).requiresGrad(true)));
            LRSchedule s = Registry.schedule(args(e.getValue()), o);
            assertEquals(e.getKey(), s.getClass().getSimpleName());
            if (!(s instanceof LRScheduler ls)) continue;
            double[] want = expect.get(e.getKey());
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], o.paramGroups().getFirst().lr(), 1e-6, e.getKey() + " after " + i + " steps");
                ls.step();
            }
        }
    }

    @Test
    void warmupWrapsAScheduleInSequentialLR() {
        Optimizer<?, ?> o = Registry.optimizer(args("{type: SGD, lr: 1.0}"), List.of(Tensor.zeros(2).requiresGrad(true)));
        LRSchedule s = Registry.schedule(args("{type: ExponentialLR, gamma: 0.5, warmup: {epochs: 2, start_factor: 0.25}}"), o);
        assertInstanceOf(SequentialLR.class, s);
        double[] want = {0.25, 0.625, 1, 0.5, 0.25};
        for (double w : want) {
            assertEquals(w, o.paramGroups().getFirst().lr(), 1e-9);
            ((LRScheduler) s).step();
        }
        ConfigException e = assertThrows(ConfigException.class,
                () -> Registry.schedule(args("{type: StepLR, step_size: 1, warmup: {epoch: 2}}"), o));
        assertTrue(e.getMessage().contains("x.warmup.epoch: unknown key (did you mean 'epochs'?)"), e.getMessage());
    }
}
