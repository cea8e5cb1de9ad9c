package dev.nabla.nn.layers;

import dev.nabla.tensor.Tensor;

/** Batch norm of [N, C] or [N, C, L], PyTorch's {@code nn.BatchNorm1d(num_features, eps=1e-5, momentum=0.1,
 * affine=True, track_running_stats=True)}; see {@link BatchNorm}. */
public final class BatchNorm1d extends BatchNorm {
    public BatchNorm1d(int numFeatures) {
        this(numFeatures, 1e-5, 0.1, true, true);
    }

    /** @param momentum null for a cumulative moving average */
    public BatchNorm1d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override
    void checkInput(Tensor input) {
        if ((input.rank() != 2 && input.rank() != 3) || input.size(1) != numFeatures())
            requireChannels(input, "[N, C] or [N, C, L]");
    }
}
