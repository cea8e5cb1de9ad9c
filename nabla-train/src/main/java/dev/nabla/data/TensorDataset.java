package dev.nabla.data;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/** Inputs and targets held in memory, one example per row of dim 0 (PyTorch's {@code TensorDataset}). */
public final class TensorDataset implements Dataset {
    private final Tensor x, y;

    public TensorDataset(Tensor x, Tensor y) {
        if (x.rank() == 0 || y.rank() == 0)
            throw new IllegalArgumentException("TensorDataset: inputs and targets need a first (example) dim, got "
                    + Shape.str(x.shape()) + " and " + Shape.str(y.shape()));
        if (x.size(0) != y.size(0))
            throw new IllegalArgumentException("TensorDataset: " + x.size(0) + " inputs but " + y.size(0) + " targets");
        this.x = x.contiguous().detach();
        this.y = y.contiguous().detach();
    }

    public Tensor x() { return x; }

    public Tensor y() { return y; }

    @Override
    public int size() {
        return x.size(0);
    }

    @Override
    public Batch batch(int[] indices) {
        return new Batch(rows(x, indices), rows(y, indices));
    }

    /** Copies whole rows (one arraycopy each) into a new [indices.length, ...] tensor. */
    static Tensor rows(Tensor t, int[] indices) {
        int[] shape = t.shape();
        int n = shape[0];
        int row = n == 0 ? 0 : t.numel() / n;
        shape[0] = indices.length;
        for (int i : indices)
            if (i < 0 || i >= n) throw new IndexOutOfBoundsException("batch: example " + i + " of " + n);
        if (t.dtype() == DType.INT64) {
            long[] src = t.longData(), dst = new long[indices.length * row];
            for (int k = 0; k < indices.length; k++) System.arraycopy(src, t.offset() + indices[k] * row, dst, k * row, row);
            return Tensor.ofLongs(dst, shape);
        }
        float[] src = t.data(), dst = new float[indices.length * row];
        for (int k = 0; k < indices.length; k++) System.arraycopy(src, t.offset() + indices[k] * row, dst, k * row, row);
        return Tensor.of(dst, shape);
    }
}
