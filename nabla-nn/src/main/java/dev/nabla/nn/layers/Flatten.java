package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/** Flattens dims start_dim..end_dim into one, PyTorch's {@code nn.Flatten(start_dim=1, end_dim=-1)}. */
public final class Flatten extends Module {
    private final int startDim, endDim;

    public Flatten() {
        this(1, -1);
    }

    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    public Tensor forward(Tensor input) {
        int r = Math.max(input.rank(), 1);
        int s = startDim < 0 ? startDim + r : startDim, e = endDim < 0 ? endDim + r : endDim;
        if (s < 0 || s >= r || e < 0 || e >= r || s > e)
            throw new IllegalArgumentException("Flatten: start_dim=" + startDim + ", end_dim=" + endDim
                    + " do not fit an input of shape " + Shape.str(input.shape()));
        return input.flatten(startDim, endDim);
    }

    @Override
    protected String extraRepr() {
        return "start_dim=" + startDim + ", end_dim=" + endDim;
    }
}
