package dev.nabla.autograd;

import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class AutogradTest {
    @Test
    void chainRuleWithSharedInputs() {
        Tensor x = Tensor.of(new float[] {2, 3}, 2).requiresGrad(true);
        Tensor y = x.mul(x).add(x.mul(3f)).sum(); // d/dx (x² + 3x) = 2x + 3
        y.backward();
        assertArrayEquals(new float[] {7, 9}, x.grad().toFloatArray());
        assertEquals(4 + 6 + 9 + 9, y.item());
    }

    @Test
    void leafGradientsNeverShareStorageWithEachOtherOrTheGivenGradient() {
        // add passes its incoming gradient to both inputs; each leaf must still get storage of its own
        Tensor a = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        Tensor b = Tensor.of(new float[] {3, 4}, 2).requiresGrad(true);
        Tensor seed = Tensor.of(new float[] {1, 10}, 2);
        a.add(b).backward(seed);
        assertFalse(a.grad().sharesStorageWith(b.grad()));
        assertFalse(a.grad().sharesStorageWith(seed));
        assertFalse(b.grad().sharesStorageWith(seed));
        a.mul(2f).sum().backward(); // accumulates into a.grad in place: b.grad and seed must not change
        assertArrayEquals(new float[] {3, 12}, a.grad().toFloatArray());
        assertArrayEquals(new float[] {1, 10}, b.grad().toFloatArray());
        assertArrayEquals(new float[] {1, 10}, seed.toFloatArray());
        // a leaf used twice by one op (x·x): the fresh gradient taken for the first use absorbs the second
        Tensor x = Tensor.of(new float[] {2, -3}, 2).requiresGrad(true);
        x.mul(x).sum().backward();
        assertArrayEquals(new float[] {4, -6}, x.grad().toFloatArray());
        // a gradient that is a view of the incoming one (reshape) is copied, not kept
        Tensor v = Tensor.of(new float[] {1, 2, 3, 4}, 4).requiresGrad(true);
        Tensor g4 = Tensor.of(new float[] {1, 1, 1, 1}, 2, 2);
        v.reshape(2, 2).backward(g4);
        assertFalse(v.grad().sharesStorageWith(g4));
        v.sum().backward();
        assertArrayEquals(new float[] {1, 1, 1, 1}, g4.toFloatArray());
        assertArrayEquals(new float[] {2, 2, 2, 2}, v.grad().toFloatArray());
    }

    @Test
    void aRetainedGraphGivesTheSameGradientsOnEveryBackward() {
        Tensor w = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor loss = w.mul(w).sum();
        loss.backward(null, true);
        float[] first = w.grad().toFloatArray();
        w.setGrad(null);
        loss.backward(null, true);
        assertArrayEquals(first, w.grad().toFloatArray());
        loss.backward(null, false);
        assertArrayEquals(new float[] {4, 8, 12}, w.grad().toFloatArray());
    }

    @Test
    void gradientsAccumulateAcrossBackwardCalls() {
        Tensor w = Tensor.of(new float[] {1, -1}, 2).requiresGrad(true);
        w.mul(2f).sum().backward();
        w.mul(3f).sum().backward();
        assertArrayEquals(new float[] {5, 5}, w.grad().toFloatArray());
        w.setGrad(null);
        w.sum().backward();
        assertArrayEquals(new float[] {1, 1}, w.grad().toFloatArray());
    }

    @Test
    void broadcastGradientIsSummedBackToTheInputShape() {
        Tensor b = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor x = Tensor.ones(4, 3);
        x.add(b).sum().backward();
        assertArrayEquals(new float[] {4, 4, 4}, b.grad().toFloatArray());
        Tensor c = Tensor.of(new float[] {5}, 1, 1).requiresGrad(true);
        Tensor.arange(6).reshape(2, 3).mul(c).sum().backward();
        assertArrayEquals(new int[] {1, 1}, c.grad().shape());
        assertEquals(15f, c.grad().item());
    }

    @Test
    void noGradAndDetachStopRecording() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        try (var ignored = NoGrad.enter()) {
            Tensor y = x.mul(2f);
            assertFalse(y.requiresGrad());
            assertNull(y.gradFn());
            try (var inner = NoGrad.enableGrad()) {
                assertTrue(x.mul(2f).requiresGrad());
            }
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        Tensor d = x.mul(2f).detach();
        assertFalse(d.requiresGrad());
        assertTrue(x.mul(2f).requiresGrad());
        assertEquals("mul", x.mul(2f).gradFn().op());
    }

    @Test
    void graphIsReleasedAfterBackward() {
        Tensor x = Tensor.ones(3).requiresGrad(true);
        Tensor y = x.exp().sum();
        y.backward();
        assertEquals(0, y.gradFn().inputs().length, "backward must drop the node's inputs and saved tensors");
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("second time"), e.getMessage());

        Tensor z = x.exp().sum();
        z.backward(null, true);
        z.backward(null, true);
        assertEquals(3 * Math.E, x.grad().get(0), 1e-5, "one earlier backward plus two retained ones");
    }

    @Test
    void explicitUpstreamGradientAndErrors() {
        Tensor x = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        Tensor y = x.mul(x);
        y.backward(Tensor.of(new float[] {1, 10}, 2));
        assertArrayEquals(new float[] {2, 40}, x.grad().toFloatArray());
        var e = assertThrows(IllegalArgumentException.class, () -> x.mul(2f).backward());
        assertTrue(e.getMessage().contains("scalar outputs"), e.getMessage());
        var n = assertThrows(IllegalStateException.class, () -> Tensor.ones(2).sum().backward());
        assertTrue(n.getMessage().contains("does not require grad"), n.getMessage());
    }

    @Test
    void longChainsDoNotOverflowTheStack() {
        Tensor x = Tensor.scalar(1f).requiresGrad(true);
        Tensor y = x;
        for (int i = 0; i < 20000; i++) y = y.mul(1f);
        y.backward();
        assertEquals(1f, x.grad().item());
    }
}
