package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * The fixed positional encoding of "Attention is all you need": pe[pos, 2i] = sin(pos / 10000^(2i/d_model)),
 * pe[pos, 2i+1] = cos(pos / 10000^(2i/d_model)), kept as the non-persistent buffer {@code pe} [max_len, d_model] (not
 * in the state dict). {@code forward(x)} returns x + pe[:T] for x [N, T, d_model] ({@code batch_first}) or
 * [T, N, d_model]; it has no parameters and no dropout (compose one after it if wanted).
 */
public final class SinusoidalPositionalEncoding extends Module {
    private final int dModel, maxLen;
    private final boolean batchFirst;
    private final Tensor pe;

    public SinusoidalPositionalEncoding(int dModel, int maxLen, boolean batchFirst) {
        Layers.positive("SinusoidalPositionalEncoding", "d_model", dModel);
        Layers.positive("SinusoidalPositionalEncoding", "max_len", maxLen);
        this.dModel = dModel;
        this.maxLen = maxLen;
        this.batchFirst = batchFirst;
        float[] table = new float[maxLen * dModel];
        for (int pos = 0; pos < maxLen; pos++)
            for (int i = 0; 2 * i < dModel; i++) {
                double angle = pos * Math.exp(-Math.log(10000.0) * (2.0 * i) / dModel);
                table[pos * dModel + 2 * i] = (float) Math.sin(angle);
                if (2 * i + 1 < dModel) table[pos * dModel + 2 * i + 1] = (float) Math.cos(angle);
            }
        this.pe = registerBuffer("pe", Tensor.of(table, maxLen, dModel), false);
    }

    /** The table [max_len, d_model]. */
    public Tensor pe() { return pe; }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 3 || x.size(2) != dModel)
            throw new IllegalArgumentException("SinusoidalPositionalEncoding: expected input of shape "
                    + (batchFirst ? "[N, T, " : "[T, N, ") + dModel + "], got " + Shape.str(x.shape()));
        int t = x.size(batchFirst ? 1 : 0);
        if (t > maxLen)
            throw new IllegalArgumentException("SinusoidalPositionalEncoding: sequence length " + t + " exceeds max_len "
                    + maxLen + " (input " + Shape.str(x.shape()) + ")");
        Tensor rows = pe.narrow(0, 0, t);
        return x.add(batchFirst ? rows : rows.unsqueeze(1));
    }

    @Override
    protected String extraRepr() {
        return "d_model=" + dModel + ", max_len=" + maxLen + ", batch_first=" + py(batchFirst);
    }
}
