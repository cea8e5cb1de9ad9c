package dev.nabla.nn.loss;

import dev.nabla.nn.Module;
import dev.nabla.ops.Reduction;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

/**
 * A loss as a module with two inputs, {@code forward(input, target)}, and PyTorch's {@code reduction}
 * ("none", "mean" or "sum"; default mean). Class weights and the like are registered as buffers, so they appear
 * in the state dict under PyTorch's names ({@code weight}, {@code pos_weight}).
 */
public abstract class Loss extends Module {
    protected final Reduction reduction;

    protected Loss(Reduction reduction) {
        if (reduction == null) throw new IllegalArgumentException(name() + ": reduction must not be null");
        this.reduction = reduction;
    }

    public Reduction reduction() { return reduction; }

    /** The loss of {@code input} against {@code target}. */
    public abstract Tensor forward(Tensor input, Tensor target);

    @Override
    public final Tensor forward(Tensor input) {
        throw new IllegalArgumentException(name() + ": takes an input and a target; call forward(input, target)");
    }

    @Override
    public final Tensor forward(Tensor... inputs) {
        if (inputs.length != 2)
            throw new IllegalArgumentException(name() + ": takes 2 inputs (input, target), got " + inputs.length);
        return forward(inputs[0], inputs[1]);
    }

    /** PyTorch's reduction names: "none", "mean", "sum". */
    public static Reduction reduction(String name) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "none" -> Reduction.NONE;
            case "mean" -> Reduction.MEAN;
            case "sum" -> Reduction.SUM;
            default -> throw new IllegalArgumentException("loss: reduction must be 'none', 'mean' or 'sum', got '" + name + "'");
        };
    }

    /** Applies the reduction to per-element losses. */
    protected final Tensor reduce(Tensor perElement) {
        return switch (reduction) {
            case NONE -> perElement;
            case SUM -> perElement.sum();
            case MEAN -> perElement.mean();
        };
    }

    /** Throws unless input and target have the same shape and are float32. */
    protected final void sameShape(Tensor input, Tensor target) {
        if (!Arrays.equals(input.shape(), target.shape()))
            throw new IllegalArgumentException(name() + ": input of shape " + Shape.str(input.shape())
                    + " and target of shape " + Shape.str(target.shape()) + " must have the same shape");
        if (input.dtype() != dev.nabla.tensor.DType.FLOAT32 || target.dtype() != dev.nabla.tensor.DType.FLOAT32)
            throw new IllegalArgumentException(name() + ": input and target must be float32, got " + input.dtype()
                    + " and " + target.dtype());
    }

    /** Checks that an optional weight broadcasts to {@code shape} (without growing it). */
    protected final void broadcastable(String arg, Tensor weight, int[] shape) {
        if (weight == null) return;
        int[] b;
        try {
            b = Shape.broadcast(name(), weight.shape(), shape);
        } catch (IllegalArgumentException e) {
            b = null;
        }
        if (b == null || !Arrays.equals(b, shape))
            throw new IllegalArgumentException(name() + ": " + arg + " of shape " + Shape.str(weight.shape())
                    + " does not broadcast to the input's shape " + Shape.str(shape));
    }

    @Override
    protected String extraRepr() {
        return "";
    }
}
