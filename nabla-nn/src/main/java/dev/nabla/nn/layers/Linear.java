package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.nn.init.Init;
import dev.nabla.ops.Functional;
import dev.nabla.ops.FusedLinear;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * y = x·Wᵀ + b (PyTorch's {@code nn.Linear(in_features, out_features, bias=True)}); weight [out, in], bias [out].
 * Initialised as PyTorch does: weight kaiming_uniform(a=√5), i.e. U(±1/√in), bias U(±1/√in), drawn from {@code gen}.
 */
public final class Linear extends Module {
    private final int inFeatures, outFeatures;
    private final Tensor weight, bias;

    public Linear(int inFeatures, int outFeatures, Generator gen) {
        this(inFeatures, outFeatures, true, gen);
    }

    public Linear(int inFeatures, int outFeatures, boolean bias, Generator gen) {
        Layers.positive("Linear", "in_features", inFeatures);
        Layers.positive("Linear", "out_features", outFeatures);
        Layers.generator("Linear", gen);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", Tensor.zeros(outFeatures, inFeatures));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outFeatures) : null);
        resetParameters(gen);
    }

    /** Redraws the parameters with PyTorch's default initialisation. */
    public void resetParameters(Generator gen) {
        Init.kaimingUniform_(weight, Math.sqrt(5), Init.Mode.FAN_IN, "leaky_relu", gen);
        if (bias != null) {
            double bound = 1 / Math.sqrt(inFeatures);
            Init.uniform_(bias, -bound, bound, gen);
        }
    }

    public Tensor weight() { return weight; }

    /** The bias, or null when built with {@code bias=false}. */
    public Tensor bias() { return bias; }

    public int inFeatures() { return inFeatures; }

    public int outFeatures() { return outFeatures; }

    @Override
    public Tensor forward(Tensor input) {
        if (input.rank() == 0 || input.size(-1) != inFeatures)
            throw new IllegalArgumentException("Linear: expected input of shape [..., " + inFeatures + "] (in_features="
                    + inFeatures + "), got " + Shape.str(input.shape()));
        return Functional.linear(input, weight, bias);
    }

    /**
     * act(forward(input)) as one op ({@link FusedLinear}): what {@link Sequential} and the GPT MLP call when this
     * layer is directly followed by the activation.
     */
    public Tensor forward(Tensor input, FusedLinear.Activation activation) {
        if (input.rank() == 0 || input.size(-1) != inFeatures)
            throw new IllegalArgumentException("Linear: expected input of shape [..., " + inFeatures + "] (in_features="
                    + inFeatures + "), got " + Shape.str(input.shape()));
        return Functional.linear(input, weight, bias, activation);
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + py(bias != null);
    }
}
