package dev.nabla.nn.layers;

import dev.nabla.tensor.Generator;

/**
 * Elman RNN, PyTorch's {@code nn.RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
 * batch_first=False, dropout=0.0, bidirectional=False)}: h_t = act(x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh) with
 * act tanh or relu. See {@link RNNBase} for shapes, parameters and dropout.
 */
public final class RNN extends RNNBase {
    private final String nonlinearity;

    public RNN(int inputSize, int hiddenSize, Generator gen) {
        this(inputSize, hiddenSize, 1, "tanh", true, false, 0f, false, gen);
    }

    /** @param nonlinearity "tanh" or "relu" */
    public RNN(int inputSize, int hiddenSize, int numLayers, String nonlinearity, boolean bias, boolean batchFirst,
               float dropout, boolean bidirectional, Generator gen) {
        super("RNN", cell(nonlinearity), inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, gen);
        this.nonlinearity = nonlinearity;
    }

    private static Recurrent.Cell cell(String nonlinearity) {
        if ("tanh".equals(nonlinearity)) return Recurrent.Cell.RNN_TANH;
        if ("relu".equals(nonlinearity)) return Recurrent.Cell.RNN_RELU;
        throw new IllegalArgumentException("RNN: unknown nonlinearity '" + nonlinearity + "' (expected 'tanh' or 'relu')");
    }

    public String nonlinearity() { return nonlinearity; }
}
