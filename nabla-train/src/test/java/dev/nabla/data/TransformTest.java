package dev.nabla.data;

import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TransformTest {
    private final TensorDataset images = new TensorDataset(Tensor.arange(16).reshape(2, 2, 2, 2), Tensor.ofLongs(new long[] {1, 0}, 2));

    @Test
    void scaleNormalizeFlattenOneHot() {
        assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f}, java.util.Arrays.copyOf(new Transform.Scale(0.5f).apply(images).x().toFloatArray(), 4));
        TensorDataset n = new Transform.Normalize(new float[] {1, 5}, new float[] {2, 4}).apply(images);
        // example 0, channel 0: (0..3 - 1) / 2; channel 1: (4..7 - 5) / 4
        assertArrayEquals(new float[] {-0.5f, 0, 0.5f, 1, -0.25f, 0, 0.25f, 0.5f}, java.util.Arrays.copyOf(n.x().toFloatArray(), 8));
        assertArrayEquals(new float[] {3.5f, 4, 4.5f, 5, 1.75f, 2, 2.25f, 2.5f},
                java.util.Arrays.copyOfRange(n.x().toFloatArray(), 8, 16), "example 1 uses the same channel statistics");
        TensorDataset second = new Transform.Normalize(new float[] {1, 5}, new float[] {2, 4})
                .apply(new TensorDataset(images.x().narrow(0, 1, 1), images.y().narrow(0, 1, 1)));
        assertArrayEquals(java.util.Arrays.copyOfRange(n.x().toFloatArray(), 8, 16), second.x().toFloatArray(),
                "a view that starts inside its storage (example 1 alone)");
        TensorDataset none = new Transform.Normalize(new float[] {1, 5}, new float[] {2, 4})
                .apply(new TensorDataset(Tensor.zeros(0, 2, 2, 2), Tensor.ofLongs(new long[0], 0)));
        assertArrayEquals(new int[] {0, 2, 2, 2}, none.x().shape(), "an empty split stays empty");
        TensorDataset one = new Transform.Normalize(new float[] {1}, new float[] {2}).apply(images);
        assertEquals(7f, one.x().get(1, 1, 1, 1), 1e-6, "(15 - 1) / 2");
        assertArrayEquals(new int[] {2, 8}, new Transform.Flatten().apply(images).x().shape());
        TensorDataset oh = new Transform.OneHot(3).apply(images);
        assertArrayEquals(new float[] {0, 1, 0, 1, 0, 0}, oh.y().toFloatArray());
    }

    @Test
    void badArgumentsNameTheTransform() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Transform.Normalize(new float[] {0, 0, 0}, new float[] {1, 1, 1}).apply(images));
        assertTrue(e.getMessage().startsWith("normalize: 3 channel means for inputs of shape [2, 2, 2, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Transform.Normalize(new float[] {0}, new float[] {0}));
        var o = assertThrows(IllegalArgumentException.class, () -> new Transform.OneHot(3).apply(new TensorDataset(Tensor.zeros(2, 1), Tensor.zeros(2))));
        assertTrue(o.getMessage().contains("int64 class indices"), o.getMessage());
    }
}
