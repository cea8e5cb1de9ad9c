package dev.nabla.nn.generate;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/** Checks and slicing the decoders share. */
final class Steps {
    private Steps() {}

    /** Checks an int64 [B, T] prompt with B, T >= 1; returns B. */
    static int checkPrompt(String who, Tensor prompt) {
        if (prompt == null || prompt.dtype() != DType.INT64 || prompt.rank() != 2 || prompt.size(0) == 0 || prompt.size(1) == 0)
            throw new IllegalArgumentException(who + ": expected a prompt of int64 token ids [B, T] with B, T >= 1, got "
                    + (prompt == null ? "null" : prompt.dtype() + " " + Shape.str(prompt.shape())));
        return prompt.size(0);
    }

    /** Checks one token per sequence, int64 [B, 1] or [B]; returns the ids. */
    static long[] checkStep(String who, Tensor tokens, int batch) {
        boolean ok = tokens != null && tokens.dtype() == DType.INT64 && tokens.numel() == batch
                && ((tokens.rank() == 2 && tokens.size(1) == 1) || tokens.rank() == 1);
        if (!ok)
            throw new IllegalArgumentException(who + ": expected one int64 token per sequence, [" + batch + ", 1], got "
                    + (tokens == null ? "null" : tokens.dtype() + " " + Shape.str(tokens.shape())));
        return tokens.contiguous().toLongArray();
    }

    /** The last position of logits [B, T, V] as a contiguous [B, V]. */
    static Tensor last(Tensor logits) {
        if (logits.rank() != 3)
            throw new IllegalArgumentException("generate: the model must map token ids [B, T] to logits [B, T, vocab], got "
                    + Shape.str(logits.shape()));
        return logits.select(1, logits.size(1) - 1).contiguous();
    }
}
