package dev.nabla.nn.layers;

import dev.nabla.nn.Module;
import dev.nabla.nn.init.Init;
import dev.nabla.ops.Functional;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

/**
 * 2-D convolution, PyTorch's {@code nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0,
 * dilation=1, groups=1, bias=True)} with zero padding. Weight [out, in/groups, kH, kW], bias [out]; initialised
 * as PyTorch does (kaiming_uniform(a=√5) on the weight, bias U(±1/√fan_in), fan_in = in/groups·kH·kW).
 * Accepts [N, C, H, W] or an unbatched [C, H, W].
 */
public final class Conv2d extends Module {
    private final int inChannels, outChannels, groups;
    private final int[] kernelSize, stride, padding, dilation;
    private final Tensor weight, bias;

    public Conv2d(int inChannels, int outChannels, int kernelSize, Generator gen) {
        this(inChannels, outChannels, kernelSize, 1, 0, gen);
    }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, Generator gen) {
        this(inChannels, outChannels, Layers.square(kernelSize), Layers.square(stride), Layers.square(padding),
                Layers.square(1), 1, true, gen);
    }

    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                  int groups, boolean bias, Generator gen) {
        String me = "Conv2d";
        Layers.positive(me, "in_channels", inChannels);
        Layers.positive(me, "out_channels", outChannels);
        Layers.positive(me, "groups", groups);
        if (inChannels % groups != 0) throw new IllegalArgumentException(me + ": in_channels (" + inChannels
                + ") must be divisible by groups (" + groups + ")");
        if (outChannels % groups != 0) throw new IllegalArgumentException(me + ": out_channels (" + outChannels
                + ") must be divisible by groups (" + groups + ")");
        this.kernelSize = Layers.pair(me, "kernel_size", kernelSize, false);
        this.stride = Layers.pair(me, "stride", stride, false);
        this.padding = Layers.pair(me, "padding", padding, true);
        this.dilation = Layers.pair(me, "dilation", dilation, false);
        Layers.generator(me, gen);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.groups = groups;
        this.weight = registerParameter("weight", Tensor.zeros(outChannels, inChannels / groups, this.kernelSize[0], this.kernelSize[1]));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outChannels) : null);
        resetParameters(gen);
    }

    /** Redraws the parameters with PyTorch's default initialisation. */
    public void resetParameters(Generator gen) {
        Init.kaimingUniform_(weight, Math.sqrt(5), Init.Mode.FAN_IN, "leaky_relu", gen);
        if (bias != null) {
            double bound = 1 / Math.sqrt(Init.fans(weight)[0]);
            Init.uniform_(bias, -bound, bound, gen);
        }
    }

    public Tensor weight() { return weight; }

    /** The bias, or null when built with {@code bias=false}. */
    public Tensor bias() { return bias; }

    @Override
    public Tensor forward(Tensor input) {
        return forward(input, false);
    }

    /**
     * relu(forward(input)) as one op ({@link Functional#conv2dRelu}): what {@link Sequential} calls when this layer
     * is directly followed by a {@link ReLU}.
     */
    public Tensor forwardRelu(Tensor input) {
        return forward(input, true);
    }

    private Tensor forward(Tensor input, boolean relu) {
        boolean unbatched = input.rank() == 3;
        if ((input.rank() != 4 && !unbatched) || input.size(unbatched ? 0 : 1) != inChannels)
            throw new IllegalArgumentException("Conv2d: expected input of shape [N, " + inChannels + ", H, W] or ["
                    + inChannels + ", H, W] (in_channels=" + inChannels + "), got " + Shape.str(input.shape()));
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        int h = x.size(2) + 2 * padding[0], w = x.size(3) + 2 * padding[1];
        int kh = dilation[0] * (kernelSize[0] - 1) + 1, kw = dilation[1] * (kernelSize[1] - 1) + 1;
        if (h < kh || w < kw)
            throw new IllegalArgumentException("Conv2d: input of shape " + Shape.str(input.shape()) + " (padded to "
                    + h + "x" + w + ") is smaller than the dilated kernel " + kh + "x" + kw);
        Tensor y = relu ? Functional.conv2dRelu(x, weight, bias, stride, padding, dilation, groups)
                : Functional.conv2d(x, weight, bias, stride, padding, dilation, groups);
        return unbatched ? y.squeeze(0) : y;
    }

    @Override
    protected String extraRepr() {
        StringBuilder sb = new StringBuilder(inChannels + ", " + outChannels + ", kernel_size=" + Layers.hw(kernelSize)
                + ", stride=" + Layers.hw(stride));
        if (padding[0] != 0 || padding[1] != 0) sb.append(", padding=").append(Layers.hw(padding));
        if (dilation[0] != 1 || dilation[1] != 1) sb.append(", dilation=").append(Layers.hw(dilation));
        if (groups != 1) sb.append(", groups=").append(groups);
        if (bias == null) sb.append(", bias=False");
        return sb.toString();
    }
}
