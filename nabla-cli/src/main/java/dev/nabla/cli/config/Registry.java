package dev.nabla.cli.config;

import dev.nabla.nn.Module;
import dev.nabla.nn.layers.AdaptiveAvgPool2d;
import dev.nabla.nn.layers.AvgPool2d;
import dev.nabla.nn.layers.BatchNorm1d;
import dev.nabla.nn.layers.BatchNorm2d;
import dev.nabla.nn.layers.Conv2d;
import dev.nabla.nn.layers.Dropout;
import dev.nabla.nn.layers.Embedding;
import dev.nabla.nn.layers.Flatten;
import dev.nabla.nn.layers.GELU;
import dev.nabla.nn.layers.GRU;
import dev.nabla.nn.layers.LSTM;
import dev.nabla.nn.layers.MultiheadAttention;
import dev.nabla.nn.layers.RNN;
import dev.nabla.nn.layers.TransformerEncoderLayer;
import dev.nabla.nn.layers.Identity;
import dev.nabla.nn.layers.LayerNorm;
import dev.nabla.nn.layers.LeakyReLU;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.layers.LogSoftmax;
import dev.nabla.nn.layers.MaxPool2d;
import dev.nabla.nn.layers.ReLU;
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
import dev.nabla.optim.Adagrad;
import dev.nabla.optim.Adam;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.RMSprop;
import dev.nabla.optim.SGD;
import dev.nabla.optim.schedule.ConstantLR;
import dev.nabla.optim.schedule.CosineAnnealingLR;
import dev.nabla.optim.schedule.ExponentialLR;
import dev.nabla.optim.schedule.LRSchedule;
import dev.nabla.optim.schedule.LRScheduler;
import dev.nabla.optim.schedule.LinearLR;
import dev.nabla.optim.schedule.MultiStepLR;
import dev.nabla.optim.schedule.ReduceLROnPlateau;
import dev.nabla.optim.schedule.SequentialLR;
import dev.nabla.optim.schedule.StepLR;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Layers, losses, optimizers and LR schedules by PyTorch class name, built from config mappings whose other
 * keys are the class's argument names (snake_case) with PyTorch's defaults. Every error names the config line.
 */
public final class Registry {
    private Registry() {}

    /** Builds one kind of thing from its arguments and a context (a generator, the parameters, the optimizer). */
    @FunctionalInterface
    interface Factory<C, T> {
        T build(Args a, C context);
    }

    // ---------------------------------------------------------------- layers

    static final Map<String, Factory<Generator, Module>> LAYERS = new LinkedHashMap<>();

    static {
        LAYERS.put("Linear", (a, g) -> new Linear(a.requiredInt("in_features"), a.requiredInt("out_features"), a.bool("bias", true), g));
        LAYERS.put("Conv2d", (a, g) -> {
            int in = a.requiredInt("in_channels"), out = a.requiredInt("out_channels");
            int[] k = a.intTuple("kernel_size", 2, null);
            if (k == null) throw a.error("kernel_size", "required key is missing");
            int[] stride = a.intTuple("stride", 2, new int[] {1, 1}), padding = a.intTuple("padding", 2, new int[] {0, 0});
            int[] dilation = a.intTuple("dilation", 2, new int[] {1, 1});
            int groups = a.integer("groups", 1);
            boolean bias = a.bool("bias", true);
            String mode = a.str("padding_mode", "zeros");
            if (!mode.equals("zeros")) throw a.error("padding_mode", "only 'zeros' is supported, got '" + mode + "'");
            return new Conv2d(in, out, k, stride, padding, dilation, groups, bias, g);
        });
        LAYERS.put("MaxPool2d", (a, g) -> {
            int[] k = kernel(a);
            int[] stride = a.intTuple("stride", 2, null), padding = a.intTuple("padding", 2, new int[] {0, 0});
            int[] dilation = a.intTuple("dilation", 2, new int[] {1, 1});
            if (a.bool("return_indices", false)) throw a.error("return_indices", "is not supported in a Sequential");
            return new MaxPool2d(k, stride, padding, dilation, a.bool("ceil_mode", false));
        });
        LAYERS.put("AvgPool2d", (a, g) -> {
            int[] k = kernel(a);
            int[] stride = a.intTuple("stride", 2, null), padding = a.intTuple("padding", 2, new int[] {0, 0});
            boolean ceil = a.bool("ceil_mode", false), countPad = a.bool("count_include_pad", true);
            if (a.has("divisor_override")) throw a.error("divisor_override", "is not supported");
            return new AvgPool2d(k, stride, padding, ceil, countPad);
        });
        LAYERS.put("AdaptiveAvgPool2d", (a, g) -> {
            int[] size = a.intTuple("output_size", 2, null);
            if (size == null) throw a.error("output_size", "required key is missing");
            return new AdaptiveAvgPool2d(size);
        });
        LAYERS.put("BatchNorm1d", (a, g) -> new BatchNorm1d(a.requiredInt("num_features"), a.num("eps", 1e-5), momentum(a),
                a.bool("affine", true), a.bool("track_running_stats", true)));
        LAYERS.put("BatchNorm2d", (a, g) -> new BatchNorm2d(a.requiredInt("num_features"), a.num("eps", 1e-5), momentum(a),
                a.bool("affine", true), a.bool("track_running_stats", true)));
        LAYERS.put("LayerNorm", (a, g) -> {
            int[] shape = a.intList("normalized_shape", null);
            if (shape == null) throw a.error("normalized_shape", "required key is missing");
            return new LayerNorm(shape, a.num("eps", 1e-5), a.bool("elementwise_affine", true));
        });
        LAYERS.put("Dropout", (a, g) -> {
            a.bool("inplace", false);
            return new Dropout((float) a.num("p", 0.5));
        });
        LAYERS.put("Embedding", (a, g) -> new Embedding(a.requiredInt("num_embeddings"), a.requiredInt("embedding_dim"),
                a.optInt("padding_idx"), g));
        LAYERS.put("Flatten", (a, g) -> new Flatten(a.integer("start_dim", 1), a.integer("end_dim", -1)));
        LAYERS.put("Identity", (a, g) -> new Identity());
        LAYERS.put("ReLU", (a, g) -> {
            a.bool("inplace", false);
            return new ReLU();
        });
        LAYERS.put("LeakyReLU", (a, g) -> {
            a.bool("inplace", false);
            return new LeakyReLU((float) a.num("negative_slope", 0.01));
        });
        LAYERS.put("GELU", (a, g) -> new GELU(a.str("approximate", "none")));
        LAYERS.put("Sigmoid", (a, g) -> new Sigmoid());
        LAYERS.put("Tanh", (a, g) -> new Tanh());
        LAYERS.put("Softmax", (a, g) -> new Softmax(a.requiredInt("dim")));
        LAYERS.put("LogSoftmax", (a, g) -> new LogSoftmax(a.requiredInt("dim")));
        // recurrent layers: inside a Sequential they pass on their output sequence (the final states are dropped)
        LAYERS.put("RNN", (a, g) -> new RNN(a.requiredInt("input_size"), a.requiredInt("hidden_size"), a.integer("num_layers", 1),
                a.str("nonlinearity", "tanh"), a.bool("bias", true), a.bool("batch_first", false), (float) a.num("dropout", 0),
                a.bool("bidirectional", false), g));
        LAYERS.put("LSTM", (a, g) -> {
            if (a.integer("proj_size", 0) != 0) throw a.error("proj_size", "is not supported (only 0)");
            return new LSTM(a.requiredInt("input_size"), a.requiredInt("hidden_size"), a.integer("num_layers", 1), a.bool("bias", true),
                    a.bool("batch_first", false), (float) a.num("dropout", 0), a.bool("bidirectional", false), g);
        });
        LAYERS.put("GRU", (a, g) -> new GRU(a.requiredInt("input_size"), a.requiredInt("hidden_size"), a.integer("num_layers", 1),
                a.bool("bias", true), a.bool("batch_first", false), (float) a.num("dropout", 0), a.bool("bidirectional", false), g));
        LAYERS.put("MultiheadAttention", (a, g) -> {
            int e = a.requiredInt("embed_dim");
            if (a.bool("add_bias_kv", false)) throw a.error("add_bias_kv", "is not supported");
            if (a.bool("add_zero_attn", false)) throw a.error("add_zero_attn", "is not supported");
            for (String k : List.of("kdim", "vdim")) {
                Integer d = a.optInt(k);
                if (d != null && d != e) throw a.error(k, "must equal embed_dim (" + e + "), got " + d);
            }
            return new MultiheadAttention(e, a.requiredInt("num_heads"), (float) a.num("dropout", 0), a.bool("bias", true),
                    a.bool("batch_first", false), g);
        });
        LAYERS.put("TransformerEncoderLayer", (a, g) -> new TransformerEncoderLayer(a.requiredInt("d_model"), a.requiredInt("nhead"),
                a.integer("dim_feedforward", 2048), (float) a.num("dropout", 0.1), a.str("activation", "relu"),
                a.num("layer_norm_eps", 1e-5), a.bool("batch_first", false), a.bool("norm_first", false), g));
    }

    private static int[] kernel(Args a) {
        int[] k = a.intTuple("kernel_size", 2, null);
        if (k == null) throw a.error("kernel_size", "required key is missing");
        return k;
    }

    /** BatchNorm's momentum: 0.1 by default; null means a cumulative moving average, as in PyTorch. */
    private static Double momentum(Args a) {
        if (!a.node().entries().containsKey("momentum")) {
            a.allow("momentum");
            return 0.1;
        }
        return a.optNum("momentum");
    }

    /** A layer from {@code {type: Linear, in_features: 4, ...}}. */
    public static Module layer(Args a, Generator gen) {
        return build("layer", LAYERS, a, gen);
    }

    public static Set<String> layerTypes() { return LAYERS.keySet(); }

    // ---------------------------------------------------------------- losses

    static final Map<String, Factory<Void, Loss>> LOSSES = new LinkedHashMap<>();

    static {
        LOSSES.put("CrossEntropyLoss", (a, c) -> new SequenceLoss(new CrossEntropyLoss(weight(a, "weight"),
                a.optLong("ignore_index") == null ? -100 : a.optLong("ignore_index"), reduction(a), (float) a.num("label_smoothing", 0)),
                sequence(a), false));
        LOSSES.put("NLLLoss", (a, c) -> new SequenceLoss(new NLLLoss(weight(a, "weight"), a.optLong("ignore_index") == null ? -100
                : a.optLong("ignore_index"), reduction(a)), sequence(a), false));
        LOSSES.put("MSELoss", (a, c) -> new MSELoss(reduction(a)));
        LOSSES.put("L1Loss", (a, c) -> new L1Loss(reduction(a)));
        LOSSES.put("HuberLoss", (a, c) -> new HuberLoss(reduction(a), (float) a.num("delta", 1.0)));
        LOSSES.put("BCELoss", (a, c) -> new BCELoss(weight(a, "weight"), reduction(a)));
        LOSSES.put("BCEWithLogitsLoss", (a, c) -> new BCEWithLogitsLoss(weight(a, "weight"), reduction(a), weight(a, "pos_weight")));
        LOSSES.put("KLDivLoss", (a, c) -> new KLDivLoss(a.str("reduction", "mean"), a.bool("log_target", false)));
    }

    /** {@code sequence: auto | true | false} (see {@link SequenceLoss}); null for auto. */
    private static Boolean sequence(Args a) {
        Node n = a.raw("sequence");
        a.allow("sequence");
        if (n == null) return null;
        if (n instanceof Node.Scalar s && s.value() instanceof Boolean b) return b;
        if (n instanceof Node.Scalar s && "auto".equals(s.value())) return null;
        throw a.error("sequence", "expected auto, true or false, got " + Node.describe(n));
    }

    private static dev.nabla.ops.Reduction reduction(Args a) {
        String r = a.str("reduction", "mean");
        try {
            return Loss.reduction(r);
        } catch (IllegalArgumentException e) {
            throw a.error("reduction", "must be 'none', 'mean' or 'sum', got '" + r + "'");
        }
    }

    private static Tensor weight(Args a, String key) {
        float[] w = a.floatList(key);
        return w == null ? null : Tensor.of(w, w.length);
    }

    /** A loss from {@code {type: CrossEntropyLoss, label_smoothing: 0.1}}. */
    public static Loss loss(Args a) {
        return build("loss", LOSSES, a, null);
    }

    public static Set<String> lossTypes() { return LOSSES.keySet(); }

    // ---------------------------------------------------------------- optimizers

    private enum Kind { NUM, FLAG, PAIR }

    /** PyTorch's hyper-parameter names per optimizer, checked here so that errors can name the line. */
    private static final Map<String, Map<String, Kind>> OPTIMIZER_KEYS = new LinkedHashMap<>();
    static final Map<String, Factory<List<Tensor>, Optimizer<?, ?>>> OPTIMIZERS = new LinkedHashMap<>();

    static {
        Map<String, Kind> sgd = keys("lr", Kind.NUM, "momentum", Kind.NUM, "dampening", Kind.NUM, "weight_decay", Kind.NUM,
                "nesterov", Kind.FLAG, "maximize", Kind.FLAG);
        Map<String, Kind> adam = keys("lr", Kind.NUM, "betas", Kind.PAIR, "eps", Kind.NUM, "weight_decay", Kind.NUM,
                "amsgrad", Kind.FLAG, "maximize", Kind.FLAG);
        OPTIMIZER_KEYS.put("SGD", sgd);
        OPTIMIZER_KEYS.put("GD", keys("lr", Kind.NUM));
        OPTIMIZER_KEYS.put("Adam", adam);
        OPTIMIZER_KEYS.put("AdamW", adam);
        OPTIMIZER_KEYS.put("Adagrad", keys("lr", Kind.NUM, "lr_decay", Kind.NUM, "weight_decay", Kind.NUM,
                "initial_accumulator_value", Kind.NUM, "eps", Kind.NUM, "maximize", Kind.FLAG));
        OPTIMIZER_KEYS.put("RMSprop", keys("lr", Kind.NUM, "alpha", Kind.NUM, "eps", Kind.NUM, "weight_decay", Kind.NUM,
                "momentum", Kind.NUM, "centered", Kind.FLAG, "maximize", Kind.FLAG));
        // PyTorch 2's SGD defaults lr to 1e-3 (1.13 required it); GD is SGD with nothing but lr.
        OPTIMIZERS.put("SGD", (a, p) -> new SGD(p, SGD.Options.fromMap(hyper(a, "SGD"), new SGD.Options(1e-3))));
        OPTIMIZERS.put("GD", (a, p) -> new SGD(p, SGD.Options.fromMap(hyper(a, "GD"), new SGD.Options(1e-3))));
        OPTIMIZERS.put("Adam", (a, p) -> new Adam(p, Adam.Options.fromMap(hyper(a, "Adam"), Adam.Options.defaults())));
        OPTIMIZERS.put("AdamW", (a, p) -> new AdamW(p, AdamW.Options.fromMap(hyper(a, "AdamW"), AdamW.Options.defaults())));
        OPTIMIZERS.put("Adagrad", (a, p) -> new Adagrad(p, Adagrad.Options.fromMap(hyper(a, "Adagrad"), new Adagrad.Options(1e-2))));
        OPTIMIZERS.put("RMSprop", (a, p) -> new RMSprop(p, RMSprop.Options.fromMap(hyper(a, "RMSprop"), new RMSprop.Options(1e-2))));
    }

    private static Map<String, Kind> keys(Object... kv) {
        Map<String, Kind> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (Kind) kv[i + 1]);
        return m;
    }

    /** The optimizer's hyper-parameters as a plain map, each checked for its type (and its line) first. */
    private static Map<String, Object> hyper(Args a, String type) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : OPTIMIZER_KEYS.get(type).entrySet()) {
            String k = e.getKey();
            if (!a.has(k)) continue;
            out.put(k, switch (e.getValue()) {
                case NUM -> a.requiredNum(k);
                case FLAG -> a.bool(k, false);
                case PAIR -> {
                    double[] v = a.doubleList(k);
                    if (v.length != 2) throw a.error(k, "expected a list of 2 numbers, got " + v.length);
                    yield List.of(v[0], v[1]);
                }
            });
        }
        return out;
    }

    /** An optimizer over {@code params} from {@code {type: Adam, lr: 0.001, ...}}. */
    public static Optimizer<?, ?> optimizer(Args a, List<Tensor> params) {
        return build("optimizer", OPTIMIZERS, a, params);
    }

    public static Set<String> optimizerTypes() { return OPTIMIZERS.keySet(); }

    // ---------------------------------------------------------------- schedules

    static final Map<String, Factory<ScheduleContext, LRSchedule>> SCHEDULES = new LinkedHashMap<>();

    static {
        SCHEDULES.put("StepLR", (a, c) -> new StepLR(c.optimizer(), a.requiredInt("step_size"), a.num("gamma", 0.1)));
        SCHEDULES.put("MultiStepLR", (a, c) -> {
            int[] m = a.intList("milestones", null);
            if (m == null) throw a.error("milestones", "required key is missing");
            return new MultiStepLR(c.optimizer(), m, a.num("gamma", 0.1));
        });
        SCHEDULES.put("ExponentialLR", (a, c) -> new ExponentialLR(c.optimizer(), a.requiredNum("gamma")));
        SCHEDULES.put("CosineAnnealingLR", (a, c) -> new CosineAnnealingLR(c.optimizer(),
                a.has("T_max") ? a.requiredInt("T_max") : c.runLength(a, "T_max"), a.num("eta_min", 0)));
        SCHEDULES.put("LinearLR", (a, c) -> new LinearLR(c.optimizer(), a.num("start_factor", 1.0 / 3), a.num("end_factor", 1.0),
                a.integer("total_iters", 5)));
        SCHEDULES.put("ConstantLR", (a, c) -> new ConstantLR(c.optimizer(), a.num("factor", 1.0 / 3), a.integer("total_iters", 5)));
        SCHEDULES.put("SequentialLR", (a, c) -> {
            List<Node> items = a.list("schedulers");
            if (items.isEmpty()) throw a.error("schedulers", "required: a list of schedules ({type: ..., ...})");
            List<LRScheduler> parts = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                Args s = Args.of(items.get(i), a.pathOf("schedulers") + "[" + i + "]", a.loc());
                if (!(schedule(s, c.optimizer()) instanceof LRScheduler ls)) // a part's length is not the run's
                    throw s.error("an epoch schedule is needed inside SequentialLR, not ReduceLROnPlateau");
                parts.add(ls);
            }
            int[] milestones = a.intList("milestones", null);
            if (milestones == null) throw a.error("milestones", "required key is missing");
            if (milestones.length != parts.size() - 1)
                throw a.error("milestones", "expected " + (parts.size() - 1) + " milestones for " + parts.size() + " schedulers, got "
                        + milestones.length);
            return new SequentialLR(c.optimizer(), parts, milestones);
        });
        SCHEDULES.put("ReduceLROnPlateau", (a, c) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String k : List.of("mode", "threshold_mode"))
                if (a.has(k)) m.put(k, a.requiredStr(k));
            for (String k : List.of("factor", "threshold", "min_lr", "eps"))
                if (a.has(k)) m.put(k, a.requiredNum(k));
            for (String k : List.of("patience", "cooldown"))
                if (a.has(k)) m.put(k, (double) a.requiredInt(k));
            a.allow("monitor"); // read by the run: which epoch figure the plateau watches
            return new ReduceLROnPlateau(c.optimizer(), ReduceLROnPlateau.Options.fromMap(m));
        });
    }

    /**
     * What a schedule is built for: its optimizer, and the length of the stretch of the run it covers, counted in its own
     * unit (epochs, or optimizer steps with {@code interval: step}; after a warm-up, what the warm-up leaves), or 0
     * where that is not known. A {@code CosineAnnealingLR} without {@code T_max} anneals over that length.
     */
    record ScheduleContext(Optimizer<?, ?> optimizer, int length) {
        int runLength(Args a, String key) {
            if (length <= 0)
                throw a.error(key, "required key is missing (it defaults to the length of the run only for the top-level schedule, "
                        + "and only when the run is longer than its warm-up)");
            return length;
        }
    }

    /** A schedule whose counts are all given in the config: nothing defaults to the run's length. */
    public static LRSchedule schedule(Args a, Optimizer<?, ?> optimizer) {
        return schedule(a, optimizer, 0);
    }

    /**
     * A schedule from {@code {type: ExponentialLR, gamma: 0.95}}; with {@code warmup: {epochs: N, start_factor: f}}
     * (or {@code steps: N} for a schedule stepped per optimizer step) it is preceded by a linear warm-up
     * (PyTorch's {@code SequentialLR([LinearLR(f, 1, N), schedule], [N])}). {@code runLength} is how many epochs (or
     * optimizer steps) the run has, 0 if unknown; it is what {@code CosineAnnealingLR}'s {@code T_max} defaults to,
     * less the warm-up.
     */
    public static LRSchedule schedule(Args a, Optimizer<?, ?> optimizer, int runLength) {
        if (!a.has("warmup")) return build("schedule", SCHEDULES, a, new ScheduleContext(optimizer, runLength));
        Args w = a.obj("warmup").only("epochs", "steps", "start_factor");
        if (w.has("epochs") == w.has("steps"))
            throw w.error("give the warm-up's length as epochs (interval: epoch) or steps (interval: step), one of them");
        String unit = w.has("steps") ? "steps" : "epochs";
        int length = w.requiredInt(unit);
        double start = w.num("start_factor", 0.1);
        w.done();
        if (length < 1) throw w.error(unit, "must be at least 1, got " + length);
        int after = Math.max(0, runLength - length);
        try {
            return SequentialLR.withLinearWarmup(optimizer, start, length, o -> {
                if (!(build("schedule", SCHEDULES, a, new ScheduleContext(o, after)) instanceof LRScheduler s))
                    throw a.error("warmup", "works only with epoch schedules, not ReduceLROnPlateau");
                return s;
            });
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw w.error(null, oneLine(e));
        }
    }

    public static Set<String> scheduleTypes() { return SCHEDULES.keySet(); }

    // ---------------------------------------------------------------- shared

    private static <C, T> T build(String what, Map<String, Factory<C, T>> factories, Args a, C context) {
        String type = a.str("type", null);
        if (type == null) throw a.error("type", "required key is missing; a " + what + " type is one of " + Args.listing(factories.keySet()));
        Factory<C, T> f = factories.get(type);
        if (f == null) {
            String hint = Args.closest(type, factories.keySet());
            throw a.error("type", "unknown " + what + " type '" + type + "'" + (hint != null ? " (did you mean '" + hint + "'?)" : "")
                    + "; known: " + Args.listing(factories.keySet()));
        }
        T out;
        try {
            out = f.build(a, context);
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw a.error(oneLine(e));
        }
        a.done();
        return out;
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse("");
    }
}
