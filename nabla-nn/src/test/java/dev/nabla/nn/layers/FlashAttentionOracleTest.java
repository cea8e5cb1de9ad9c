package dev.nabla.nn.layers;

/** Every PyTorch oracle case of {@link AttentionOracleTest} (MHA, encoder layers, GPT) through the block-wise kernel. */
class FlashAttentionOracleTest extends AttentionOracleTest {
    @Override
    Attention.Kernel kernel() {
        return Attention.Kernel.FLASH;
    }
}
