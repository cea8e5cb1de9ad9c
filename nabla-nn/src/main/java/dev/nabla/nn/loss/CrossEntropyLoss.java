package dev.nabla.nn.loss;

import dev.nabla.ops.Functional;
import dev.nabla.ops.Reduction;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.util.Arrays;

/**
 * Cross-entropy of logits [N, C] / [N, C, d...] / [C], PyTorch's {@code nn.CrossEntropyLoss(weight=None,
 * ignore_index=-100, reduction='mean', label_smoothing=0.0)}. The target is either int64 class indices
 * ([N, d...]) or float32 class probabilities of the input's shape.
 *
 * <p>Index targets: loss = (1-ε)·nll + (ε/C)·smooth with nll = -w[t]·logp[t] and smooth = -Σ_c w_c·logp_c (both 0
 * at ignored positions); mean divides each by Σ w[t] over the non-ignored positions, as PyTorch. Without class
 * weights this is the fused {@link Functional#crossEntropy}; with weights a composition of log_softmax.
 * Probability targets: -Σ_c w_c·q_c·logp_c with q = (1-ε)·p + ε/C; mean divides by N·d... (not by the weights);
 * {@code ignore_index} is not allowed with them.
 */
public final class CrossEntropyLoss extends Loss {
    private final Tensor weight;
    private final long ignoreIndex;
    private final float labelSmoothing;

    public CrossEntropyLoss() {
        this(null, -100, Reduction.MEAN, 0f);
    }

    /** @param weight class weights [C], or null */
    public CrossEntropyLoss(Tensor weight, long ignoreIndex, Reduction reduction, float labelSmoothing) {
        super(reduction);
        ClassTargets.checkWeight(name(), weight);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new IllegalArgumentException("CrossEntropyLoss: label_smoothing must be in [0, 1], got " + labelSmoothing);
        this.weight = registerBuffer("weight", weight);
        this.ignoreIndex = ignoreIndex;
        this.labelSmoothing = labelSmoothing;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        boolean unbatched = input.rank() == 1;
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        Tensor t = unbatched ? target.unsqueeze(0) : target;
        ClassTargets.checkClasses(name(), x, weight);
        Tensor out = t.dtype() == DType.FLOAT32 ? probabilities(x, t) : indices(x, t);
        return unbatched && reduction == Reduction.NONE ? out.squeeze(0) : out;
    }

    private Tensor probabilities(Tensor x, Tensor t) {
        if (!Arrays.equals(x.shape(), t.shape()))
            throw new IllegalArgumentException("CrossEntropyLoss: a probability target must have the input's shape "
                    + Shape.str(x.shape()) + ", got " + Shape.str(t.shape()));
        if (ignoreIndex != -100)
            throw new IllegalArgumentException("CrossEntropyLoss: ignore_index is only supported for class-index targets");
        int c = x.size(1);
        Tensor q = labelSmoothing > 0 ? t.mul(1 - labelSmoothing).add(labelSmoothing / c) : t;
        Tensor prod = x.logSoftmax(1).mul(q);
        if (weight != null) prod = prod.mul(weight.view(ClassTargets.classShape(c, x.rank())));
        Tensor perPosition = prod.sum(new int[] {1}, false).neg();
        return switch (reduction) {
            case NONE -> perPosition;
            case SUM -> perPosition.sum();
            case MEAN -> perPosition.sum().div((float) (x.numel() / c));
        };
    }

    private Tensor indices(Tensor x, Tensor t) {
        if (weight == null) return Functional.crossEntropy(x, t, reduction, labelSmoothing, ignoreIndex);
        int c = x.size(1);
        ClassTargets ct = ClassTargets.of(name(), x, t, weight, ignoreIndex);
        Tensor logp = x.logSoftmax(1);
        Tensor loss = reduceWeighted(logp.mul(ct.weightedOneHot()).sum(new int[] {1}, false).neg(), ct);
        if (labelSmoothing == 0) return loss;
        Tensor smooth = logp.mul(weight.view(ClassTargets.classShape(c, x.rank()))).sum(new int[] {1}, false).neg()
                .mul(ct.keep());
        return loss.mul(1 - labelSmoothing).add(reduceWeighted(smooth, ct).mul(labelSmoothing / c));
    }

    private Tensor reduceWeighted(Tensor perPosition, ClassTargets ct) {
        return switch (reduction) {
            case NONE -> perPosition;
            case SUM -> perPosition.sum();
            case MEAN -> perPosition.sum().div((float) ct.weightSum());
        };
    }
}
