package dev.nabla.cli.config;

import dev.nabla.nn.loss.Loss;
import dev.nabla.ops.Reduction;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;

/**
 * A class-index loss (CrossEntropyLoss, NLLLoss) that also takes sequence outputs with the classes last, as language
 * models produce them: logits [B, T, C] against int64 targets [B, T]. Such a pair is flattened to [B·T, C] and [B·T]
 * (a view, no copy) and handed to the PyTorch loss, so the mean is over all positions exactly as
 * {@code loss(logits.view(-1, C), targets.view(-1))}; reduction 'none' gives [B, T].
 *
 * <p>{@code sequence: true} always reads rank-3 input as [B, T, C]; {@code false} never does (PyTorch's [N, C, d]);
 * {@code auto} (the default) does when the target's shape is the input's without its last dim and either PyTorch's
 * layout does not fit (T ≠ C) or the model reads token ids (a GPT or a first Embedding layer), which settles the
 * ambiguous T = C case in favour of the language model.
 */
final class SequenceLoss extends Loss {
    private final Loss inner;
    private final Boolean sequence;
    private final boolean preferSequence;

    /** @param sequence true, false, or null for auto */
    SequenceLoss(Loss inner, Boolean sequence, boolean preferSequence) {
        super(inner.reduction());
        this.inner = inner;
        this.sequence = sequence;
        this.preferSequence = preferSequence;
    }

    /** The same loss with the ambiguous case settled as a language model's. */
    SequenceLoss preferringSequences() {
        return new SequenceLoss(inner, sequence, true);
    }

    Loss inner() { return inner; }

    /** Whether (input, target) is read as [B, T, C] with [B, T]. */
    boolean classesLast(Tensor input, Tensor target) {
        if (Boolean.FALSE.equals(sequence) || input.rank() != 3 || target.rank() != 2 || target.dtype() != DType.INT64) return false;
        int[] in = input.shape(), t = target.shape();
        boolean fitsLast = t[0] == in[0] && t[1] == in[1];
        if (!fitsLast) return false;
        if (Boolean.TRUE.equals(sequence)) return true;
        boolean fitsPyTorch = t[1] == in[2];
        return !fitsPyTorch || preferSequence;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        if (!classesLast(input, target)) return inner.forward(input, target);
        int b = input.size(0), t = input.size(1), c = input.size(2);
        Tensor out = inner.forward(input.reshape(b * t, c), target.reshape(b * t));
        return reduction == Reduction.NONE ? out.reshape(b, t) : out;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    protected String extraRepr() {
        return "sequence=" + (sequence == null ? "auto" : sequence);
    }
}
