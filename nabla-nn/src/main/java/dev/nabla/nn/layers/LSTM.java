package dev.nabla.nn.layers;

import dev.nabla.tensor.Generator;

/**
 * Long short-term memory, PyTorch's {@code nn.LSTM(input_size, hidden_size, num_layers=1, bias=True,
 * batch_first=False, dropout=0.0, bidirectional=False)} ({@code proj_size} is not supported), gates in PyTorch's
 * order i, f, g, o: c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c'). See {@link RNNBase}.
 */
public final class LSTM extends RNNBase {
    public LSTM(int inputSize, int hiddenSize, Generator gen) {
        this(inputSize, hiddenSize, 1, true, false, 0f, false, gen);
    }

    public LSTM(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, float dropout,
                boolean bidirectional, Generator gen) {
        super("LSTM", Recurrent.Cell.LSTM, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, gen);
    }
}
