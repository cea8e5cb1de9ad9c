package dev.nabla.ops;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Argument checking of conv2d, linear and the pools, and the pooling rules that need exact inputs. */
class ConvValidationTest {
    private static final int[] ONE = {1}, ZERO = {0};

    private static void fails(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments)
            assertTrue(e.getMessage().contains(f), () -> "message \"" + e.getMessage() + "\" lacks \"" + f + "\"");
    }

    private static Tensor conv(Tensor x, Tensor w, Tensor b, int[] s, int[] p, int[] d, int groups) {
        return Convolution.conv2d(x, w, b, s, p, d, groups);
    }

    @Test
    void conv2dRejectsBadShapes() {
        Tensor x = Tensor.zeros(2, 4, 5, 5), w = Tensor.zeros(6, 4, 3, 3);
        fails(() -> conv(Tensor.zeros(4, 5), w, null, ONE, ZERO, ONE, 1), "conv2d:", "[4, 5]");
        fails(() -> conv(x, Tensor.zeros(6, 4, 3), null, ONE, ZERO, ONE, 1), "conv2d:", "weight", "[6, 4, 3]");
        fails(() -> conv(Tensor.zeros(2, 3, 5, 5), Tensor.zeros(6, 1, 3, 3), null, ONE, ZERO, ONE, 2),
                "conv2d:", "[2, 3, 5, 5]", "groups=2");
        fails(() -> conv(x, Tensor.zeros(5, 2, 3, 3), null, ONE, ZERO, ONE, 2), "conv2d:", "[5, 2, 3, 3]", "out_channels");
        fails(() -> conv(x, w, null, ONE, ZERO, ONE, 2), "conv2d:", "[6, 4, 3, 3]", "[2, 4, 5, 5]", "groups=2");
        fails(() -> conv(x, Tensor.zeros(6, 3, 3, 3), null, ONE, ZERO, ONE, 1), "conv2d:", "[6, 3, 3, 3]");
        fails(() -> conv(x, w, Tensor.zeros(5), ONE, ZERO, ONE, 1), "conv2d:", "bias", "[5]");
        fails(() -> conv(x, Tensor.zeros(6, 4, 6, 3), null, ONE, ZERO, ONE, 1), "conv2d:", "[2, 4, 5, 5]", "6x3");
        fails(() -> conv(x, w, null, ONE, ZERO, new int[] {3}, 1), "conv2d:", "dilated");
        fails(() -> conv(x.to(DType.INT64), w, null, ONE, ZERO, ONE, 1), "conv2d:", "int64", "[2, 4, 5, 5]");
    }

    @Test
    void conv2dRejectsBadArguments() {
        Tensor x = Tensor.zeros(1, 2, 5, 5), w = Tensor.zeros(2, 2, 3, 3);
        fails(() -> conv(x, w, null, new int[] {0, 1}, ZERO, ONE, 1), "conv2d:", "stride", "[0, 1]");
        fails(() -> conv(x, w, null, ONE, new int[] {-1}, ONE, 1), "conv2d:", "padding", "[-1, -1]");
        fails(() -> conv(x, w, null, ONE, ZERO, new int[] {1, 0}, 1), "conv2d:", "dilation", "[1, 0]");
        fails(() -> conv(x, w, null, new int[] {1, 1, 1}, ZERO, ONE, 1), "conv2d:", "stride", "[1, 1, 1]");
        fails(() -> conv(x, w, null, new int[0], ZERO, ONE, 1), "conv2d:", "stride", "[]");
        fails(() -> conv(x, w, null, null, ZERO, ONE, 1), "conv2d:", "stride");
        fails(() -> conv(x, w, null, ONE, ZERO, ONE, 0), "conv2d:", "groups", "0");
    }

    @Test
    void conv2dPairArgumentsOfLengthOneMeanBothAxes() {
        var g = new dev.nabla.tensor.Generator(3);
        Tensor x = Tensor.randn(g, 2, 3, 7, 6), w = Tensor.randn(g, 4, 3, 3, 2);
        Tensor a = conv(x, w, null, new int[] {2}, new int[] {1}, new int[] {2}, 1);
        Tensor b = conv(x, w, null, new int[] {2, 2}, new int[] {1, 1}, new int[] {2, 2}, 1);
        assertArrayEquals(new int[] {2, 4, 3, 3}, a.shape());
        assertArrayEquals(b.toFloatArray(), a.toFloatArray());
        assertArrayEquals(conv(x, w, null, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, 1).toFloatArray(),
                Functional.conv2d(x, w, null, 2, 1).toFloatArray());
    }

    @Test
    void conv2dOfIdentityKernelCopiesTheInput() {
        Tensor x = Tensor.arange(24).reshape(1, 2, 3, 4);
        Tensor w = Tensor.zeros(2, 2, 3, 3);
        w.data()[0 * 18 + 0 * 9 + 4] = 1; // out 0 <- centre of in 0
        w.data()[1 * 18 + 1 * 9 + 4] = 2; // out 1 <- 2 * centre of in 1
        Tensor y = conv(x, w, Tensor.of(new float[] {0.5f, 0f}, 2), ONE, ONE, ONE, 1);
        float[] in = x.toFloatArray(), out = y.toFloatArray();
        for (int i = 0; i < 12; i++) {
            assertEquals(in[i] + 0.5f, out[i]);
            assertEquals(2 * in[12 + i], out[12 + i]);
        }
    }

    @Test
    void linearRejectsBadShapes() {
        fails(() -> Convolution.linear(Tensor.zeros(2, 5), Tensor.zeros(3, 4), null), "linear:", "[2, 5]", "[3, 4]");
        fails(() -> Convolution.linear(Tensor.zeros(2, 4), Tensor.zeros(3, 4, 1), null), "linear:", "[3, 4, 1]");
        fails(() -> Convolution.linear(Tensor.zeros(2, 4), Tensor.zeros(3, 4), Tensor.zeros(4)), "linear:", "bias", "[4]");
        fails(() -> Convolution.linear(Tensor.scalar(1), Tensor.zeros(3, 1), null), "linear:", "0-d");
    }

    @Test
    void linearMatchesMatmulPlusBias() {
        var g = new dev.nabla.tensor.Generator(5);
        Tensor x = Tensor.randn(g, 3, 2, 4).transpose(0, 1), w = Tensor.randn(g, 5, 4), b = Tensor.randn(g, 5);
        float[] expected = x.matmul(w.t()).add(b).toFloatArray(), actual = Convolution.linear(x, w, b).toFloatArray();
        assertArrayEquals(new int[] {2, 3, 5}, Convolution.linear(x, w, b).shape());
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-5f);
    }

    @Test
    void poolsRejectBadArguments() {
        Tensor x = Tensor.zeros(1, 1, 4, 4);
        fails(() -> Pooling.maxPool2d(x, new int[] {3}, null, new int[] {2}, ONE, false),
                "max_pool2d:", "half", "[2, 2]", "[3, 3]");
        fails(() -> Pooling.avgPool2d(x, new int[] {2}, null, new int[] {2}, false, true), "avg_pool2d:", "half");
        fails(() -> Pooling.maxPool2d(Tensor.zeros(1, 1, 2, 2), new int[] {3}, null, ZERO, ONE, false),
                "max_pool2d:", "[1, 1, 2, 2]", "too small");
        fails(() -> Pooling.maxPool2d(Tensor.zeros(4, 4), new int[] {2}, null, ZERO, ONE, false), "max_pool2d:", "[4, 4]");
        fails(() -> Pooling.maxPool2d(x, new int[] {0, 2}, null, ZERO, ONE, false), "max_pool2d:", "kernel_size", "[0, 2]");
        fails(() -> Pooling.maxPool2d(x, new int[] {2}, new int[] {0}, ZERO, ONE, false), "max_pool2d:", "stride");
        fails(() -> Pooling.maxPool2d(x, new int[] {2}, null, ZERO, ZERO, false), "max_pool2d:", "dilation");
        fails(() -> Pooling.avgPool2d(x, new int[] {2, 2, 2}, null, ZERO, false, true), "avg_pool2d:", "kernel_size");
        fails(() -> Pooling.avgPool2d(x, new int[] {2}, null, new int[] {-1}, false, true), "avg_pool2d:", "padding");
        fails(() -> Pooling.avgPool2d(Tensor.zeros(1, 0, 4, 4), new int[] {2}, null, ZERO, false, true), "avg_pool2d:", "empty");
    }

    @Test
    void maxPoolGradientGoesToTheFirstMaximum() {
        Tensor x = Tensor.of(new float[] {1, 3, 3, 0, 2, 3, 3, 1, 5, 5, 0, 0, 5, 5, 0, 0}, 1, 1, 4, 4).requiresGrad(true);
        Tensor y = Pooling.maxPool2d(x, new int[] {2}, null, ZERO, ONE, false);
        assertArrayEquals(new float[] {3, 3, 5, 0}, y.toFloatArray());
        y.sum().backward();
        assertArrayEquals(new float[] {0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0}, x.grad().toFloatArray());
    }

    @Test
    void maxPoolPadsWithMinusInfinityAndPropagatesNaN() {
        Tensor x = Tensor.full(-7f, 1, 1, 3, 3);
        Tensor y = Pooling.maxPool2d(x, new int[] {3}, new int[] {2}, ONE, ONE, false);
        for (float v : y.toFloatArray()) assertEquals(-7f, v);
        x.data()[4] = Float.NaN;
        assertTrue(Float.isNaN(Pooling.maxPool2d(x, new int[] {2}, ONE, ZERO, ONE, false).toFloatArray()[3]));
    }

    @Test
    void avgPoolDivisorFollowsCountIncludePadAndCeilMode() {
        Tensor x = Tensor.ones(1, 1, 3, 3);
        // kernel 2, stride 2, padding 1: windows cover 1, 2, 2, 4 pixels of input.
        assertArrayEquals(new float[] {0.25f, 0.5f, 0.5f, 1f},
                Pooling.avgPool2d(x, new int[] {2}, null, ONE, false, true).toFloatArray());
        assertArrayEquals(new float[] {1f, 1f, 1f, 1f},
                Pooling.avgPool2d(x, new int[] {2}, null, ONE, false, false).toFloatArray());
        // ceil mode without padding: the extra window is clipped to the input, so it divides by what it covers.
        assertArrayEquals(new float[] {1f, 1f, 1f, 1f},
                Pooling.avgPool2d(x, new int[] {2}, null, ZERO, true, true).toFloatArray());
        assertArrayEquals(new int[] {3, 2, 2}, Pooling.avgPool2d(Tensor.ones(3, 3, 3), new int[] {2}, null, ZERO, true, true).shape());
    }
}
