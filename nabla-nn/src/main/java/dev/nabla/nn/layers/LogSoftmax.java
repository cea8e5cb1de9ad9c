package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/** logSoftmax along {@code dim}, PyTorch's {@code nn.LogSoftmax(dim)} (the dim is required). */
public final class LogSoftmax extends Module {
    private final int dim;

    public LogSoftmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor input) {
        int r = Math.max(input.rank(), 1);
        if (dim < -r || dim >= r)
            throw new IllegalArgumentException("LogSoftmax: dim " + dim + " is out of range for an input of shape "
                    + Shape.str(input.shape()));
        return input.logSoftmax(dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
