package dev.nabla.nn.layers;

/** The finite-difference checks of {@link AttentionGradCheckTest} through the block-wise kernel. */
class FlashAttentionGradCheckTest extends AttentionGradCheckTest {
    @Override
    Attention.Kernel kernel() {
        return Attention.Kernel.FLASH;
    }
}
