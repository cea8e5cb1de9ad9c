package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/** softmax along {@code dim}, PyTorch's {@code nn.Softmax(dim)} (the dim is required). */
public final class Softmax extends Module {
    private final int dim;

    public Softmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        int r = Math.max(input.rank(), 1);
        if (dim < -r || dim >= r)
            throw new IllegalArgumentException("Softmax: dim " + dim + " is out of range for an input of shape "
                    + Shape.str(input.shape()));
        return input.softmax(dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
