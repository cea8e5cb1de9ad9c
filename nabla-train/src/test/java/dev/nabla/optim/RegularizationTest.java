package dev.nabla.optim;

import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RegularizationTest {
    @Test
    void l1GradAddsLambdaTimesSign() {
        Tensor w = Tensor.of(new float[] {2f, -3f, 0f, 0.5f}).requiresGrad(true);
        Tensor skipped = Tensor.of(new float[] {1f}).requiresGrad(true);
        w.setGrad(Tensor.of(new float[] {0.1f, 0.1f, 0.1f, -1f}));
        Regularization.addL1Grad(List.of(w, skipped), 0.25);
        assertArrayEquals(new float[] {0.35f, -0.15f, 0.1f, -0.75f}, w.grad().toFloatArray(), 1e-7f);
        assertEquals(null, skipped.grad());
        assertThrows(IllegalArgumentException.class, () -> Regularization.addL1Grad(List.of(w), -1));
    }

    @Test
    void l1PenaltyIsTheLossWhoseGradientAddL1GradAdds() {
        Tensor a = Tensor.of(new float[] {2f, -3f}).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {0.5f, -0.25f, 1f}, 3).requiresGrad(true);
        Tensor loss = Regularization.l1Penalty(List.of(a, b), 0.1);
        assertEquals(0.1 * 6.75, loss.item(), 1e-6);
        loss.backward();
        assertArrayEquals(new float[] {0.1f, -0.1f}, a.grad().toFloatArray(), 1e-7f);
        assertArrayEquals(new float[] {0.1f, -0.1f, 0.1f}, b.grad().toFloatArray(), 1e-7f);
    }

    @Test
    void clippingEdgeCases() {
        Tensor p = Tensor.zeros(2, 2).requiresGrad(true);
        assertEquals(0.0, Clipping.clipGradNorm(List.of(p), 1.0));
        // a non-contiguous gradient: norm 5 clipped to 1
        p.setGrad(Tensor.of(new float[] {3f, 0f, 4f, 0f}, 2, 2).t());
        assertEquals(5.0, Clipping.clipGradNorm(List.of(p), 1.0), 1e-6);
        assertArrayEquals(new float[] {0.6f, 0.8f, 0f, 0f}, p.grad().toFloatArray(), 1e-6f);
        Clipping.clipGradValue(List.of(p), 0.7);
        assertArrayEquals(new float[] {0.6f, 0.7f, 0f, 0f}, p.grad().toFloatArray(), 1e-6f);
        p.setGrad(Tensor.of(new float[] {Float.NaN, 1f, 1f, 1f}, 2, 2));
        assertEquals(Double.NaN, Clipping.clipGradNorm(List.of(p), 1.0, Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> Clipping.clipGradNorm(List.of(p), 1.0, 0));
        assertThrows(IllegalArgumentException.class, () -> Clipping.clipGradValue(List.of(p), -1));
    }
}
