package dev.nabla.nn.generate;

import dev.nabla.tensor.Tensor;

/**
 * A language model read one step at a time: {@link #prefill} starts B sequences from a prompt, {@link #step} extends
 * each by one token; both return the logits of the next token, [B, vocab]. Implementations keep whatever state makes
 * a step cheap: {@link GptDecoder} a key/value cache, {@link RecurrentDecoder} the hidden states,
 * {@link FullContextDecoder} just the tokens (it re-runs them).
 */
public interface Decoder {
    /** Forgets any earlier sequence and reads the prompt, int64 [B, T] with T >= 1; the logits after it, [B, vocab]. */
    Tensor prefill(Tensor prompt);

    /** Appends one token per sequence (int64 [B, 1] or [B]); the logits after it, [B, vocab]. */
    Tensor step(Tensor tokens);
}
