package dev.nabla.cli;

import dev.nabla.cli.config.ConfigException;
import dev.nabla.cli.config.RunConfig;
import dev.nabla.data.Dataset;
import dev.nabla.nn.Module;
import dev.nabla.nn.models.GPT;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.text.ByteTokenizer;
import dev.nabla.text.LanguageModelDataset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Language models from configs: text data, GPT and LSTM models, sequence losses, {@code nabla eval} and {@code generate}. */
class LanguageModelCommandTest {
    @TempDir
    Path dir;

    static final String CORPUS = "the quick brown fox jumps over the lazy dog. ".repeat(60);

    static final String GPT_RUN = """
            model: {type: GPT, block_size: 16, n_layer: 1, n_head: 2, n_embd: 24, dropout: 0.0}
            data:
              train: {format: text, file: corpus.txt, tokenizer: chars}
              val: {split_from_train: 0.1}
              batch_size: 16
            loss: {type: CrossEntropyLoss}
            optimizer: {type: AdamW, lr: 0.01, weight_decay: 0.0}
            training: {epochs: 12, seed: 1, progress: false, checkpoints: false}
            output: {dir: out, chart: false}
            """;

    @BeforeEach
    void corpus() throws IOException {
        Files.writeString(dir.resolve("corpus.txt"), CORPUS);
    }

    private Path write(String name, String yaml) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml);
        return f;
    }

    private static TrainCommandTest.Result ok(String... args) {
        TrainCommandTest.Result r = TrainCommandTest.run(args);
        assertEquals(0, r.code(), "stdout:\n" + r.out() + "\nstderr:\n" + r.err());
        return r;
    }

    /** The loss and perplexity printed for {@code split}. */
    private static double[] lossAndPerplexity(String out, String split) {
        Matcher m = Pattern.compile(split + ": loss ([0-9.]+)  perplexity ([0-9.]+)").matcher(out);
        assertTrue(m.find(), out);
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
    }

    @Test
    void textDataTrainsAGptAndSplitsByContiguousBlocks() throws IOException {
        RunConfig c = RunConfig.load(write("gpt.yaml", GPT_RUN), List.of());
        assertTrue(c.isText() && c.isLanguageModel() && c.takesIndices());
        assertEquals(16, c.textBlockSize(), "block_size defaults to the GPT's");
        RunConfig.Data data = c.loadData();
        int vocab = "the quickbrownfxjmpsvlazydg.".chars().distinct().toArray().length + 1; // + the unknown token
        assertEquals(vocab, c.tokenizer().vocabSize());
        assertEquals(vocab, data.numClasses());
        Module m = c.buildModule(new Generator(0));
        assertEquals(vocab, ((GPT) m).config().vocabSize(), "vocab_size comes from the tokenizer");
        var b = data.train().batch(new int[] {0, 1});
        assertEquals(DType.INT64, b.x().dtype());
        assertArrayEquals(new int[] {2, 16}, b.x().shape());
        assertArrayEquals(new int[] {2, 16}, b.y().shape());
        // the validation windows are contiguous text held out by blocks of 8·17 tokens, as LanguageModelDataset.split makes them
        int[] ids = c.tokenizer().encode(CORPUS);
        var split = LanguageModelDataset.split(ids, 8 * 17, 0.1, 1);
        assertEquals(split.validationWindows(16, 16).size(), data.val().size());
        assertEquals(split.trainWindows(16, 16).size(), data.train().size());
        assertArrayEquals(new int[] {1, 16, vocab}, c.shapes(m, c.inputShape(data)).getFirst());

        TrainCommandTest.Result r = ok("train", dir.resolve("gpt.yaml").toString());
        Path out = dir.resolve("out");
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("tokenizer").resolve("nabla-tokenizer.json")), r.out());
        assertTrue(r.out().contains("tokenizer: " + out.resolve("tokenizer")), r.out());
        List<String> csv = Files.readAllLines(out.resolve("history.csv"));
        String[] head = csv.getFirst().split(","), last = csv.getLast().split(",");
        double valLoss = Double.parseDouble(last[List.of(head).indexOf("val_loss")]);
        assertTrue(valLoss < 0.5 * Math.log(vocab), "the model learns the repeated sentence: val_loss " + valLoss + "\n" + csv);

        double[] lp = lossAndPerplexity(ok("eval", dir.resolve("gpt.yaml").toString()).out(), "val");
        assertEquals(valLoss, lp[0], 1e-3, "eval reads the same held-out windows with the saved tokenizer");
        assertEquals(Math.exp(lp[0]), lp[1], 2e-3 * lp[1]);
    }

    @Test
    void generateContinuesThePromptReproducibly() throws IOException {
        Path cfg = write("gpt.yaml", GPT_RUN);
        ok("train", cfg.toString());
        String greedy = ok("generate", cfg.toString(), "--prompt", "the quick", "--max-new-tokens", "25", "--temperature", "0").out();
        assertEquals("the quick".length() + 25, greedy.replaceFirst("\\R$", "").length(), greedy);
        assertTrue(greedy.startsWith("the quick"), greedy);
        assertTrue(greedy.startsWith("the quick brown fox"), "a trained model continues the sentence: " + greedy);
        String[] args = {"generate", cfg.toString(), "--prompt", "the", "--max-new-tokens", "40", "--temperature", "1.2",
                "--top-k", "5", "--top-p", "0.95", "--seed", "7"};
        assertEquals(ok(args).out(), ok(args).out(), "a seed gives the same text");
        assertEquals(3 + 40, ok(args).out().replaceFirst("\\R$", "").length());
        TrainCommandTest.Result bad = TrainCommandTest.run("generate", cfg.toString(), "--top-p", "1.5");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("sampling: top_p must be in (0, 1] (1 = off), got 1.5"), bad.err());
        bad = TrainCommandTest.run("generate", cfg.toString(), "--tokenizer", dir.resolve("nowhere").toString());
        assertTrue(bad.err().contains("no tokenizer at " + dir.resolve("nowhere")), bad.err());
    }

    @Test
    void lstmOnInt64NpyWindowsWithSequenceTargets() throws IOException {
        // windows of the corpus bytes: x [N, 12], y [N, 12] (the next bytes), both int64
        byte[] bytes = CORPUS.getBytes(StandardCharsets.UTF_8);
        int t = 12, n = (bytes.length - 1) / t;
        long[] x = new long[n * t], y = new long[n * t];
        for (int i = 0; i < n * t; i++) {
            x[i] = bytes[i];
            y[i] = bytes[i + 1];
        }
        NpyFiles.longs(dir.resolve("x.npy"), x, n, t);
        NpyFiles.longs(dir.resolve("y.npy"), y, n, t);
        Path cfg = write("lstm.yaml", """
                model:
                  layers:
                    - {type: Embedding, num_embeddings: 128, embedding_dim: 16}
                    - {type: LSTM, input_size: 16, hidden_size: 32, batch_first: true}
                    - {type: Linear, in_features: 32, out_features: 128}
                data:
                  train: {format: npy, x: x.npy, y: y.npy}
                  val: {split_from_train: 0.1}
                  batch_size: 16
                loss: {type: CrossEntropyLoss}
                optimizer: {type: Adam, lr: 0.02}
                training: {epochs: 4, seed: 3, progress: false, checkpoints: false}
                output: {dir: lstm-out, chart: false}
                """);
        RunConfig c = RunConfig.load(cfg, List.of());
        RunConfig.Data data = c.loadData();
        assertEquals(DType.INT64, data.train().batch(new int[] {0}).x().dtype(), "integer features stay int64 for an Embedding");
        List<int[]> shapes = c.shapes(c.buildModel(new Generator(0)), new int[] {12});
        assertArrayEquals(new int[] {1, 12, 32}, shapes.get(1), "the LSTM passes on its output sequence");
        assertArrayEquals(new int[] {1, 12, 128}, shapes.get(2));
        ok("train", cfg.toString());
        double[] lp = lossAndPerplexity(ok("eval", cfg.toString()).out(), "val");
        assertTrue(lp[0] < 1.5, "loss " + lp[0]);
        assertEquals(Math.exp(lp[0]), lp[1], 2e-3 * lp[1]);
        // generation needs a tokenizer: npy data has none, so it is given
        Path tok = dir.resolve("bytes-tok");
        new ByteTokenizer().save(tok);
        TrainCommandTest.Result r = TrainCommandTest.run("generate", cfg.toString(), "--prompt", "x");
        assertTrue(r.err().contains("no tokenizer at " + dir.resolve("lstm-out").resolve("tokenizer")), r.err());
        String text = ok("generate", cfg.toString(), "--tokenizer", tok.toString(), "--prompt", "the quick", "--temperature", "0",
                "--max-new-tokens", "10").out();
        assertTrue(text.startsWith("the quick"), text);
        assertEquals(19, text.replaceFirst("\\R$", "").length(), text);
    }

    @Test
    void floatModelsStillGetFloatFeaturesFromIntegerNpy() throws IOException {
        NpyFiles.longs(dir.resolve("x.npy"), new long[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2);
        NpyFiles.longs(dir.resolve("y.npy"), new long[] {0, 1, 0, 1}, 4);
        Path cfg = write("mlp.yaml", """
                model: {layers: [{type: Linear, in_features: 2, out_features: 2}]}
                data: {train: {format: npy, x: x.npy, y: y.npy}}
                loss: {type: CrossEntropyLoss}
                optimizer: {type: SGD, lr: 0.1}
                """);
        Dataset d = RunConfig.load(cfg, List.of()).loadData().train();
        assertEquals(DType.FLOAT32, d.batch(new int[] {0}).x().dtype());
        assertArrayEquals(new float[] {3, 4}, d.batch(new int[] {1}).x().toFloatArray());
    }

    @Test
    void summaryOfAGptIsOneRow() throws IOException {
        Path cfg = write("gpt.yaml", GPT_RUN);
        String out = ok("summary", cfg.toString()).out();
        assertTrue(out.contains("Input shape: [1, 16]"), out);
        assertTrue(out.contains("GPT") && out.contains("[1, 16, 29]"), out);
    }

    private String configError(String yaml) throws IOException {
        Path f = write("bad.yaml", yaml);
        ConfigException e = assertThrows(ConfigException.class, () -> {
            RunConfig c = RunConfig.load(f, List.of());
            Module m = c.buildModule(new Generator(0));
            c.loadData();
            c.checkVocabulary(m);
        });
        return e.getMessage();
    }

    @Test
    void configErrorsNameTheKey() throws IOException {
        String rest = """
                loss: {type: CrossEntropyLoss}
                optimizer: {type: Adam}
                """;
        String text = "data: {train: {format: text, file: corpus.txt, block_size: 8}}\n";
        assertTrue(configError("model: {type: Transformer}\n" + text + rest)
                .contains("model.type: unknown model type 'Transformer'; known: GPT"), "type");
        String e = configError("model: {type: GPT, vocab_size: 300, n_head: 3, n_embd: 16}\n" + text + rest);
        assertTrue(e.contains("model.n_embd: n_embd must be divisible by n_head, got n_embd=16, n_head=3"), e);
        e = configError("model: {type: GPT, vocab_size: 100, n_layer: 1, n_head: 1, n_embd: 8}\n" + text + rest);
        assertTrue(e.contains("model.vocab_size: vocab_size 100 is smaller than the tokenizer's vocabulary of 256 tokens"), e);
        e = configError("model: {type: GPT, n_layer: 1, n_embd: 8, n_head: 1}\n"
                + "data: {train: {format: npy, x: x.npy, y: y.npy}}\n" + rest);
        assertTrue(e.contains("model.vocab_size: required"), e);
        e = configError("model: {type: GPT, layers: []}\n" + text + rest);
        assertTrue(e.contains("model.layers: unknown key"), e);
        e = configError("model: {type: GPT, vocab_size: 256}\n"
                + "data: {train: {format: text, file: corpus.txt, tokenizer: bytes, vocab_size: 300}}\n" + rest);
        assertTrue(e.contains("data.train.vocab_size: is only for tokenizer: bpe"), e);
        e = configError("model: {layers: [{type: Embedding, num_embeddings: 64, embedding_dim: 4}]}\n" + text + rest);
        assertTrue(e.contains("model.layers[0].num_embeddings: is 64, smaller than the tokenizer's vocabulary of 256 tokens"), e);
        e = configError("model: {type: GPT, vocab_size: 256}\n"
                + "data: {train: {format: text, file: corpus.txt, tokenizer: words}}\n" + rest);
        assertTrue(e.contains("data.train.tokenizer: unknown tokenizer 'words'; known: bytes, chars, bpe"), e);
        e = configError("model: {type: GPT, vocab_size: 256}\n"
                + "data: {train: {format: text, file: corpus.txt}, test: {format: npy, x: x.npy, y: y.npy}}\n" + rest);
        assertTrue(e.contains("data.test.format: the training data is text"), e);
        e = configError("model: {layers: [{type: Linear, in_features: 2, out_features: 2}]}\n"
                + "data: {train: {format: text, file: corpus.txt}}\n" + rest);
        assertTrue(e.contains("data.train.block_size: required"), e);
    }
}
