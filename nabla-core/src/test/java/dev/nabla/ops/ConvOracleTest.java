package dev.nabla.ops;

import dev.nabla.tensor.Tensor;
import dev.nabla.testing.Oracle;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * conv2d, max_pool2d, avg_pool2d, linear and linear + activation (FusedLinear) against PyTorch (oracle/gen_conv.py): forward values and
 * the gradient of every input, once on the recorded (contiguous) inputs and once with every input
 * read through a non-contiguous view of the same values.
 */
class ConvOracleTest {
    private static final double ATOL = 1e-4, RTOL = 1e-4;

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        return Oracle.load("conv").tests(ATOL, RTOL, (c, in) -> run(c, in, UnaryOperator.identity()));
    }

    @TestFactory
    Stream<DynamicTest> matchesPyTorchOnNonContiguousInputs() {
        return Oracle.load("conv").tests(ATOL, RTOL, (c, in) -> run(c, in, ConvOracleTest::nonContiguous));
    }

    /**
     * The same values behind other strides, still connected to {@code t} in the graph: for rank >= 2
     * the channel dim (dim r-3, or 0 for rank 2) is stored innermost and permuted back, as a
     * channels-last image; for rank 1 every second element of a doubled buffer from offset 1.
     */
    static Tensor nonContiguous(Tensor t) {
        int r = t.rank();
        if (r == 1) return t.unsqueeze(1).expand(t.size(0), 2).contiguous().select(1, 1);
        int d = Math.max(r - 3, 0);
        int[] perm = new int[r], back = new int[r];
        for (int i = 0, j = 0; i < r; i++) if (i != d) perm[j++] = i;
        perm[r - 1] = d;
        for (int i = 0; i < r; i++) back[perm[i]] = i;
        Tensor v = t.permute(perm).contiguous().permute(back);
        int inner = 1;
        for (int i = d + 1; i < r; i++) inner *= t.size(i);
        if (v.isContiguous() && t.size(d) > 1 && inner > 1)
            throw new AssertionError("nonContiguous produced a contiguous view of " + t);
        return v;
    }

    private static Tensor run(Oracle.Case c, Tensor[] in, UnaryOperator<Tensor> view) {
        Tensor[] x = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) x[i] = view.apply(in[i]);
        return switch (c.op()) {
            case "conv2d" -> Convolution.conv2d(x[0], x[1], c.flag("bias") ? x[2] : null,
                    c.ints("stride"), c.ints("padding"), c.ints("dilation"), c.integer("groups"));
            case "conv2d_relu" -> Convolution.conv2dRelu(x[0], x[1], c.flag("bias") ? x[2] : null,
                    c.ints("stride"), c.ints("padding"), c.ints("dilation"), c.integer("groups"));
            case "max_pool2d" -> Pooling.maxPool2d(x[0], c.ints("kernel_size"), c.ints("stride"), c.ints("padding"),
                    c.ints("dilation"), c.flag("ceil_mode"));
            case "avg_pool2d" -> Pooling.avgPool2d(x[0], c.ints("kernel_size"), c.ints("stride"), c.ints("padding"),
                    c.flag("ceil_mode"), c.flag("count_include_pad"));
            case "linear" -> Functional.linear(x[0], x[1], c.flag("bias") ? x[2] : null);
            case "linear_relu" -> Functional.linear(x[0], x[1], c.flag("bias") ? x[2] : null, FusedLinear.Activation.RELU);
            case "linear_gelu" -> Functional.linear(x[0], x[1], c.flag("bias") ? x[2] : null, FusedLinear.Activation.GELU);
            case "linear_gelu_tanh" -> Functional.linear(x[0], x[1], c.flag("bias") ? x[2] : null,
                    FusedLinear.Activation.GELU_TANH);
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        };
    }
}
