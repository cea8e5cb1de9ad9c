package dev.nabla.data;

import dev.nabla.tensor.Tensor;

/** One batch: inputs [B, ...] and targets [B, ...]. */
public record Batch(Tensor x, Tensor y) {
    public int size() {
        return x.size(0);
    }
}
