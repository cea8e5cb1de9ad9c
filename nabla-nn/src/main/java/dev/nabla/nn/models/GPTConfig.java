package dev.nabla.nn.models;

/**
 * The shape of a {@link GPT} (nanoGPT's {@code GPTConfig}): vocabulary, context length ({@code block_size}), number
 * of blocks, heads and embedding width, dropout probability (embeddings, attention weights, residual branches),
 * whether Linear and LayerNorm layers have biases, and whether the output head shares the token embedding
 * ({@code tie_weights}; the head never has a bias).
 */
public record GPTConfig(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, double dropout, boolean bias,
                        boolean tieWeights) {
    public GPTConfig {
        positive("vocab_size", vocabSize);
        positive("block_size", blockSize);
        positive("n_layer", nLayer);
        positive("n_head", nHead);
        positive("n_embd", nEmbd);
        if (nEmbd % nHead != 0)
            throw new IllegalArgumentException("GPTConfig: n_embd must be divisible by n_head, got n_embd=" + nEmbd
                    + ", n_head=" + nHead);
        if (!(dropout >= 0 && dropout < 1))
            throw new IllegalArgumentException("GPTConfig: dropout must be in [0, 1), got " + dropout);
    }

    /** nanoGPT's defaults for the flags: tied weights (as nanoGPT; pass {@code tieWeights=false} for an untied head). */
    public GPTConfig(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, double dropout, boolean bias) {
        this(vocabSize, blockSize, nLayer, nHead, nEmbd, dropout, bias, true);
    }

    private static void positive(String name, int v) {
        if (v <= 0) throw new IllegalArgumentException("GPTConfig: " + name + " must be positive, got " + v);
    }
}
