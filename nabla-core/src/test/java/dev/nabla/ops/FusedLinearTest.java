package dev.nabla.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.autograd.GradCheck;
import dev.nabla.autograd.NoGrad;
import dev.nabla.ops.FusedLinear.Activation;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * FusedLinear: finite-difference gradients, and the same values and gradients as the unfused
 * {@code linear(x, W, b)} followed by the activation, from one row to many blocks of the backward pass and the
 * sizes that run on several threads. PyTorch's values are checked in ConvOracleTest (linear_relu, linear_gelu...).
 */
class FusedLinearTest {
    private static final Generator G = new Generator(11);

    private static int rand(int lo, int hi) { // inclusive
        return lo + (int) G.nextLong(hi - lo + 1);
    }

    private static Tensor unfused(Tensor x, Tensor w, Tensor b, Activation act) {
        Tensor z = Convolution.linear(x, w, b);
        return switch (act) {
            case RELU -> z.relu();
            case GELU -> z.gelu();
            case GELU_TANH -> z.geluTanh();
        };
    }

    @RepeatedTest(6)
    void gradCheck() {
        int in = rand(1, 5), out = rand(1, 4);
        int[] shape = switch (rand(1, 3)) {
            case 1 -> new int[] {in};
            case 2 -> new int[] {rand(1, 4), in};
            default -> new int[] {rand(1, 3), rand(1, 3), in};
        };
        for (Activation act : Activation.values()) {
            Tensor[] t = awayFromKinks(act, shape, out, in);
            GradCheck.check(u -> FusedLinear.linear(u[0], u[1], u[2], act), t[0], t[1], t[2]);
            GradCheck.check(u -> FusedLinear.linear(u[0], u[1], null, act), t[0], t[1]);
            // sum() hands the op a broadcast (stride-0) gradient
            GradCheck.check(u -> FusedLinear.linear(u[0], u[1], u[2], act).sum(), t[0], t[1], t[2]);
        }
    }

    /**
     * Input, weight and bias leaves (offset, permuted views: ConvGradCheckTest.leaf); for ReLU redrawn until
     * every pre-activation, with and without the bias, is at least 0.05 from the kink, where a finite difference
     * straddling 0 would disagree with any one-sided derivative.
     */
    private static Tensor[] awayFromKinks(Activation act, int[] shape, int out, int in) {
        while (true) {
            Tensor x = ConvGradCheckTest.leaf(shape, false), w = ConvGradCheckTest.leaf(new int[] {out, in}, false);
            Tensor b = ConvGradCheckTest.leaf(new int[] {out}, false);
            if (act != Activation.RELU) return new Tensor[] {x, w, b};
            try (var _ = NoGrad.enter()) {
                float[] z1 = Convolution.linear(x, w, b).toFloatArray(), z2 = Convolution.linear(x, w, null).toFloatArray();
                boolean ok = true;
                for (int i = 0; i < z1.length; i++) ok &= Math.abs(z1[i]) >= 0.05f && Math.abs(z2[i]) >= 0.05f;
                if (ok) return new Tensor[] {x, w, b};
            }
        }
    }

    /** Rows across several 64-row blocks (an odd last block), and sizes whose backward runs on the pool. */
    @ParameterizedTest
    @EnumSource(Activation.class)
    void matchesUnfusedComposition(Activation act) {
        int[][] shapes = {{1, 3, 5}, {70, 9, 13}, {2, 100, 37, 41}, {700, 64, 130}, {64, 784, 64}};
        for (int[] s : shapes) {
            int[] xs = java.util.Arrays.copyOf(s, s.length - 1);
            int in = s[s.length - 2], out = s[s.length - 1];
            xs[xs.length - 1] = in;
            Tensor x0 = Tensor.randn(G, xs), w0 = Tensor.randn(G, out, in).mul(0.2f), b0 = Tensor.randn(G, out);
            int[] ys = xs.clone();
            ys[ys.length - 1] = out;
            Tensor up = Tensor.randn(G, ys);

            Tensor[] fused = run(x0, w0, b0, up, (x, w, b) -> FusedLinear.linear(x, w, b, act));
            Tensor[] plain = run(x0, w0, b0, up, (x, w, b) -> unfused(x, w, b, act));
            for (int i = 0; i < fused.length; i++) close(plain[i], fused[i], act + " " + java.util.Arrays.toString(s) + " #" + i);
        }
    }

    private interface Op { Tensor apply(Tensor x, Tensor w, Tensor b); }

    /** Output, dx, dW and db of sum(op(x, W, b)·up). */
    private static Tensor[] run(Tensor x0, Tensor w0, Tensor b0, Tensor up, Op op) {
        Tensor x = x0.clone().requiresGrad(true), w = w0.clone().requiresGrad(true), b = b0.clone().requiresGrad(true);
        Tensor y = op.apply(x, w, b);
        y.mul(up).sum().backward();
        return new Tensor[] {y.detach(), x.grad(), w.grad(), b.grad()};
    }

    private static void close(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        float[] e = expected.contiguous().toFloatArray(), a = actual.contiguous().toFloatArray();
        for (int i = 0; i < e.length; i++)
            assertEquals(e[i], a[i], 1e-5 + 1e-5 * Math.abs(e[i]), what + " at " + i);
    }

    @Test
    void reluBackwardUsesTheOutputsSign() {
        // z = [-1, 0, 2] (weight 1, bias 0): relu' is 0 at 0 as in PyTorch
        Tensor x = Tensor.of(new float[] {-1, 0, 2}, 3, 1).requiresGrad(true);
        Tensor w = Tensor.of(new float[] {1}, 1, 1).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {0}, 1).requiresGrad(true);
        Tensor y = FusedLinear.linear(x, w, b, Activation.RELU);
        assertArrayEquals(new float[] {0, 0, 2}, y.toFloatArray());
        assertEquals("linear_relu", y.gradFn().op());
        y.sum().backward();
        assertArrayEquals(new float[] {0, 0, 1}, x.grad().toFloatArray());
        assertArrayEquals(new float[] {2}, w.grad().toFloatArray());
        assertArrayEquals(new float[] {1}, b.grad().toFloatArray());
    }

    @Test
    void inputWithoutGradGetsNone() {
        Tensor x = Tensor.randn(G, 4, 3);
        Tensor w = Tensor.randn(G, 2, 3).requiresGrad(true);
        FusedLinear.linear(x, w, null, Activation.GELU).sum().backward();
        assertNull(x.grad());
        assertTrue(w.grad() != null);
    }

    @Test
    void underNoGradRecordsNothing() {
        Tensor w = Tensor.randn(G, 2, 3).requiresGrad(true);
        try (var _ = NoGrad.enter()) {
            Tensor y = FusedLinear.linear(Tensor.randn(G, 4, 3), w, null, Activation.RELU);
            assertNull(y.gradFn());
        }
    }

    @Test
    void checksShapes() {
        Tensor w = Tensor.randn(G, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FusedLinear.linear(Tensor.randn(G, 4, 5), w, null, Activation.RELU));
        assertTrue(e.getMessage().startsWith("linear_relu: input [4, 5]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FusedLinear.linear(Tensor.randn(G, 4, 3), w, null, null));
    }
}
