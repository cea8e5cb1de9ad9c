package dev.nabla.nn.layers;

import dev.nabla.tensor.Generator;

/**
 * Gated recurrent unit, PyTorch's {@code nn.GRU(input_size, hidden_size, num_layers=1, bias=True,
 * batch_first=False, dropout=0.0, bidirectional=False)}, gates in PyTorch's order r, z, n:
 * r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
 * n = tanh(W_in x + b_in + r·(W_hn h + b_hn)), h' = (1 - z)·n + z·h. See {@link RNNBase}.
 */
public final class GRU extends RNNBase {
    public GRU(int inputSize, int hiddenSize, Generator gen) {
        this(inputSize, hiddenSize, 1, true, false, 0f, false, gen);
    }

    public GRU(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, float dropout,
               boolean bidirectional, Generator gen) {
        super("GRU", Recurrent.Cell.GRU, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, gen);
    }
}
