package dev.nabla.data;

import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DataLoaderTest {
    private static TensorDataset numbers(int n) {
        long[] y = new long[n];
        for (int i = 0; i < n; i++) y[i] = i;
        return new TensorDataset(Tensor.arange(n).reshape(n, 1).mul(10f), Tensor.ofLongs(y, n));
    }

    private static List<long[]> labels(Iterable<Batch> epoch) {
        List<long[]> out = new ArrayList<>();
        for (Batch b : epoch) out.add(b.y().toLongArray());
        return out;
    }

    @Test
    void inOrderBatchesWithPartialLastBatch() {
        DataLoader dl = new DataLoader(numbers(10), 4, false, 0);
        List<long[]> b = labels(dl.epoch(0));
        assertEquals(3, b.size());
        assertArrayEquals(new long[] {0, 1, 2, 3}, b.get(0));
        assertArrayEquals(new long[] {8, 9}, b.get(2));
        Batch first = dl.epoch(0).iterator().next();
        assertArrayEquals(new float[] {0, 10, 20, 30}, first.x().toFloatArray());
        assertArrayEquals(new int[] {4, 1}, first.x().shape());
        assertEquals(2, new DataLoader(numbers(10), 4, false, true, 0, false).batchesPerEpoch());
    }

    @Test
    void shuffleIsAPermutationSeededPerEpoch() {
        DataLoader dl = new DataLoader(numbers(50), 8, true, 7);
        long[] e0 = labels(dl.epoch(0)).stream().flatMapToLong(Arrays::stream).toArray();
        long[] e1 = labels(dl.epoch(1)).stream().flatMapToLong(Arrays::stream).toArray();
        assertFalse(Arrays.equals(e0, e1), "each epoch reshuffles");
        long[] sorted = e0.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 50; i++) assertEquals(i, sorted[i]);
        DataLoader again = new DataLoader(numbers(50), 8, true, false, 7, false);
        assertArrayEquals(e1, labels(again.epoch(1)).stream().flatMapToLong(Arrays::stream).toArray(),
                "same seed and epoch give the same order, with or without prefetching");
        List<long[]> resumed = labels(dl.epoch(1, 3));
        assertArrayEquals(labels(dl.epoch(1)).get(3), resumed.get(0), "resuming mid-epoch continues the same order");
    }

    @Test
    void randomSplitIsSeededAndDisjoint() {
        Dataset[] parts = numbers(100).randomSplit(0.1, 3);
        assertEquals(90, parts[0].size());
        assertEquals(10, parts[1].size());
        long[] held = labels(new DataLoader(parts[1], 100, false, 0).epoch(0)).get(0);
        long[] rest = labels(new DataLoader(parts[0], 100, false, 0).epoch(0)).get(0);
        for (long h : held) for (long r : rest) assertNotEquals(h, r);
        assertArrayEquals(held, labels(new DataLoader(numbers(100).randomSplit(0.1, 3)[1], 100, false, 0).epoch(0)).get(0));
        var e = assertThrows(IllegalArgumentException.class, () -> numbers(10).randomSplit(1.5, 0));
        assertTrue(e.getMessage().contains("(0, 1)"), e.getMessage());
    }

    @Test
    void errorsInTheBackgroundThreadReachTheCaller() {
        Dataset broken = new Dataset() {
            @Override public int size() { return 4; }
            @Override public Batch batch(int[] idx) { throw new IllegalStateException("disk on fire at " + idx[0]); }
        };
        var it = new DataLoader(broken, 2, false, 0).epoch(0).iterator();
        var e = assertThrows(IllegalStateException.class, it::next);
        assertEquals("disk on fire at 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TensorDataset(Tensor.zeros(3, 2), Tensor.zeros(4)));
    }
}
