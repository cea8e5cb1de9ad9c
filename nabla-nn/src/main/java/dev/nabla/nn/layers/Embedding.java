package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.nn.init.Init;
import dev.nabla.ops.Functional;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * A lookup table, PyTorch's {@code nn.Embedding(num_embeddings, embedding_dim, padding_idx=None)}: int64 indices
 * of any shape → their rows of {@code weight} [num_embeddings, embedding_dim], shape indices.shape + [dim].
 * The weight is drawn from N(0, 1); the {@code padding_idx} row (negative counts from the end) starts at zero
 * and its gradient stays zero (the positions holding it read the row without recording a gradient path).
 * {@code max_norm} is not supported.
 */
public final class Embedding extends Module {
    private final int numEmbeddings, embeddingDim;
    private final Integer paddingIdx;
    private final Tensor weight;

    public Embedding(int numEmbeddings, int embeddingDim, Generator gen) {
        this(numEmbeddings, embeddingDim, null, gen);
    }

    /** @param paddingIdx null for none */
    public Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx, Generator gen) {
        Layers.positive("Embedding", "num_embeddings", numEmbeddings);
        Layers.positive("Embedding", "embedding_dim", embeddingDim);
        Layers.generator("Embedding", gen);
        if (paddingIdx != null && (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings))
            throw new IllegalArgumentException("Embedding: padding_idx must be within num_embeddings (" + numEmbeddings
                    + "), got " + paddingIdx);
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        this.paddingIdx = paddingIdx == null ? null : paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
        this.weight = registerParameter("weight", Tensor.zeros(numEmbeddings, embeddingDim));
        resetParameters(gen);
    }

    /** Redraws the weight from N(0, 1) and zeroes the padding row. */
    public void resetParameters(Generator gen) {
        Init.normal_(weight, 0, 1, gen);
        if (paddingIdx != null) Init.zeros_(weight.select(0, paddingIdx));
    }

    public Tensor weight() { return weight; }

    /** The padding index (non-negative), or null. */
    public Integer paddingIdx() { return paddingIdx; }

    @Override
    public Tensor forward(Tensor input) {
        if (input.dtype() != DType.INT64)
            throw new IllegalArgumentException("Embedding: expected int64 indices, got " + input.dtype() + " of shape "
                    + Shape.str(input.shape()));
        long[] idx = input.toLongArray();
        for (int i = 0; i < idx.length; i++)
            if (idx[i] < 0 || idx[i] >= numEmbeddings)
                throw new IndexOutOfBoundsException("Embedding: index " + idx[i] + " at position " + i
                        + " is out of range for num_embeddings=" + numEmbeddings);
        Tensor out = Functional.embedding(input, weight);
        if (paddingIdx == null || !out.requiresGrad()) return out;
        float[] keep = new float[idx.length];
        boolean any = false;
        for (int i = 0; i < idx.length; i++) {
            keep[i] = idx[i] == paddingIdx ? 0f : 1f;
            any |= keep[i] == 0f;
        }
        if (!any) return out;
        int[] maskShape = new int[input.rank() + 1];
        System.arraycopy(input.shape(), 0, maskShape, 0, input.rank());
        maskShape[input.rank()] = 1;
        return Tensor.where(Tensor.of(keep, maskShape), out, Functional.embedding(input, weight.detach()));
    }

    @Override
    protected String extraRepr() {
        return numEmbeddings + ", " + embeddingDim + (paddingIdx == null ? "" : ", padding_idx=" + paddingIdx);
    }
}
