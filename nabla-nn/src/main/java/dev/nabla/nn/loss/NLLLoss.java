package dev.nabla.nn.loss;

import dev.nabla.ops.Reduction;
import dev.nabla.tensor.Tensor;

/**
 * Negative log likelihood of log-probabilities [N, C] / [N, C, d...] / [C] against int64 class indices, PyTorch's
 * {@code nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean')}: per position -w[t]·input[t] (0 where
 * t = ignore_index); mean divides the sum by Σ w[t] over the non-ignored positions.
 */
public final class NLLLoss extends Loss {
    private final Tensor weight;
    private final long ignoreIndex;

    public NLLLoss() {
        this(null, -100, Reduction.MEAN);
    }

    /** @param weight class weights [C], or null */
    public NLLLoss(Tensor weight, long ignoreIndex, Reduction reduction) {
        super(reduction);
        ClassTargets.checkWeight(name(), weight);
        this.weight = registerBuffer("weight", weight);
        this.ignoreIndex = ignoreIndex;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        boolean unbatched = input.rank() == 1;
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        Tensor t = unbatched ? target.unsqueeze(0) : target;
        ClassTargets.checkClasses(name(), x, weight);
        ClassTargets ct = ClassTargets.of(name(), x, t, weight, ignoreIndex);
        Tensor perPosition = x.mul(ct.weightedOneHot()).sum(new int[] {1}, false).neg();
        return switch (reduction) {
            case NONE -> unbatched ? perPosition.squeeze(0) : perPosition;
            case SUM -> perPosition.sum();
            case MEAN -> perPosition.sum().div((float) ct.weightSum());
        };
    }
}
