package dev.nabla.nn.loss;

import dev.nabla.ops.Reduction;
import dev.nabla.tensor.Tensor;

import java.util.Locale;

/**
 * Kullback-Leibler divergence of log-probabilities {@code input} from {@code target}, PyTorch's
 * {@code nn.KLDivLoss(reduction='mean', log_target=False)}: per element t·(log t - input), 0 where t = 0 (or
 * e^t·(t - input) when the target is itself given as log-probabilities). {@code reduction} is "none", "mean"
 * (over all elements, as PyTorch, though that is not the KL divergence), "sum", or "batchmean" (sum / N, the
 * true KL divergence per sample).
 */
public final class KLDivLoss extends Loss {
    private final boolean batchMean, logTarget;

    public KLDivLoss() {
        this("mean", false);
    }

    public KLDivLoss(String reduction, boolean logTarget) {
        super("batchmean".equals(reduction == null ? null : reduction.toLowerCase(Locale.ROOT)) ? Reduction.SUM
                : Loss.reduction(reduction));
        this.batchMean = "batchmean".equalsIgnoreCase(reduction);
        this.logTarget = logTarget;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        sameShape(input, target);
        Tensor loss;
        if (logTarget) loss = target.exp().mul(target.sub(input));
        else {
            Tensor positive = target.gt(0f);
            Tensor safe = Tensor.where(positive, target, Tensor.scalar(1f));
            loss = target.mul(safe.log().sub(input));
        }
        Tensor r = reduce(loss);
        return batchMean && input.rank() > 0 ? r.div((float) input.size(0)) : r;
    }
}
