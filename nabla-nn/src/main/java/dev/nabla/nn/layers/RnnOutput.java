package dev.nabla.nn.layers;

import dev.nabla.tensor.Tensor;

/**
 * What a recurrent layer returns: the top layer's hidden state at every position ({@code output}, [T, B, D*H], or
 * [B, T, D*H] with {@code batch_first}, or [T, D*H] unbatched) and the final hidden state of every layer and
 * direction ({@code h}, [num_layers*D, B, H]); {@code c} is the LSTM's final cell state (same shape as {@code h}),
 * null for RNN and GRU. D is 2 when bidirectional, else 1.
 */
public record RnnOutput(Tensor output, Tensor h, Tensor c) {}
