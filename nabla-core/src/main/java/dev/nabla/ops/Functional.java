package dev.nabla.ops;

import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;

/**
 * The functional API, as PyTorch's {@code torch.nn.functional}: the ops that take weights or options
 * rather than reading naturally as a method of one tensor. {@code import static dev.nabla.ops.Functional.*}.
 */
public final class Functional {
    private Functional() {}

    /** y = x·Wᵀ + b, with W of shape [out, in] (PyTorch's layout); {@code bias} may be null. */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        return Convolution.linear(input, weight, bias);
    }

    /**
     * act(x·Wᵀ + b) as one op ({@link FusedLinear}): the values of {@code linear(x, W, b)} followed by the
     * activation, with less memory traffic and one graph node.
     */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias, FusedLinear.Activation activation) {
        return FusedLinear.linear(input, weight, bias, activation);
    }

    /** 2-D convolution of [N, C, H, W] by [O, C/groups, kH, kW]; {@code bias} [O] may be null. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return Convolution.conv2d(input, weight, bias, stride, padding, dilation, groups);
    }

    /** relu(conv2d(...)) as one op: the same values and gradients, one buffer less each way. */
    public static Tensor conv2dRelu(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return Convolution.conv2dRelu(input, weight, bias, stride, padding, dilation, groups);
    }

    /** conv2d with the same stride and padding on both axes, no dilation, one group. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(input, weight, bias, pair(stride), pair(padding), pair(1), 1);
    }

    public static Tensor maxPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return Pooling.maxPool2d(input, kernelSize, stride, padding, dilation, ceilMode);
    }

    /** max_pool2d with a square window; stride defaults to the window as in PyTorch. */
    public static Tensor maxPool2d(Tensor input, int kernelSize) {
        return maxPool2d(input, pair(kernelSize), pair(kernelSize), pair(0), pair(1), false);
    }

    public static Tensor avgPool2d(Tensor input, int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        return Pooling.avgPool2d(input, kernelSize, stride, padding, ceilMode, countIncludePad);
    }

    public static Tensor avgPool2d(Tensor input, int kernelSize) {
        return avgPool2d(input, pair(kernelSize), pair(kernelSize), pair(0), false, true);
    }

    /** Rows of {@code weight} [V, D] picked by int64 {@code indices} of any shape: shape indices.shape + [D]. */
    public static Tensor embedding(Tensor indices, Tensor weight) {
        return Indexing.embedding(indices, weight);
    }

    /** int64 class indices to a float32 one-hot tensor with a trailing dim of {@code numClasses}. */
    public static Tensor oneHot(Tensor indices, int numClasses) {
        return Indexing.oneHot(indices, numClasses);
    }

    /** Zeroes each element with probability p and scales the rest by 1/(1-p) when training. */
    public static Tensor dropout(Tensor input, float p, boolean training, Generator generator) {
        return Dropout.dropout(input, p, training, generator);
    }

    /** Cross-entropy of logits [N, C] (or [N, C, d...]) against int64 class indices [N] (or [N, d...]), mean-reduced. */
    public static Tensor crossEntropy(Tensor logits, Tensor target) {
        return Losses.crossEntropy(logits, target, Reduction.MEAN, 0f, -100);
    }

    /** Cross-entropy with PyTorch's {@code reduction}, {@code label_smoothing} and {@code ignore_index}. */
    public static Tensor crossEntropy(Tensor logits, Tensor target, Reduction reduction, float labelSmoothing, long ignoreIndex) {
        return Losses.crossEntropy(logits, target, reduction, labelSmoothing, ignoreIndex);
    }

    /** Mean squared error. */
    public static Tensor mse(Tensor input, Tensor target) {
        return Losses.mse(input, target, Reduction.MEAN);
    }

    public static Tensor mse(Tensor input, Tensor target, Reduction reduction) {
        return Losses.mse(input, target, reduction);
    }

    static int[] pair(int v) {
        return new int[] {v, v};
    }
}
