package dev.nabla.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TensorTest {
    @Test
    void creationAndElementAccess() {
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new int[] {2, 3}, t.shape());
        assertArrayEquals(new int[] {3, 1}, t.strides());
        assertEquals(6f, t.get(1, 2));
        assertArrayEquals(new float[] {0, 1, 2, 3}, Tensor.arange(4).toFloatArray());
        assertArrayEquals(new float[] {1, 1.5f, 2, 2.5f}, Tensor.arange(1, 3, 0.5).toFloatArray());
        assertArrayEquals(new float[] {7, 7}, Tensor.full(7, 2).toFloatArray());
        assertEquals(0, Tensor.zeros(0, 3).numel());
        assertEquals(3.5f, Tensor.scalar(3.5f).item());
    }

    @Test
    void viewsShareStorage() {
        Tensor t = Tensor.arange(12).reshape(3, 4);
        Tensor tt = t.t();
        assertTrue(tt.sharesStorageWith(t));
        assertFalse(tt.isContiguous());
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, tt.toFloatArray());
        Tensor col = t.select(1, 2);
        assertArrayEquals(new float[] {2, 6, 10}, col.toFloatArray());
        Tensor sl = t.slice(1, 1, 4, 2);
        assertArrayEquals(new float[] {1, 3, 5, 7, 9, 11}, sl.toFloatArray());
        Tensor ex = Tensor.of(new float[] {1, 2}, 2, 1).expand(2, 3);
        assertArrayEquals(new int[] {1, 0}, ex.strides());
        assertArrayEquals(new float[] {1, 1, 1, 2, 2, 2}, ex.toFloatArray());
        assertArrayEquals(new int[] {1, 3, 1, 4}, t.unsqueeze(0).unsqueeze(2).shape());
        assertArrayEquals(new int[] {4, 3}, tt.contiguous().shape());
        assertFalse(tt.contiguous().sharesStorageWith(t));
    }

    @Test
    void reshapeInfersAndValidates() {
        Tensor t = Tensor.arange(24);
        assertArrayEquals(new int[] {2, 3, 4}, t.reshape(2, -1, 4).shape());
        var e = assertThrows(IllegalArgumentException.class, () -> t.reshape(5, -1));
        assertTrue(e.getMessage().contains("[5, -1]") && e.getMessage().contains("24"), e.getMessage());
        var v = assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 6).t().view(24));
        assertTrue(v.getMessage().contains("not contiguous"), v.getMessage());
        assertArrayEquals(new float[] {0, 6, 12, 18, 1}, java.util.Arrays.copyOf(t.reshape(4, 6).t().reshape(24).toFloatArray(), 5));
    }

    @Test
    void broadcastErrorsNameOpAndShapes() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)));
        assertEquals("add: shapes [2, 3] and [4] cannot be broadcast (dim 1: 3 vs 4)", e.getMessage());
        var m = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(2, 3)));
        assertTrue(m.getMessage().contains("matmul") && m.getMessage().contains("[2, 3]"), m.getMessage());
        var d = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).sum(2));
        assertTrue(d.getMessage().contains("sum: dim 2"), d.getMessage());
        var l = assertThrows(IllegalArgumentException.class, () -> Tensor.ofLongs(new long[] {1}, 1).exp());
        assertTrue(l.getMessage().contains("exp") && l.getMessage().contains("int64"), l.getMessage());
    }

    @Test
    void generatorIsSeededAndRestorable() {
        Generator a = new Generator(7), b = new Generator(7);
        assertArrayEquals(Tensor.randn(a, 5).toFloatArray(), Tensor.randn(b, 5).toFloatArray());
        long[] state = a.state();
        float[] next = Tensor.rand(a, 4).toFloatArray();
        a.setState(state);
        assertArrayEquals(next, Tensor.rand(a, 4).toFloatArray());
        Tensor r = Tensor.randint(new Generator(1), 3, 6, 1000);
        for (long v : r.toLongArray()) assertTrue(v >= 3 && v < 6);
        float[] n = Tensor.randn(new Generator(3), 20000).toFloatArray();
        double mean = 0, sq = 0;
        for (float v : n) { mean += v; sq += v * v; }
        mean /= n.length;
        assertEquals(0, mean, 0.03);
        assertEquals(1, sq / n.length - mean * mean, 0.04);
    }

    @Test
    void printsLikePyTorch() {
        assertEquals("tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]])",
                Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).toString());
        assertEquals("tensor([1, 2], dtype=int64)", Tensor.ofLongs(new long[] {1, 2}, 2).toString());
        String big = Tensor.zeros(2000).toString();
        assertTrue(big.contains("...") && big.contains("shape=[2000]"), big);
        assertEquals("tensor(2.0000, requiresGrad=true)", Tensor.scalar(2).requiresGrad(true).toString());
    }

    @Test
    void inPlaceOpsRefuseRecordedTensors() {
        Tensor w = Tensor.ones(2).requiresGrad(true);
        var e = assertThrows(IllegalStateException.class, () -> w.add_(Tensor.ones(2)));
        assertTrue(e.getMessage().contains("NoGrad"), e.getMessage());
        try (var ignored = dev.nabla.autograd.NoGrad.enter()) {
            w.add_(Tensor.of(new float[] {1, 2}, 2), -0.5f);
        }
        assertArrayEquals(new float[] {0.5f, 0f}, w.toFloatArray());
        Tensor m = Tensor.zeros(2, 3);
        m.t().copy_(Tensor.arange(6).reshape(3, 2));
        assertArrayEquals(new float[] {0, 2, 4, 1, 3, 5}, m.toFloatArray());
    }
}
