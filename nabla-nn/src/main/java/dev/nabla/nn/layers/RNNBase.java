package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.nn.init.Init;
import dev.nabla.ops.Functional;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link RNN}, {@link LSTM} and {@link GRU} share (PyTorch's {@code nn.RNNBase}): the arguments
 * {@code input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional}, the parameters
 * {@code weight_ih_l{k}} [gates*H, in], {@code weight_hh_l{k}} [gates*H, H], {@code bias_ih_l{k}},
 * {@code bias_hh_l{k}} [gates*H] (with a {@code _reverse} suffix for the backward direction), registered in
 * PyTorch's order so that state dicts carry over both ways, all initialised from U(-1/√H, 1/√H).
 *
 * <p>Input [T, B, input_size] (or [B, T, input_size] with {@code batch_first}, or unbatched [T, input_size]);
 * optional initial states [num_layers*D, B, H] (unbatched: [num_layers*D, H]), zeros when null. Each layer and
 * direction is one graph node with a hand-written backward through time (see {@code Recurrent}).
 *
 * <p>{@code dropout} applies to the outputs of every layer but the last, in training mode only, drawing its mask
 * from an explicit {@link Generator}: the one given to the constructor, unless replaced with {@link #setGenerator}.
 */
public abstract sealed class RNNBase extends Module permits RNN, LSTM, GRU {
    private final Recurrent.Cell cell;
    private final String layerName;
    private final int inputSize, hiddenSize, numLayers;
    private final boolean bias, batchFirst, bidirectional;
    private final float dropout;
    private final Tensor[][] wIh, wHh, bIh, bHh; // [layer][direction]
    private Generator generator;

    RNNBase(String layerName, Recurrent.Cell cell, int inputSize, int hiddenSize, int numLayers, boolean bias,
            boolean batchFirst, float dropout, boolean bidirectional, Generator gen) {
        Layers.positive(layerName, "input_size", inputSize);
        Layers.positive(layerName, "hidden_size", hiddenSize);
        Layers.positive(layerName, "num_layers", numLayers);
        if (!(dropout >= 0 && dropout <= 1))
            throw new IllegalArgumentException(layerName + ": dropout must be a number in [0, 1], got " + dropout);
        Layers.generator(layerName, gen);
        this.layerName = layerName;
        this.cell = cell;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.bias = bias;
        this.batchFirst = batchFirst;
        this.dropout = dropout;
        this.bidirectional = bidirectional;
        this.generator = gen;
        int dirs = directions(), gh = cell.gates * hiddenSize;
        wIh = new Tensor[numLayers][dirs];
        wHh = new Tensor[numLayers][dirs];
        bIh = new Tensor[numLayers][dirs];
        bHh = new Tensor[numLayers][dirs];
        for (int l = 0; l < numLayers; l++) {
            int in = l == 0 ? inputSize : hiddenSize * dirs;
            for (int d = 0; d < dirs; d++) {
                String sfx = "_l" + l + (d == 1 ? "_reverse" : "");
                wIh[l][d] = registerParameter("weight_ih" + sfx, Tensor.zeros(gh, in));
                wHh[l][d] = registerParameter("weight_hh" + sfx, Tensor.zeros(gh, hiddenSize));
                if (bias) {
                    bIh[l][d] = registerParameter("bias_ih" + sfx, Tensor.zeros(gh));
                    bHh[l][d] = registerParameter("bias_hh" + sfx, Tensor.zeros(gh));
                }
            }
        }
        resetParameters(gen);
    }

    /** Redraws every parameter from U(-1/√hidden_size, 1/√hidden_size), in registration order. */
    public void resetParameters(Generator gen) {
        double bound = 1 / Math.sqrt(hiddenSize);
        for (Tensor p : parameters()) Init.uniform_(p, -bound, bound, gen);
    }

    public int inputSize() { return inputSize; }

    public int hiddenSize() { return hiddenSize; }

    public int numLayers() { return numLayers; }

    public boolean bias() { return bias; }

    public boolean batchFirst() { return batchFirst; }

    public float dropout() { return dropout; }

    public boolean bidirectional() { return bidirectional; }

    /** 2 when bidirectional, else 1. */
    public int directions() { return bidirectional ? 2 : 1; }

    /** The generator that draws the between-layer dropout masks. */
    public Generator generator() { return generator; }

    /** Replaces the generator of the between-layer dropout masks; returns this. */
    public RNNBase setGenerator(Generator generator) {
        this.generator = generator;
        return this;
    }

    @Override
    public String name() {
        return layerName;
    }

    /** The output sequence, for use inside a {@link Sequential}: same as {@code forward(input, null, null).output()}. */
    @Override
    public Tensor forward(Tensor input) {
        return run(input, null, null).output();
    }

    /** {@code forward(input)}, {@code forward(input, h0)} or, for the LSTM, {@code forward(input, h0, c0)}: the output sequence. */
    @Override
    public Tensor forward(Tensor... inputs) {
        int max = cell == Recurrent.Cell.LSTM ? 3 : 2;
        if (inputs.length < 1 || inputs.length > max)
            throw new IllegalArgumentException(layerName + ": takes 1 to " + max + " inputs, got " + inputs.length);
        return run(inputs[0], inputs.length > 1 ? inputs[1] : null, inputs.length > 2 ? inputs[2] : null).output();
    }

    /**
     * The output sequence and the final states. {@code h0} (and, for the LSTM only, {@code c0}) are
     * [num_layers*D, B, H] ([num_layers*D, H] for an unbatched input), or null for zeros.
     */
    public final RnnOutput forward(Tensor input, Tensor h0, Tensor c0) {
        return run(input, h0, c0);
    }

    /** {@code forward(input, h0, null)}. */
    public final RnnOutput forward(Tensor input, Tensor h0) {
        return run(input, h0, null);
    }

    private RnnOutput run(Tensor input, Tensor h0, Tensor c0) {
        boolean lstm = cell == Recurrent.Cell.LSTM;
        int dirs = directions(), H = hiddenSize, states = numLayers * dirs;
        if (input == null) throw new IllegalArgumentException(layerName + ": input is null");
        if (input.dtype() != DType.FLOAT32)
            throw new IllegalArgumentException(layerName + ": expected a float32 input, got " + input.dtype() + " of shape "
                    + Shape.str(input.shape()));
        boolean batched = input.rank() == 3;
        if ((input.rank() != 2 && input.rank() != 3) || input.size(-1) != inputSize || input.numel() == 0)
            throw new IllegalArgumentException(layerName + ": expected input of shape "
                    + (batchFirst ? "[B, T, " : "[T, B, ") + inputSize + "] (batch_first=" + py(batchFirst) + ") or [T, "
                    + inputSize + "] with T, B >= 1 (input_size=" + inputSize + "), got " + Shape.str(input.shape()));
        Tensor x = batched ? input : input.unsqueeze(batchFirst ? 0 : 1);
        int B = batchFirst ? x.size(0) : x.size(1), T = batchFirst ? x.size(1) : x.size(0);
        int[] stateShape = batched ? new int[] {states, B, H} : new int[] {states, H};
        checkState("h0", h0, stateShape);
        if (c0 != null && !lstm) throw new IllegalArgumentException(layerName + ": has no cell state, but c0 was given");
        checkState("c0", c0, stateShape);
        if (h0 != null && !batched) h0 = h0.unsqueeze(1);
        if (c0 != null && !batched) c0 = c0.unsqueeze(1);

        boolean dropping = isTraining() && dropout > 0 && numLayers > 1;
        if (dropping && generator == null)
            throw new IllegalStateException(layerName + ": no Generator for dropout; pass one with setGenerator before a "
                    + "training-mode forward");
        List<Tensor> hs = new ArrayList<>(states), cs = lstm ? new ArrayList<>(states) : null;
        Tensor layerIn = x.contiguous();
        int timeDim = batchFirst ? 1 : 0;
        for (int l = 0; l < numLayers; l++) {
            List<Tensor> outs = new ArrayList<>(dirs);
            for (int d = 0; d < dirs; d++) {
                int k = l * dirs + d;
                Tensor res = Recurrent.run(cell, layerIn, h0 == null ? null : h0.select(0, k),
                        c0 == null ? null : c0.select(0, k), wIh[l][d].contiguous(), wHh[l][d].contiguous(),
                        bIh[l][d], bHh[l][d], batchFirst, d == 1);
                Tensor seq = res.narrow(0, 0, T * B).view(batchFirst ? new int[] {B, T, H} : new int[] {T, B, H});
                outs.add(seq);
                hs.add(seq.select(timeDim, d == 1 ? 0 : T - 1));
                if (lstm) cs.add(res.narrow(0, T * B, B));
            }
            Tensor out = dirs == 1 ? outs.get(0) : Tensor.cat(outs, 2);
            if (dropping && l < numLayers - 1) out = Functional.dropout(out, dropout, true, generator);
            layerIn = out;
        }
        Tensor output = layerIn, hN = Tensor.stack(hs, 0), cN = lstm ? Tensor.stack(cs, 0) : null;
        if (!batched) {
            output = output.squeeze(batchFirst ? 0 : 1);
            hN = hN.squeeze(1);
            if (cN != null) cN = cN.squeeze(1);
        }
        return new RnnOutput(output, hN, cN);
    }

    private void checkState(String what, Tensor s, int[] expected) {
        if (s == null) return;
        if (s.dtype() != DType.FLOAT32 || !java.util.Arrays.equals(s.shape(), expected))
            throw new IllegalArgumentException(layerName + ": expected " + what + " of shape " + Shape.str(expected)
                    + " ([num_layers*num_directions" + (expected.length == 3 ? ", B" : "") + ", hidden_size]), got "
                    + s.dtype() + " " + Shape.str(s.shape()));
    }

    /** The weights of one layer and direction (direction 1 is the reverse one), for inspection. */
    public Tensor weightIh(int layer, int direction) { return wIh[layer][direction]; }

    public Tensor weightHh(int layer, int direction) { return wHh[layer][direction]; }

    /** Null when built with {@code bias=false}. */
    public Tensor biasIh(int layer, int direction) { return bIh[layer][direction]; }

    public Tensor biasHh(int layer, int direction) { return bHh[layer][direction]; }

    @Override
    protected String extraRepr() {
        StringBuilder s = new StringBuilder().append(inputSize).append(", ").append(hiddenSize);
        if (numLayers != 1) s.append(", num_layers=").append(numLayers);
        if (!bias) s.append(", bias=False");
        if (batchFirst) s.append(", batch_first=True");
        if (dropout != 0) s.append(", dropout=").append(py(dropout));
        if (bidirectional) s.append(", bidirectional=True");
        return s.toString();
    }
}
