package dev.nabla.nn.internal;

/**
 * A [N, H, L, D] attention operand addressed inside a float array: element (n, h, l, d) is at
 * {@code base + n·sN + h·sH + l·sL + d·sD}. One record covers head-split views of [N, L, E] activations, the q/k/v
 * thirds of a packed [N, L, 3E] projection and plain 4-D tensors, whatever their strides.
 */
public record Operand(float[] data, int base, int sN, int sH, int sL, int sD) {
    /** Offset of the (n, h) block. */
    public int at(int n, int h) {
        return base + n * sN + h * sH;
    }
}
