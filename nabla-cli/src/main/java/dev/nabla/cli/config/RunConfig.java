package dev.nabla.cli.config;

import dev.nabla.autograd.NoGrad;
import dev.nabla.data.DataSources;
import dev.nabla.data.Dataset;
import dev.nabla.data.TensorDataset;
import dev.nabla.data.Transform;
import dev.nabla.io.SafeTensors;
import dev.nabla.metrics.Metric;
import dev.nabla.metrics.Metrics;
import dev.nabla.nn.Module;
import dev.nabla.nn.init.Init;
import dev.nabla.nn.init.Initializer;
import dev.nabla.nn.layers.Embedding;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.nn.loss.Loss;
import dev.nabla.nn.models.GPT;
import dev.nabla.nn.models.GPTConfig;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.schedule.LRSchedule;
import dev.nabla.optim.schedule.ReduceLROnPlateau;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;
import dev.nabla.text.BpeTokenizer;
import dev.nabla.text.ByteTokenizer;
import dev.nabla.text.CharTokenizer;
import dev.nabla.text.Corpora;
import dev.nabla.text.LanguageModelDataset;
import dev.nabla.text.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A run described by a config file (see docs/config.md): read and checked section by section when loaded (unknown
 * keys and wrong types are errors naming the key path and the line), with builders for the model, data, loss,
 * optimizer, schedule and metrics. Relative paths are resolved against the config file's folder.
 */
public final class RunConfig {
    /** A data source: a file format or a named dataset. */
    public record Source(Args args, String format) {}

    /** Early stopping, Keras-style. */
    public record EarlyStop(String monitor, int patience, double minDelta, boolean restoreBestWeights) {}

    /** The three splits as loaded (val and test may be null). */
    public record Data(Dataset train, Dataset val, Dataset test, int numClasses) {}

    public final Path file, baseDir;
    private final Args root;

    // model
    private final List<Args> layers = new ArrayList<>();
    private final List<Transform> transforms = new ArrayList<>();
    /** {@code model} when it is {@code type: GPT}, else null. */
    private final Args gpt;
    public final Path init;
    public final int[] inputShape;
    // data
    private final Source train, val, test;
    public final Double valSplit;
    public final int batchSize;
    public final boolean shuffle, dropLast;
    public final Integer limit, numClasses;
    // loss, optimizer, schedule
    private final Args loss, optimizer, schedule;
    public final String plateauMonitor;
    /** {@code schedule.interval}: the schedule steps once per epoch ({@code epoch}) or per optimizer step ({@code step}). */
    public final boolean schedulePerStep;
    // training
    public final int epochs;
    public final Long maxSteps;
    public final long seed;
    public final Double clipGradNorm, clipGradValue;
    public final EarlyStop earlyStopping;
    public final int checkpointKeep;
    public final boolean checkpoints, progress;
    // metrics and output
    private final List<String> metricNames = new ArrayList<>();
    private final List<Node.Loc> metricLocs = new ArrayList<>();
    public final Path outputDir;
    public final boolean chart;
    // text data: the window length and the tokenizer (built from data.train, or given with useTokenizer)
    private Integer textBlockSize;
    private Tokenizer tokenizer;
    private byte[] trainCorpus;

    private RunConfig(Path file, Node.MapNode tree) {
        this.file = file;
        this.baseDir = file.toAbsolutePath().getParent();
        this.root = new Args(tree, "").only("model", "data", "loss", "optimizer", "schedule", "training", "metrics", "output");

        Args model = root.obj("model");
        if (model.has("type")) {
            model.only("type", "init", "vocab_size", "block_size", "n_layer", "n_head", "n_embd", "dropout", "bias", "tie_weights");
            String type = model.requiredStr("type");
            if (!type.equals("GPT"))
                throw model.error("type", "unknown model type '" + type + "'; known: GPT (or give model.layers, a list of layers)");
            gpt = model;
            gptConfig(1); // checks every key now; vocab_size may come from the text data's tokenizer later
            inputShape = null;
        } else {
            model.only("layers", "init", "input_shape");
            gpt = null;
            if (!model.has("layers"))
                throw model.error("layers", "required: the list of layers ({type: Linear, in_features: ..., ...}), or type: GPT");
            List<Node> items = model.list("layers");
            for (int i = 0; i < items.size(); i++) layers.add(Args.of(items.get(i), "model.layers[" + i + "]", model.locOf("layers")));
            inputShape = model.intList("input_shape", null);
        }
        String initPath = model.str("init", null);
        init = initPath == null ? null : resolve(initPath);
        model.done();

        Args data = root.obj("data").only("train", "val", "test", "batch_size", "shuffle", "drop_last", "limit", "num_classes",
                "transforms");
        if (data.has("transforms")) {
            List<Node> items = data.list("transforms");
            for (int i = 0; i < items.size(); i++)
                transforms.add(transform(Args.of(items.get(i), "data.transforms[" + i + "]", data.locOf("transforms"))));
        }
        if (!data.has("train")) throw data.error("train", "required: the training data ({format: npy, x: ..., y: ...} or {dataset: ...})");
        train = source(data.obj("train"), true);
        Args v = data.obj("val");
        if (data.has("val") && v.has("split_from_train")) {
            valSplit = v.requiredNum("split_from_train");
            if (!(valSplit > 0 && valSplit < 1)) throw v.error("split_from_train", "must be between 0 and 1, got " + valSplit);
            v.done();
            val = null;
        } else {
            valSplit = null;
            val = data.has("val") ? source(v, false) : null;
        }
        test = data.has("test") ? source(data.obj("test"), false) : null;
        batchSize = data.integer("batch_size", 64);
        if (batchSize < 1) throw data.error("batch_size", "must be at least 1, got " + batchSize);
        shuffle = data.bool("shuffle", true);
        dropLast = data.bool("drop_last", false);
        limit = data.optInt("limit");
        if (limit != null && limit < 1) throw data.error("limit", "must be at least 1, got " + limit);
        numClasses = data.optInt("num_classes");
        data.done();

        if (!root.has("loss")) throw root.error("loss", "required, e.g. {type: CrossEntropyLoss}");
        loss = root.obj("loss");
        if (!root.has("optimizer")) throw root.error("optimizer", "required, e.g. {type: Adam, lr: 0.001}");
        optimizer = root.obj("optimizer");
        schedule = root.has("schedule") ? root.obj("schedule") : null;

        Args t = root.obj("training").only("epochs", "max_steps", "seed", "clip_grad_norm", "clip_grad_value", "early_stopping",
                "checkpoints", "checkpoint_keep", "progress");
        epochs = t.integer("epochs", 10);
        if (epochs < 1) throw t.error("epochs", "must be at least 1, got " + epochs);
        maxSteps = t.optLong("max_steps");
        if (maxSteps != null && maxSteps < 1) throw t.error("max_steps", "must be at least 1, got " + maxSteps);
        seed = t.optLong("seed") == null ? 0 : t.optLong("seed");
        clipGradNorm = positive(t, "clip_grad_norm");
        clipGradValue = positive(t, "clip_grad_value");
        if (t.has("early_stopping")) {
            Args e = t.obj("early_stopping").only("monitor", "patience", "min_delta", "restore_best_weights");
            earlyStopping = new EarlyStop(e.str("monitor", "val_loss"), e.integer("patience", 3), e.num("min_delta", 0),
                    e.bool("restore_best_weights", false));
            if (earlyStopping.patience() < 0) throw e.error("patience", "must be >= 0, got " + earlyStopping.patience());
            if (earlyStopping.minDelta() < 0) throw e.error("min_delta", "must be >= 0, got " + earlyStopping.minDelta());
            e.done();
        } else earlyStopping = null;
        checkpoints = t.bool("checkpoints", true);
        checkpointKeep = t.integer("checkpoint_keep", 3);
        if (checkpointKeep < 1) throw t.error("checkpoint_keep", "must be at least 1, got " + checkpointKeep);
        progress = t.bool("progress", true);
        t.done();

        for (Node m : root.list("metrics")) {
            if (!(m instanceof Node.Scalar s && s.value() instanceof String name))
                throw ConfigException.at(m.loc(), "metrics", "expected metric names (accuracy, f1, ...), got " + Node.describe(m));
            metricNames.add(name);
            metricLocs.add(m.loc());
        }

        Args out = root.obj("output").only("dir", "chart");
        String dir = out.str("dir", null);
        outputDir = dir != null ? resolve(dir) : baseDir.resolve("runs").resolve(stem(file));
        chart = out.bool("chart", true);
        out.done();

        String monitor = "val_loss";
        if (schedule != null && schedule.has("monitor")) monitor = schedule.requiredStr("monitor");
        plateauMonitor = monitor;
        String interval = schedule == null ? "epoch" : schedule.str("interval", "epoch");
        if (!interval.equals("epoch") && !interval.equals("step"))
            throw schedule.error("interval", "expected epoch or step, got '" + interval + "'");
        schedulePerStep = interval.equals("step");
        root.done();
    }

    /** Reads {@code file} and applies the {@code --set} overrides in order. */
    public static RunConfig load(Path file, List<String> sets) throws IOException {
        Node.MapNode tree = ConfigParser.parseFile(file);
        for (String s : sets == null ? List.<String>of() : sets) ConfigParser.applySet(tree, s);
        return new RunConfig(file, tree);
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    private Path resolve(String p) {
        Path path = Path.of(p.startsWith("~/") ? System.getProperty("user.home") + p.substring(1) : p);
        return path.isAbsolute() ? path : baseDir.resolve(path).normalize();
    }

    private static Double positive(Args a, String key) {
        Double v = a.optNum(key);
        if (v != null && !(v > 0)) throw a.error(key, "must be positive, got " + v);
        return v;
    }

    private Source source(Args a, boolean isTrain) {
        if (a.has("dataset")) a.only("dataset", "split", "folder");
        else if ("text".equals(a.str("format", null))) return textSource(a, isTrain);
        else a.only("format", "x", "y", "images", "labels", "file", "header", "label_column", "delimiter", "class_labels");
        if (!isTrain && train != null && train.format().equals("text"))
            throw a.error("format", "the training data is text: validation and test data must be text too ({format: text, file: ...})");
        if (a.has("dataset")) {
            a.requiredStr("dataset");
            a.str("split", null);
            a.str("folder", null);
            a.done();
            return new Source(a, "dataset");
        }
        String format = a.str("format", null);
        if (format == null) throw a.error("format", "required: npy, idx or csv (or give dataset: fashion-mnist)");
        switch (format) {
            case "npy" -> { a.requiredStr("x"); a.requiredStr("y"); }
            case "idx" -> { a.requiredStr("images"); a.requiredStr("labels"); }
            case "csv" -> {
                a.requiredStr("file");
                a.bool("header", true);
                a.str("label_column", "-1");
                String d = a.str("delimiter", ",");
                if (d.length() != 1) throw a.error("delimiter", "must be one character, got '" + d + "'");
                a.bool("class_labels", true);
            }
            default -> throw a.error("format", "unknown data format '" + format + "'; known: csv, idx, npy, text");
        }
        a.done();
        return new Source(a, format);
    }

    /**
     * {@code {format: text, file: corpus.txt, tokenizer: bytes|chars|bpe, block_size: 64, vocab_size: (bpe), stride: ...}};
     * validation and test text take only {@code file} and {@code stride} (the tokenizer and windows are the training data's).
     */
    private Source textSource(Args a, boolean isTrain) {
        if (isTrain) a.only("format", "file", "tokenizer", "block_size", "vocab_size", "stride");
        else a.only("format", "file", "stride");
        a.requiredStr("file");
        if (!isTrain && !train.format().equals("text"))
            throw a.error("format", "text here needs text training data (data.train: {format: text, ...})");
        if (isTrain) {
            String kind = a.str("tokenizer", "bytes");
            if (!List.of("bytes", "chars", "bpe").contains(kind))
                throw a.error("tokenizer", "unknown tokenizer '" + kind + "'; known: bytes, chars, bpe");
            Integer vocab = a.optInt("vocab_size");
            if (kind.equals("bpe") && vocab == null) throw a.error("vocab_size", "required with tokenizer: bpe (256 bytes + merges)");
            if (kind.equals("bpe") && vocab < 256) throw a.error("vocab_size", "must be at least 256 (the bytes), got " + vocab);
            if (!kind.equals("bpe") && vocab != null) throw a.error("vocab_size", "is only for tokenizer: bpe");
            textBlockSize = a.optInt("block_size");
            if (textBlockSize == null && gpt != null) textBlockSize = gpt.integer("block_size", 1024);
            if (textBlockSize == null) throw a.error("block_size", "required: the length of the training windows (tokens)");
            if (textBlockSize < 1) throw a.error("block_size", "must be at least 1, got " + textBlockSize);
        }
        Integer stride = a.optInt("stride");
        if (stride != null && stride < 1) throw a.error("stride", "must be at least 1, got " + stride);
        a.done();
        return new Source(a, "text");
    }

    // ---------------------------------------------------------------- data

    /** Whether the data is text read through a tokenizer ({@code data.train.format: text}). */
    public boolean isText() {
        return train.format().equals("text");
    }

    /** The window length of text data (tokens per example), or null for other data. */
    public Integer textBlockSize() {
        return textBlockSize;
    }

    /**
     * The tokenizer of text data: the one given with {@link #useTokenizer}, else built from the training text
     * (bytes; the corpus's characters plus an unknown-character token; or BPE trained to vocab_size). Null for other data.
     */
    public Tokenizer tokenizer() {
        if (tokenizer != null || !isText()) return tokenizer;
        Args a = train.args();
        byte[] corpus = corpus();
        try {
            tokenizer = switch (a.str("tokenizer", "bytes")) {
                case "bytes" -> new ByteTokenizer();
                case "chars" -> CharTokenizer.fromCorpus(corpus, true);
                default -> BpeTokenizer.train(corpus, a.requiredInt("vocab_size"));
            };
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(a.loc(), a.path(), Registry.oneLine(e), e);
        }
        return tokenizer;
    }

    /** Uses this tokenizer for text data instead of building one (e.g. the one a training run saved). */
    public void useTokenizer(Tokenizer t) {
        this.tokenizer = t;
    }

    private byte[] corpus() {
        if (trainCorpus == null) trainCorpus = readText(train);
        return trainCorpus;
    }

    private byte[] readText(Source s) {
        try {
            return Corpora.read(resolve(s.args().requiredStr("file")));
        } catch (IOException e) {
            throw ConfigException.at(s.args().loc(), s.args().pathOf("file"), "cannot read " + resolve(s.args().requiredStr("file")), e);
        }
    }

    private int[] encode(Source s) {
        byte[] bytes = s == train ? corpus() : readText(s);
        try {
            return tokenizer().encode(bytes);
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(s.args().loc(), s.args().path(), Registry.oneLine(e), e);
        }
    }

    private int stride(Source s) {
        return s.args().integer("stride", textBlockSize);
    }

    /** Blocks of the contiguous validation split of text: 8 windows' worth each. */
    private int splitBlock() {
        return 8 * (textBlockSize + 1);
    }

    private Dataset windows(Source s, java.util.function.Supplier<LanguageModelDataset> make) {
        try {
            return limit(make.get());
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(s.args().loc(), s.args().path(), Registry.oneLine(e)
                    + " (block_size " + textBlockSize + ")", e);
        }
    }

    /** Whether the model reads int64 token ids: a GPT, or a Sequential whose first layer is an Embedding. */
    public boolean takesIndices() {
        return gpt != null || (!layers.isEmpty() && "Embedding".equals(layers.get(0).str("type", "")));
    }

    /** Whether this is a language model: token ids in, a class-index loss (CrossEntropyLoss, NLLLoss) out. */
    public boolean isLanguageModel() {
        String type = loss.str("type", "");
        return takesIndices() && (type.equals("CrossEntropyLoss") || type.equals("NLLLoss"));
    }

    /** Features as the model reads them: int64 for token-id models, float32 otherwise. */
    private TensorDataset inputDtype(TensorDataset d) {
        DType want = takesIndices() ? DType.INT64 : DType.FLOAT32;
        return d.x().dtype() == want ? d : new TensorDataset(d.x().to(want), d.y());
    }

    /** Loads one source (with {@code data.limit} applied), naming the config line in errors. */
    private Dataset load(Source s, String defaultSplit) {
        Args a = s.args();
        if (s.format().equals("text")) {
            int[] ids = encode(s);
            return windows(s, () -> new LanguageModelDataset(ids, textBlockSize, stride(s)));
        }
        try {
            TensorDataset d = switch (s.format()) {
                case "npy" -> DataSources.npy(resolve(a.requiredStr("x")), resolve(a.requiredStr("y")));
                case "idx" -> DataSources.idx(resolve(a.requiredStr("images")), resolve(a.requiredStr("labels")));
                case "csv" -> DataSources.csv(resolve(a.requiredStr("file")), a.bool("header", true), a.str("label_column", "-1"),
                        a.str("delimiter", ",").charAt(0), a.bool("class_labels", true));
                default -> DataSources.named(a.requiredStr("dataset"), a.str("split", defaultSplit),
                        a.has("folder") ? resolve(a.requiredStr("folder")) : null);
            };
            for (Transform t : transforms) d = t.apply(d);
            return limit(inputDtype(d));
        } catch (IOException | IllegalArgumentException e) {
            throw ConfigException.at(a.loc(), a.path(), Registry.oneLine(e), e);
        }
    }

    /** One entry of data.transforms: {type: scale|normalize|flatten|one_hot, ...}, applied to every split in order. */
    private static Transform transform(Args a) {
        String type = a.requiredStr("type");
        try {
            Transform t = switch (type) {
                case "scale" -> new Transform.Scale((float) a.only("type", "factor").requiredNum("factor"));
                case "normalize" -> {
                    a.only("type", "mean", "std");
                    if (!a.has("mean") || !a.has("std")) throw a.error(a.has("mean") ? "std" : "mean", "required: a number or a list (one per channel)");
                    yield new Transform.Normalize(a.floatList("mean"), a.floatList("std"));
                }
                case "flatten" -> {
                    a.only("type");
                    yield new Transform.Flatten();
                }
                case "one_hot" -> new Transform.OneHot(a.only("type", "num_classes").requiredInt("num_classes"));
                default -> throw a.error("type", "unknown transform '" + type + "'; known: scale, normalize, flatten, one_hot");
            };
            a.done();
            return t;
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(a.loc(), a.path(), Registry.oneLine(e), e);
        }
    }

    private Dataset limit(Dataset d) {
        if (limit == null || d.size() <= limit) return d;
        int[] first = new int[limit];
        for (int i = 0; i < limit; i++) first[i] = i;
        return d.subset(first);
    }

    /** The training, validation and test sets, and the number of classes (configured or inferred from the labels). */
    public Data loadData() {
        if (isText() && valSplit != null) {
            int[] ids = encode(train);
            LanguageModelDataset.Split sp;
            try {
                sp = LanguageModelDataset.split(ids, splitBlock(), valSplit, seed);
            } catch (IllegalArgumentException e) {
                throw ConfigException.at(root.obj("data").locOf("val"), "data.val.split_from_train", Registry.oneLine(e)
                        + " (blocks of 8·(block_size+1) = " + splitBlock() + " tokens)");
            }
            Dataset tr = windows(train, () -> sp.trainWindows(textBlockSize, stride(train)));
            Dataset va = windows(train, () -> sp.validationWindows(textBlockSize, textBlockSize));
            Dataset te = test == null ? null : load(test, "test");
            return new Data(tr, va, te, numClasses != null ? numClasses : tokenizer().vocabSize());
        }
        Dataset tr = load(train, "train"), va = val == null ? null : load(val, "test"), te = test == null ? null : load(test, "test");
        if (valSplit != null) {
            Dataset[] parts;
            try {
                parts = tr.randomSplit(valSplit, seed);
            } catch (IllegalArgumentException e) {
                throw ConfigException.at(root.obj("data").locOf("val"), "data.val.split_from_train", Registry.oneLine(e));
            }
            tr = parts[0];
            va = parts[1];
        }
        int classes = numClasses != null ? numClasses : isText() ? tokenizer().vocabSize() : inferClasses(tr, va, te);
        return new Data(tr, va, te, classes);
    }

    /** 1 + the largest int64 label (0 for float targets). */
    private static int inferClasses(Dataset... sets) {
        long max = -1;
        for (Dataset d : sets) {
            if (d == null) continue;
            int[] all = new int[d.size()];
            for (int i = 0; i < all.length; i++) all[i] = i;
            Tensor y = d.batch(all).y();
            if (y.dtype() != DType.INT64) return 0;
            for (long v : y.toLongArray()) max = Math.max(max, v);
        }
        return (int) (max + 1);
    }

    /** The configured input shape or that of the first training example (without the batch dim). */
    public int[] inputShape(Data data) {
        if (inputShape != null) return inputShape.clone();
        int[] s = data.train().batch(new int[] {0}).x().shape();
        return java.util.Arrays.copyOfRange(s, 1, s.length);
    }

    /** The input shape from {@code model.input_shape}, or from the training data when it is not given. */
    public int[] inputShape() {
        return inputShape != null ? inputShape.clone() : inputShape(new Data(load(train, "train"), null, null, 0));
    }

    // ---------------------------------------------------------------- model

    /**
     * The Sequential of {@code model.layers}, initialised from {@code gen} (PyTorch's default initialisation, or a
     * layer's {@code weight_init} / {@code bias_init}), then loaded from {@code model.init} when given.
     */
    public Sequential buildModel(Generator gen) {
        if (gpt != null) throw gpt.error("type", "a GPT is not a list of layers (build it with buildModule)");
        Sequential model = new Sequential();
        if (layers.isEmpty()) throw root.error("model", "model.layers is empty");
        for (Args a : layers) {
            a.allow("weight_init", "bias_init");
            Module m = Registry.layer(a, gen);
            initialise(a, "weight_init", "weight", m, gen);
            initialise(a, "bias_init", "bias", m, gen);
            model.add(m);
        }
        if (init != null) loadWeights(model, init, root.obj("model").locOf("init"), "model.init");
        return model;
    }

    /**
     * The model: a {@link GPT} for {@code model.type: GPT} (vocab_size, when not given, is the text tokenizer's),
     * else the Sequential of {@link #buildModel}; loaded from {@code model.init} when given.
     */
    public Module buildModule(Generator gen) {
        if (gpt == null) return buildModel(gen);
        GPT model = new GPT(gptConfig(!gpt.has("vocab_size") && isText() ? tokenizer().vocabSize() : null), gen);
        if (init != null) loadWeights(model, init, gpt.locOf("init"), "model.init");
        return model;
    }

    /** nanoGPT's GPTConfig from {@code model}, with its defaults; {@code vocabFallback} when vocab_size is not given. */
    private GPTConfig gptConfig(Integer vocabFallback) {
        Integer vocab = gpt.optInt("vocab_size");
        if (vocab == null) vocab = vocabFallback;
        if (vocab == null)
            throw gpt.error("vocab_size", "required (or read text data, {format: text, ...}, whose tokenizer gives it)");
        try {
            return new GPTConfig(vocab, gpt.integer("block_size", 1024), gpt.integer("n_layer", 12), gpt.integer("n_head", 12),
                    gpt.integer("n_embd", 768), gpt.num("dropout", 0.0), gpt.bool("bias", true), gpt.bool("tie_weights", true));
        } catch (IllegalArgumentException e) {
            String msg = Registry.oneLine(e).replaceFirst("^GPTConfig: ", "");
            String key = msg.contains(" ") ? msg.substring(0, msg.indexOf(' ')) : null;
            throw gpt.error(key != null && gpt.keys().contains(key) ? key : null, msg);
        }
    }

    /**
     * Checks that the model's token table covers the text tokenizer's vocabulary (GPT vocab_size, or the first
     * Embedding's num_embeddings); nothing to check for other data.
     */
    public void checkVocabulary(Module model) {
        Tokenizer t = tokenizer();
        if (t == null) return;
        int need = t.vocabSize();
        if (model instanceof GPT g && g.config().vocabSize() < need)
            throw gpt.error(gpt.has("vocab_size") ? "vocab_size" : null, "vocab_size " + g.config().vocabSize()
                    + " is smaller than the tokenizer's vocabulary of " + need + " tokens");
        if (model instanceof Sequential s && s.size() > 0 && s.get(0) instanceof Embedding e && e.weight().size(0) < need)
            throw layers.get(0).error("num_embeddings", "is " + e.weight().size(0) + ", smaller than the tokenizer's vocabulary of "
                    + need + " tokens");
    }

    private static void initialise(Args a, String key, String param, Module m, Generator gen) {
        Node n = a.raw(key);
        if (n == null) return;
        String name;
        Map<String, Object> options = new LinkedHashMap<>();
        if (n instanceof Node.Scalar s && s.value() instanceof String str) name = str;
        else {
            Args o = Args.of(n, a.pathOf(key), a.loc());
            name = o.requiredStr("type");
            o.keys().forEach(k -> {
                if (!k.equals("type")) options.put(k, Node.plain(o.node().get(k)));
            });
        }
        Tensor p = m.namedParameters().get(param);
        if (p == null) throw a.error(key, m.name() + " has no parameter '" + param + "'");
        try {
            Initializer init = Init.byName(name, options);
            try (var ignored = NoGrad.enter()) {
                init.apply(p, gen);
            }
        } catch (IllegalArgumentException e) {
            throw a.error(key, Registry.oneLine(e));
        }
    }

    /** Loads a safetensors state dict (PyTorch Sequential naming) into the model, strictly. */
    public static void loadWeights(Module model, Path file, Node.Loc loc, String what) {
        try {
            if (!Files.isRegularFile(file)) throw new IOException("no such file " + file);
            model.loadStateDict(SafeTensors.read(file).tensors(), true);
        } catch (IOException | IllegalArgumentException e) {
            String msg = Registry.oneLine(e);
            if (e.getMessage() != null && e.getMessage().contains("\n"))
                msg += " " + String.join(" ", e.getMessage().lines().skip(1).map(String::strip).toList());
            throw loc == null ? new ConfigException(what + ": " + msg, e) : ConfigException.at(loc, what, msg);
        }
    }

    /**
     * Runs one example of {@code inputShape} through the model layer by layer (eval mode, no gradients) and returns
     * each layer's output shape; a layer that fails is reported with its config line.
     */
    public List<int[]> shapes(Module module, int[] inputShape) {
        int[] batched = new int[inputShape.length + 1];
        batched[0] = 1;
        System.arraycopy(inputShape, 0, batched, 1, inputShape.length);
        if (!(module instanceof Sequential model)) {
            boolean wasTraining = module.isTraining();
            module.eval();
            try (var ignored = NoGrad.enter()) {
                return List.of(module.forward(Tensor.zeros(takesIndices() ? DType.INT64 : DType.FLOAT32, batched)).shape());
            } catch (RuntimeException e) {
                throw ConfigException.at(root.obj("model").loc(), "model", "does not fit its input of shape " + Shape.str(batched)
                        + ": " + Registry.oneLine(e));
            } finally {
                module.train(wasTraining);
            }
        }
        boolean wasTraining = model.isTraining();
        model.eval();
        List<int[]> out = new ArrayList<>();
        try (var ignored = NoGrad.enter()) {
            Tensor x = firstLayerTakesIndices(model) ? Tensor.zeros(DType.INT64, batched) : Tensor.zeros(batched);
            for (int i = 0; i < model.size(); i++) {
                try {
                    x = model.get(i).forward(x);
                } catch (RuntimeException e) {
                    Args a = layers.get(i);
                    throw ConfigException.at(a.loc(), a.path(), "does not fit its input of shape " + Shape.str(x.shape())
                            + ": " + Registry.oneLine(e));
                }
                out.add(x.shape());
            }
        } finally {
            model.train(wasTraining);
        }
        return out;
    }

    private static boolean firstLayerTakesIndices(Sequential model) {
        return model.size() > 0 && model.get(0) instanceof dev.nabla.nn.layers.Embedding;
    }

    /** Where layer {@code i} was written. */
    public Node.Loc layerLoc(int i) {
        return layers.get(i).loc();
    }

    // ---------------------------------------------------------------- loss, optimizer, schedule, metrics

    /** The loss; CrossEntropyLoss and NLLLoss also take [B, T, C] sequence outputs (see {@code sequence} in docs/config.md). */
    public Loss buildLoss() {
        Loss l = Registry.loss(loss);
        return l instanceof SequenceLoss s && takesIndices() ? s.preferringSequences() : l;
    }

    public Optimizer<?, ?> buildOptimizer(Module model) {
        return Registry.optimizer(optimizer, model.parameters());
    }

    /** The schedule, or null without one, for a run whose batches per epoch are not known (see the other overload). */
    public LRSchedule buildSchedule(Optimizer<?, ?> opt) {
        return buildSchedule(opt, 0);
    }

    /**
     * The schedule, or null without one. With {@code batchesPerEpoch} (0 if unknown) the run's length is known, in
     * epochs or, with {@code interval: step}, optimizer steps ({@code max_steps} included), and counts a schedule may
     * leave out default to it ({@code CosineAnnealingLR}'s {@code T_max}).
     */
    public LRSchedule buildSchedule(Optimizer<?, ?> opt, int batchesPerEpoch) {
        if (schedule == null) return null;
        LRSchedule s = Registry.schedule(schedule, opt, runLength(batchesPerEpoch));
        if (!(s instanceof ReduceLROnPlateau) && schedule.node().entries().containsKey("monitor"))
            throw schedule.error("monitor", "only ReduceLROnPlateau watches a figure");
        if (s instanceof ReduceLROnPlateau && schedulePerStep)
            throw schedule.error("interval", "ReduceLROnPlateau watches an epoch figure; it steps once per epoch");
        if (schedule.has("warmup")) { // the warm-up is counted in the schedule's own unit
            Args w = schedule.obj("warmup");
            String unit = schedulePerStep ? "steps" : "epochs", other = schedulePerStep ? "epochs" : "steps";
            if (w.has(other))
                throw w.error(other, "this schedule steps once per " + (schedulePerStep ? "optimizer step" : "epoch")
                        + " (interval: " + (schedulePerStep ? "step" : "epoch") + "), so its warm-up is counted in " + unit);
        }
        return s;
    }

    /** How many times the schedule is stepped in a whole run: epochs, or optimizer steps; 0 if not known. */
    private int runLength(int batchesPerEpoch) {
        if (batchesPerEpoch <= 0) return schedulePerStep ? 0 : epochs;
        long steps = (long) epochs * batchesPerEpoch;
        if (maxSteps != null) steps = Math.min(steps, maxSteps);
        long length = schedulePerStep ? steps : (steps + batchesPerEpoch - 1) / batchesPerEpoch;
        return (int) Math.min(Integer.MAX_VALUE, length);
    }

    /** The metric factories (checked now, so that a bad name is reported with its line before training). */
    public List<Supplier<Metric>> metrics(int numClasses) {
        List<Supplier<Metric>> out = new ArrayList<>();
        Long lossIgnore = loss == null ? null : loss.optLong("ignore_index"); // positions the loss skips, metrics skip too
        long ignore = lossIgnore == null ? -100 : lossIgnore;
        for (int i = 0; i < metricNames.size(); i++) {
            String name = metricNames.get(i);
            try {
                Metrics.create(name, numClasses, ignore);
            } catch (IllegalArgumentException e) {
                throw ConfigException.at(metricLocs.get(i), "metrics[" + i + "]", Registry.oneLine(e)
                        + (numClasses < 2 ? " (set data.num_classes)" : ""));
            }
            out.add(() -> Metrics.create(name, numClasses, ignore));
        }
        return out;
    }

    public List<String> metricNames() {
        return List.copyOf(metricNames);
    }
}
