package dev.nabla.nn.layers;

import dev.nabla.autograd.NoGrad;
import dev.nabla.nn.Module;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * Batch normalisation over dim 1 (channels), shared by {@link BatchNorm1d} and {@link BatchNorm2d}, with
 * PyTorch's semantics: in training mode (or without running stats) the input is normalised with the batch mean
 * and the biased batch variance; the running stats are updated with the unbiased variance,
 * {@code running = (1 - momentum)·running + momentum·batch}, or a cumulative average when momentum is null;
 * {@code num_batches_tracked} (int64) counts the training batches. In eval mode the running stats are used.
 * Parameters {@code weight} (1) and {@code bias} (0) when affine; buffers {@code running_mean} (0),
 * {@code running_var} (1), {@code num_batches_tracked} when tracking.
 */
public abstract sealed class BatchNorm extends Module permits BatchNorm1d, BatchNorm2d {
    private final int numFeatures;
    private final double eps;
    private final Double momentum;
    private final boolean affine, trackRunningStats;
    private final Tensor weight, bias, runningMean, runningVar;

    BatchNorm(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        Layers.positive(name(), "num_features", numFeatures);
        if (!(eps > 0)) throw new IllegalArgumentException(name() + ": eps must be positive, got " + eps);
        if (momentum != null && !(momentum >= 0 && momentum <= 1))
            throw new IllegalArgumentException(name() + ": momentum must be in [0, 1] or null, got " + momentum);
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.trackRunningStats = trackRunningStats;
        this.weight = registerParameter("weight", affine ? Tensor.ones(numFeatures) : null);
        this.bias = registerParameter("bias", affine ? Tensor.zeros(numFeatures) : null);
        this.runningMean = registerBuffer("running_mean", trackRunningStats ? Tensor.zeros(numFeatures) : null);
        this.runningVar = registerBuffer("running_var", trackRunningStats ? Tensor.ones(numFeatures) : null);
        registerBuffer("num_batches_tracked", trackRunningStats ? Tensor.ofLongs(new long[] {0}) : null);
    }

    /** Throws unless the input has a rank this variant accepts and C = num_features at dim 1. */
    abstract void checkInput(Tensor input);

    final void requireChannels(Tensor input, String expected) {
        throw new IllegalArgumentException(name() + ": expected input of shape " + expected + " with C = num_features = "
                + numFeatures + ", got " + Shape.str(input.shape()));
    }

    public int numFeatures() { return numFeatures; }

    public Tensor weight() { return weight; }

    public Tensor bias() { return bias; }

    public Tensor runningMean() { return runningMean; }

    public Tensor runningVar() { return runningVar; }

    /** The number of training batches seen, or -1 without running stats. */
    public long numBatchesTracked() {
        return trackRunningStats ? namedBuffers().get("num_batches_tracked").longItem() : -1;
    }

    @Override
    public Tensor forward(Tensor input) {
        checkInput(input);
        int rank = input.rank();
        int[] dims = new int[rank - 1];
        int[] bshape = new int[rank];
        for (int d = 0, k = 0; d < rank; d++) {
            bshape[d] = d == 1 ? numFeatures : 1;
            if (d != 1) dims[k++] = d;
        }
        Tensor y;
        if (isTraining() || !trackRunningStats) {
            long n = input.numel() / numFeatures;
            if (isTraining() && n <= 1)
                throw new IllegalArgumentException(name() + ": expected more than 1 value per channel when training, got input of shape "
                        + Shape.str(input.shape()));
            Tensor mean = input.mean(dims, true);
            Tensor var = input.var(dims, false, true);
            y = input.sub(mean).div(var.add((float) eps).sqrt());
            if (isTraining() && trackRunningStats) updateRunningStats(mean, var, n);
        } else {
            y = input.sub(runningMean.view(bshape)).div(runningVar.view(bshape).add((float) eps).sqrt());
        }
        if (affine) y = y.mul(weight.view(bshape)).add(bias.view(bshape));
        return y;
    }

    private void updateRunningStats(Tensor mean, Tensor biasedVar, long n) {
        try (var _ = NoGrad.enter()) {
            Tensor count = namedBuffers().get("num_batches_tracked");
            long tracked = count.longItem() + 1;
            count.longData()[count.offset()] = tracked;
            float m = momentum == null ? 1f / tracked : momentum.floatValue();
            Tensor unbiased = biasedVar.detach().reshape(numFeatures).mul((float) n / (n - 1));
            runningMean.mul_(1 - m).add_(mean.detach().reshape(numFeatures), m);
            runningVar.mul_(1 - m).add_(unbiased, m);
        }
    }

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + py(eps) + ", momentum=" + (momentum == null ? "None" : py(momentum))
                + ", affine=" + py(affine) + ", track_running_stats=" + py(trackRunningStats);
    }
}
