package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.util.Arrays;

/**
 * Layer normalisation over the trailing {@code normalized_shape} dims, PyTorch's
 * {@code nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True)}: (x - mean) / √(biased var + eps),
 * then · weight (1) + bias (0), both of shape normalized_shape.
 */
public final class LayerNorm extends Module {
    private final int[] normalizedShape;
    private final double eps;
    private final Tensor weight, bias;

    public LayerNorm(int... normalizedShape) {
        this(normalizedShape, 1e-5, true);
    }

    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine) {
        if (normalizedShape == null || normalizedShape.length == 0)
            throw new IllegalArgumentException("LayerNorm: normalized_shape must have at least one dim");
        for (int d : normalizedShape)
            if (d <= 0) throw new IllegalArgumentException("LayerNorm: normalized_shape must be positive, got "
                    + Shape.str(normalizedShape));
        if (!(eps > 0)) throw new IllegalArgumentException("LayerNorm: eps must be positive, got " + eps);
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.weight = registerParameter("weight", elementwiseAffine ? Tensor.ones(normalizedShape) : null);
        this.bias = registerParameter("bias", elementwiseAffine ? Tensor.zeros(normalizedShape) : null);
    }

    public Tensor weight() { return weight; }

    public Tensor bias() { return bias; }

    @Override
    public Tensor forward(Tensor input) {
        int k = normalizedShape.length, r = input.rank();
        int[] shape = input.shape();
        if (r < k || !Arrays.equals(Arrays.copyOfRange(shape, r - k, r), normalizedShape))
            throw new IllegalArgumentException("LayerNorm: expected input of shape [*, " + Shape.str(normalizedShape).replaceAll("[\\[\\]]", "")
                    + "] (normalized_shape=" + Shape.str(normalizedShape) + "), got " + Shape.str(shape));
        int[] dims = new int[k];
        for (int i = 0; i < k; i++) dims[i] = r - k + i;
        Tensor mean = input.mean(dims, true);
        Tensor var = input.var(dims, false, true);
        Tensor y = input.sub(mean).div(var.add((float) eps).sqrt());
        if (weight != null) y = y.mul(weight).add(bias);
        return y;
    }

    @Override
    protected String extraRepr() {
        return py(normalizedShape) + ", eps=" + py(eps) + ", elementwise_affine=" + py(weight != null);
    }
}
