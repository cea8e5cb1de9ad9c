package dev.nabla.nn.generate;

import dev.nabla.nn.Module;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.nn.models.GPT;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * Autoregressive text generation, nanoGPT's {@code generate(idx, max_new_tokens, temperature, top_k)} plus nucleus
 * sampling: read the prompt, then repeatedly draw a token from the last position's logits ({@link Sampling}) and feed
 * it back. The model is run through the cheapest {@link Decoder} it allows ({@link #decoderFor}); every draw comes
 * from the explicit {@link Generator}, so a seed reproduces the text.
 */
public final class Generation {
    private Generation() {}

    /**
     * A {@link GptDecoder} (key/value cache) for a GPT, a {@link RecurrentDecoder} (carried hidden state) for a
     * Sequential that supports it, otherwise a {@link FullContextDecoder} (re-runs the context).
     */
    public static Decoder decoderFor(Module model) {
        if (model instanceof GPT gpt) return new GptDecoder(gpt);
        if (model instanceof Sequential s && RecurrentDecoder.supports(s)) return new RecurrentDecoder(s);
        return new FullContextDecoder(model, 0);
    }

    /**
     * The prompt int64 [B, T] followed by {@code maxNewTokens} generated tokens: [B, T + maxNewTokens]. The model runs
     * in evaluation mode (restored afterwards) without recording gradients.
     */
    public static Tensor generate(Module model, Tensor prompt, int maxNewTokens, Sampling sampling, Generator gen) {
        if (model == null) throw new IllegalArgumentException("generate: model is null");
        boolean training = model.isTraining();
        model.eval();
        try {
            return generate(decoderFor(model), prompt, maxNewTokens, sampling, gen);
        } finally {
            model.train(training);
        }
    }

    /** {@link #generate(Module, Tensor, int, Sampling, Generator)} for one sequence: the prompt and the new tokens. */
    public static long[] generate(Module model, long[] prompt, int maxNewTokens, Sampling sampling, Generator gen) {
        if (prompt == null || prompt.length == 0)
            throw new IllegalArgumentException("generate: the prompt needs at least one token");
        return generate(model, Tensor.ofLongs(prompt, 1, prompt.length), maxNewTokens, sampling, gen).toLongArray();
    }

    /** Generation with a given decoder (the caller sets the model's mode). */
    public static Tensor generate(Decoder decoder, Tensor prompt, int maxNewTokens, Sampling sampling, Generator gen) {
        if (maxNewTokens < 0) throw new IllegalArgumentException("generate: max_new_tokens must be >= 0, got " + maxNewTokens);
        if (sampling == null) throw new IllegalArgumentException("generate: sampling is null");
        if (!sampling.isGreedy() && gen == null)
            throw new IllegalArgumentException("generate: a Generator is needed to sample (temperature > 0)");
        int b = Steps.checkPrompt("generate", prompt), t = prompt.size(1), total = t + maxNewTokens;
        long[] in = prompt.contiguous().toLongArray(), out = new long[b * total];
        for (int n = 0; n < b; n++) System.arraycopy(in, n * t, out, n * total, t);
        if (maxNewTokens == 0) return Tensor.ofLongs(out, b, total);
        Tensor logits = decoder.prefill(prompt);
        long[] next = new long[b];
        for (int i = 0; i < maxNewTokens; i++) {
            logits = logits.contiguous();
            if (logits.rank() != 2 || logits.size(0) != b)
                throw new IllegalArgumentException("generate: the decoder returned logits of shape " + Shape.str(logits.shape())
                        + ", expected [" + b + ", vocab]");
            int v = logits.size(1);
            float[] data = logits.data();
            for (int n = 0; n < b; n++) {
                next[n] = sampling.sample(data, logits.offset() + n * v, v, gen);
                out[n * total + t + i] = next[n];
            }
            if (i + 1 < maxNewTokens) logits = decoder.step(Tensor.ofLongs(next.clone(), b, 1));
        }
        return Tensor.ofLongs(out, b, total);
    }
}
