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

    @Test
    void mergingGradientsOfAnIntermediateLeavesEveryOtherGradientAlone() {
        // a = 3x receives the seed itself twice (add passes it through to both inputs), then a fresh gradient
        // from mul: the engine may add in place only into sums it made or gradients no one else can see
        Tensor x = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        Tensor seed = Tensor.of(new float[] {1, 10}, 2);
        Tensor a = x.mul(3f);
        a.add(a).add(a.mul(a)).backward(seed); // d/da = 2 + 2a
        assertArrayEquals(new float[] {1, 10}, seed.toFloatArray());
        // dx = 3 * seed * (2 + 2a), a = {3, 6}
        assertArrayEquals(new float[] {3 * 1 * 8, 3 * 10 * 14}, x.grad().toFloatArray());

        // a fresh gradient (from mul) arriving first, then the seed passed through twice
        Tensor y = Tensor.of(new float[] {2, -1}, 2).requiresGrad(true);
        Tensor b = y.mul(2f);
        Tensor c = b.mul(b);
        Tensor seed2 = Tensor.of(new float[] {1, 1}, 2);
        c.add(b.add(b)).backward(seed2); // d/db = 2b + 2, b = {4, -2}
        assertArrayEquals(new float[] {1, 1}, seed2.toFloatArray());
        assertArrayEquals(new float[] {2 * 10, 2 * -2}, y.grad().toFloatArray());
    }

    @Test
    void aResidualStreamGetsTheSumOfItsPaths() {
        // x + f(x) three times over, as a transformer's blocks: every gradient of h is merged from two paths
        Tensor x = Tensor.of(new float[] {0.5f, -1, 2}, 3).requiresGrad(true);
        Tensor h = x;
        for (int i = 0; i < 3; i++) h = h.add(h.mul(h).mul(0.1f)); // h + 0.1 h²
        h.sum().backward();
        for (int j = 0; j < 3; j++) {
            double v = x.toFloatArray()[j], d = 1;
            for (int i = 0; i < 3; i++) { d *= 1 + 0.2 * v; v = v + 0.1 * v * v; }
            assertEquals(d, x.grad().toFloatArray()[j], 1e-5);
        }
    }

    /** y = 2x as a recorded op that notes whether its incoming gradient was disposable. */
    private static Tensor doubled(Tensor x, java.util.List<Boolean> seen) {
        Tensor out = x.detach().mul(2f);
        return Graph.record("doubled", out, g -> {
            seen.add(Graph.disposable(g));
            return new Tensor[] {g.mul(2f)};
        }, x);
    }

    @Test
    void aBackwardRuleMayOverwriteOnlyGradientsNoOneElseSees() {
        java.util.List<Boolean> seen = new java.util.ArrayList<>();
        Tensor x = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        Tensor seed = Tensor.of(new float[] {1, 1}, 2);
        // outer gets the caller's seed (not disposable), inner gets outer's fresh g·2 (disposable)
        doubled(doubled(x, seen), seen).backward(seed);
        assertEquals(java.util.List.of(false, true), seen);
        assertArrayEquals(new float[] {4, 4}, x.grad().toFloatArray());

        // add passes one gradient to both inputs: neither input's rule may overwrite it
        seen.clear();
        x.setGrad(null);
        Tensor a = doubled(x, seen), b = doubled(x.mul(1f), seen);
        a.add(b).sum().backward();
        assertEquals(java.util.List.of(false, false), seen);
        assertArrayEquals(new float[] {4, 4}, x.grad().toFloatArray());

        // a sum of two merged gradients is the engine's own: disposable
        seen.clear();
        Tensor c = doubled(x, seen);
        c.mul(3f).add(c.mul(c)).sum().backward(); // the rule sees 3 + 2c
        assertEquals(java.util.List.of(true), seen);
        assertFalse(Graph.disposable(seed));
    }

    /** y = 2x as a recorded op whose backward writes its gradient into {@link Graph#buffer} and notes that array. */
    private static Tensor doubledInto(Tensor x, java.util.List<float[]> buffers) {
        Tensor out = x.detach().mul(2f);
        return Graph.record("doubled", out, g -> {
            float[] d = Graph.buffer(g.numel()), gv = g.toFloatArray();
            boolean zeroed = true;
            for (float v : d) zeroed &= v == 0f;
            assertTrue(zeroed, "Graph.buffer must give a zeroed array");
            for (int i = 0; i < d.length; i++) d[i] = 2 * gv[i];
            buffers.add(d);
            return new Tensor[] {Tensor.of(d, g.shape())};
        }, x);
    }

    @Test
    void backwardReusesTheGradientBuffersItHasFinishedWith() {
        int n = 4096;
        java.util.List<float[]> buffers = new java.util.ArrayList<>();
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) xs[i] = i;
        Tensor x = Tensor.of(xs, n).requiresGrad(true);
        Tensor y = doubledInto(doubledInto(doubledInto(doubledInto(x, buffers), buffers), buffers), buffers);
        Tensor seed = Tensor.full(1f, n);
        y.backward(seed);
        // rules run outermost first: the 1st gets the caller's seed (never recycled); the 2nd gets the 1st's
        // buffer, which is dead once the 2nd returns, so the 3rd writes into it; the 4th into the 2nd's
        assertEquals(4, buffers.size());
        assertNotSame(buffers.get(0), buffers.get(1));
        assertSame(buffers.get(0), buffers.get(2));
        assertSame(buffers.get(1), buffers.get(3));
        assertSame(buffers.get(3), x.grad().data()); // the last is handed to the leaf as its grad
        for (int i = 0; i < n; i++) assertEquals(16f, x.grad().toFloatArray()[i]);
        for (float v : seed.toFloatArray()) assertEquals(1f, v);

        // a gradient someone else holds is not recycled: the leaf's grad survives another backward intact
        float[] held = x.grad().toFloatArray();
        Tensor z = Tensor.of(xs.clone(), n).requiresGrad(true);
        buffers.clear();
        doubledInto(doubledInto(doubledInto(z, buffers), buffers), buffers).backward(seed);
        assertArrayEquals(held, x.grad().toFloatArray());
        for (float[] b : buffers) assertNotSame(x.grad().data(), b);
        assertEquals(8f, z.grad().toFloatArray()[7]);

        // outside backward it is a new array each time
        assertNotSame(Graph.buffer(n), Graph.buffer(n));
    }
}
