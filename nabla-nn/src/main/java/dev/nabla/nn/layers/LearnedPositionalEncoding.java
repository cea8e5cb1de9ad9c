package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.ops.Functional;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * A learned positional encoding: an {@link Embedding} over positions 0..max_len-1 (child {@code embedding}, so the
 * state dict holds {@code embedding.weight} [max_len, d_model], drawn from N(0, 1) as Embedding does).
 * {@code forward(x)} returns x + weight[:T] for x [N, T, d_model] ({@code batch_first}) or [T, N, d_model].
 */
public final class LearnedPositionalEncoding extends Module {
    private final int dModel, maxLen;
    private final boolean batchFirst;
    private final Embedding embedding;

    public LearnedPositionalEncoding(int maxLen, int dModel, boolean batchFirst, Generator gen) {
        Layers.positive("LearnedPositionalEncoding", "max_len", maxLen);
        Layers.positive("LearnedPositionalEncoding", "d_model", dModel);
        this.dModel = dModel;
        this.maxLen = maxLen;
        this.batchFirst = batchFirst;
        this.embedding = registerModule("embedding", new Embedding(maxLen, dModel, gen));
    }

    public Embedding embedding() { return embedding; }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 3 || x.size(2) != dModel)
            throw new IllegalArgumentException("LearnedPositionalEncoding: expected input of shape "
                    + (batchFirst ? "[N, T, " : "[T, N, ") + dModel + "], got " + Shape.str(x.shape()));
        int t = x.size(batchFirst ? 1 : 0);
        if (t > maxLen)
            throw new IllegalArgumentException("LearnedPositionalEncoding: sequence length " + t + " exceeds max_len "
                    + maxLen + " (input " + Shape.str(x.shape()) + ")");
        // rows 0..T-1 of the table: a narrow view keeps the gradient path to the weight without a gather
        Tensor rows = embedding.weight().narrow(0, 0, t);
        return x.add(batchFirst ? rows : rows.unsqueeze(1));
    }

    /** The position embeddings for positions 0..t-1, [t, d_model] (an Embedding lookup). */
    public Tensor positions(int t) {
        if (t <= 0 || t > maxLen)
            throw new IllegalArgumentException("LearnedPositionalEncoding: positions must be in 1.." + maxLen + ", got " + t);
        long[] idx = new long[t];
        for (int i = 0; i < t; i++) idx[i] = i;
        return Functional.embedding(Tensor.ofLongs(idx, t), embedding.weight());
    }

    @Override
    protected String extraRepr() {
        return "max_len=" + maxLen + ", d_model=" + dModel + ", batch_first=" + py(batchFirst);
    }
}
