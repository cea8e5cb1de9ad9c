package dev.nabla.nn.internal;

import dev.nabla.autograd.GradCheck;
import dev.nabla.nn.layers.LayerNorm;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fused layer norm against the composed LayerNorm module, and by finite differences. */
class FusedLayerNormTest {
    private static final Generator G = new Generator(31);

    @Test
    void matchesComposedLayerNormWithGradients() {
        LayerNorm ref = new LayerNorm(new int[] {24}, 1e-5, true);
        ref.weight().data()[3] = 1.7f;
        ref.bias().data()[5] = -0.4f;
        Tensor x = Tensor.randn(G, 24, 50).t().detach().requiresGrad(true); // [50, 24], non-contiguous, many rows
        Tensor w = Tensor.randn(G, 50, 24);
        Tensor expected = ref.forward(x);
        expected.mul(w).sum().backward();
        float[] gx = x.grad().toFloatArray(), gw = ref.weight().grad().toFloatArray(), gb = ref.bias().grad().toFloatArray();
        x.setGrad(null);
        ref.zeroGrad();
        Tensor actual = FusedLayerNorm.layerNorm(x, ref.weight(), ref.bias(), 1e-5f);
        actual.mul(w).sum().backward();
        assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), 2e-5f);
        assertArrayEquals(gx, x.grad().toFloatArray(), 2e-5f);
        assertArrayEquals(gw, ref.weight().grad().toFloatArray(), 1e-4f);
        assertArrayEquals(gb, ref.bias().grad().toFloatArray(), 1e-4f);
    }

    @Test
    void gradCheck() {
        Tensor x = Tensor.randn(G, 5, 3, 4).transpose(0, 2).detach().requiresGrad(true); // [4, 3, 5]
        Tensor w = Tensor.randn(G, 5).requiresGrad(true), b = Tensor.randn(G, 5).requiresGrad(true);
        GradCheck.check(t -> FusedLayerNorm.layerNorm(t[0], t[1], t[2], 1e-5f), x, w, b);
        GradCheck.check(t -> FusedLayerNorm.layerNorm(t[0], t[1], null, 1e-5f), x, w);
        GradCheck.check(t -> FusedLayerNorm.layerNorm(t[0], null, null, 1e-5f), x);
        // 37 features: four vectors of eight and a tail of five
        Tensor x37 = Tensor.randn(G, 3, 37).requiresGrad(true);
        Tensor w37 = Tensor.randn(G, 37).requiresGrad(true), b37 = Tensor.randn(G, 37).requiresGrad(true);
        GradCheck.check(t -> FusedLayerNorm.layerNorm(t[0], t[1], t[2], 1e-5f), x37, w37, b37);
        GradCheck.check(t -> FusedLayerNorm.layerNorm(t[0], null, null, 1e-5f), x37);
    }

    @Test
    void errors() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> FusedLayerNorm.layerNorm(Tensor.zeros(2, 4), Tensor.ones(3), null, 1e-5f));
        assertTrue(e.getMessage().startsWith("layer_norm: weight and bias must be float32 [4] for input [2, 4], got [3]"),
                e.getMessage());
    }
}
