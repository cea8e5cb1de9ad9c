package dev.nabla.cli;

import dev.nabla.cli.config.RunConfig;
import dev.nabla.nn.Module;
import dev.nabla.nn.generate.Generation;
import dev.nabla.nn.generate.Sampling;
import dev.nabla.tensor.Generator;
import dev.nabla.text.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code nabla generate CONFIG --prompt TEXT}: continues a prompt with a trained language model (the run's
 * {@code model.safetensors} and {@code tokenizer/} by default) and prints the prompt and its continuation. Sampling
 * follows nanoGPT (temperature, top-k) plus nucleus (top-p); a seed gives the same text every time. A GPT decodes
 * through its key/value cache, a recurrent model carries its hidden state.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text with a trained language model (a GPT, or token-id layers such as Embedding → LSTM → Linear).")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "The text to continue (default: a newline).")
    String prompt = "\n";

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Tokens to generate (default: 200).")
    int maxNewTokens = 200;

    @Option(names = "--temperature", paramLabel = "T", description = "Softmax temperature; 0 is greedy decoding (default: 1.0).")
    double temperature = 1.0;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample only from the K most likely tokens; 0 = all (default: 0).")
    int topK = 0;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling: the smallest set of tokens with probability >= P; 1 = all (default: 1.0).")
    double topP = 1.0;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the sampling generator (default: training.seed).")
    Long seed;

    @Option(names = "--weights", paramLabel = "FILE", description = "A safetensors state dict (default: the run's model.safetensors).")
    Path weights;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "A saved tokenizer (default: the run's output.dir/tokenizer).")
    Path tokenizerDir;

    @Override
    public Integer call() throws IOException {
        Sampling sampling = new Sampling(temperature, topK, topP);
        if (maxNewTokens < 0) throw new IllegalArgumentException("--max-new-tokens must be >= 0, got " + maxNewTokens);
        RunConfig cfg = options.load();
        if (!cfg.takesIndices())
            throw new IllegalArgumentException(cfg.file + ": the model does not read token ids (use model.type: GPT, or an Embedding first)");
        Tokenizer tok = Session.savedTokenizer(cfg, tokenizerDir, true);
        Module model = Session.model(cfg);
        RunConfig.loadWeights(model, Session.weights(cfg, weights), null, "--weights");
        int[] ids = tok.encode(prompt);
        if (ids.length == 0) throw new IllegalArgumentException("--prompt: the prompt is empty; give at least one character");
        long[] out = Generation.generate(model, Tokenizer.toLongs(ids), maxNewTokens, sampling,
                new Generator(seed != null ? seed : cfg.seed));
        System.out.println(tok.decode(out));
        return 0;
    }
}
