package dev.nabla.text;

import dev.nabla.data.Batch;
import dev.nabla.data.DataLoader;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class LanguageModelDatasetTest {
    /** ids[i] = i * 7 + 3: every value says where it came from. */
    static int[] ramp(int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = i * 7 + 3;
        return ids;
    }

    @Test
    void nonOverlappingWindowsShiftTargetsByOne() {
        int[] ids = ramp(41);
        LanguageModelDataset ds = new LanguageModelDataset(ids, 8);
        // starts 0, 8, 16, 24, 32 (32 + 9 = 41 fits exactly)
        assertEquals(5, ds.size());
        Batch b = ds.batch(new int[] {4, 0, 2});
        assertEquals(DType.INT64, b.x().dtype());
        assertEquals(DType.INT64, b.y().dtype());
        assertArrayEquals(new int[] {3, 8}, b.x().shape());
        assertArrayEquals(new int[] {3, 8}, b.y().shape());
        long[] x = b.x().contiguous().longData(), y = b.y().contiguous().longData();
        int[] starts = {32, 0, 16};
        for (int r = 0; r < 3; r++)
            for (int j = 0; j < 8; j++) {
                assertEquals(ids[starts[r] + j], x[r * 8 + j]);
                assertEquals(ids[starts[r] + j + 1], y[r * 8 + j]);
            }
        assertEquals(4, new LanguageModelDataset(ramp(40), 8).size()); // 32 + 9 > 40
        assertThrows(IndexOutOfBoundsException.class, () -> ds.batch(new int[] {5}));
        assertThrows(IllegalArgumentException.class, () -> new LanguageModelDataset(ramp(8), 8));
    }

    @Test
    void everyStartAndCustomStride() {
        LanguageModelDataset all = new LanguageModelDataset(ramp(20), 5, 1);
        assertEquals(15, all.size()); // starts 0..14
        assertArrayEquals(new int[] {0, 14}, all.locate(14));
        long[] y = all.batch(new int[] {14}).y().longData();
        assertEquals(ramp(20)[19], y[4]);
        LanguageModelDataset s3 = new LanguageModelDataset(ramp(20), 5, 3);
        assertEquals(5, s3.size()); // 0, 3, 6, 9, 12
        assertArrayEquals(new int[] {0, 12}, s3.locate(4));
    }

    @Test
    void plugsIntoDataLoader() {
        LanguageModelDataset ds = new LanguageModelDataset(ramp(1000), 16, 4);
        DataLoader loader = new DataLoader(ds, 32, true, 5);
        int rows = 0;
        Set<Long> firsts = new HashSet<>();
        for (Batch b : loader.epoch(0)) {
            rows += b.size();
            long[] x = b.x().longData(), y = b.y().longData();
            for (int r = 0; r < b.size(); r++) {
                firsts.add(x[r * 16]);
                for (int j = 0; j < 16; j++) assertEquals(x[r * 16 + j] + 7, y[r * 16 + j]);
            }
        }
        assertEquals(ds.size(), rows);
        assertEquals(ds.size(), firsts.size());
    }

    @Test
    void splitKeepsValidationTextOutOfTrainingWindows() {
        int n = 10_007;
        int[] ids = ramp(n);
        LanguageModelDataset.Split sp = LanguageModelDataset.split(ids, 500, 0.2, 42);
        assertEquals(4, sp.validationBlocks().length); // round(21 * 0.2)
        // Both sides together are the corpus, in order, block for block.
        boolean[] isVal = new boolean[21];
        for (int v : sp.validationBlocks()) isVal[v] = true;
        List<Integer> trainPos = new ArrayList<>(), valPos = new ArrayList<>();
        for (int[] seg : sp.train()) for (int v : seg) trainPos.add((v - 3) / 7);
        for (int[] seg : sp.validation()) for (int v : seg) valPos.add((v - 3) / 7);
        assertEquals(n, trainPos.size() + valPos.size());
        for (int p : trainPos) assertFalse(isVal[p / 500]);
        for (int p : valPos) assertTrue(isVal[p / 500]);
        for (int i = 1; i < trainPos.size(); i++) assertTrue(trainPos.get(i) > trainPos.get(i - 1));

        // No training window (inputs or targets) touches a validation position, and vice versa.
        for (boolean train : new boolean[] {true, false}) {
            LanguageModelDataset ds = train ? sp.trainWindows(64, 1) : sp.validationWindows(64, 1);
            int[] all = new int[ds.size()];
            Arrays.setAll(all, i -> i);
            Batch b = ds.batch(all);
            long[] x = b.x().longData(), y = b.y().longData();
            for (int i = 0; i < x.length; i++) {
                assertEquals(train, !isVal[(int) ((x[i] - 3) / 7) / 500]);
                assertEquals(train, !isVal[(int) ((y[i] - 3) / 7) / 500]);
                assertEquals(x[i] + 7, y[i]); // contiguous: never across a gap
            }
        }
        // Seeded: same seed, same blocks; another seed, other blocks.
        assertArrayEquals(sp.validationBlocks(), LanguageModelDataset.split(ids, 500, 0.2, 42).validationBlocks());
        assertFalse(Arrays.equals(sp.validationBlocks(), LanguageModelDataset.split(ids, 500, 0.2, 43).validationBlocks()));
        assertThrows(IllegalArgumentException.class, () -> LanguageModelDataset.split(ids, 20_000, 0.2, 1));
        assertThrows(IllegalArgumentException.class, () -> LanguageModelDataset.split(ids, 500, 1.0, 1));
    }

    @Test
    void windowsSkipSegmentsTooShort() {
        LanguageModelDataset ds = new LanguageModelDataset(List.of(ramp(3), ramp(12), new int[0], ramp(10)), 4, 4);
        // segment 1: starts 0, 4 (4 + 5 <= 12); segment 3: starts 0, 4 (4 + 5 <= 10)
        assertEquals(4, ds.size());
        assertArrayEquals(new int[] {1, 0}, ds.locate(0));
        assertArrayEquals(new int[] {1, 4}, ds.locate(1));
        assertArrayEquals(new int[] {3, 0}, ds.locate(2));
        assertArrayEquals(new int[] {3, 4}, ds.locate(3));
    }

    @Test
    void randomWindowsReproducibleForASeed() {
        int[] ids = ramp(300);
        RandomWindows a = new RandomWindows(ids, 32, 8, new Generator(9)), b = new RandomWindows(ids, 32, 8, new Generator(9));
        RandomWindows c = new RandomWindows(ids, 32, 8, new Generator(10));
        boolean differs = false;
        int maxStart = 0;
        for (int step = 0; step < 50; step++) {
            Batch x = a.next(), y = b.next(), z = c.next();
            assertArrayEquals(new int[] {8, 32}, x.x().shape());
            assertArrayEquals(x.x().longData(), y.x().longData());
            assertArrayEquals(x.y().longData(), y.y().longData());
            differs |= !Arrays.equals(x.x().longData(), z.x().longData());
            long[] xs = x.x().longData(), ys = x.y().longData();
            for (int r = 0; r < 8; r++) {
                int start = (int) ((xs[r * 32] - 3) / 7);
                maxStart = Math.max(maxStart, start);
                assertTrue(start >= 0 && start < 300 - 32 - 1);
                for (int j = 0; j < 32; j++) {
                    assertEquals(ids[start + j], xs[r * 32 + j]);
                    assertEquals(ids[start + j + 1], ys[r * 32 + j]);
                }
            }
        }
        assertTrue(differs);
        assertTrue(maxStart > 200, "starts should spread over [0, 267): max " + maxStart);
        // Starts come straight from the generator: nextLong(n - T - 1) per window.
        Generator g = new Generator(9);
        int[] s = new RandomWindows(ids, 32, 8, new Generator(9)).nextStarts();
        for (int v : s) assertEquals(g.nextLong(300 - 32 - 1), v);
        assertThrows(IllegalArgumentException.class, () -> new RandomWindows(ramp(33), 32, 1, new Generator(0)));
        new RandomWindows(ramp(34), 32, 1, new Generator(0)).next(); // n = T + 2: the only start is 0
    }

    @Test
    void byteTokensGiveTheSameWindowsAsTheirIds() {
        byte[] bytes = new byte[500];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (i * 37 + 11); // all of 0..255, read unsigned
        int[] ids = new int[bytes.length];
        for (int i = 0; i < ids.length; i++) ids[i] = bytes[i] & 0xFF;
        RandomWindows fromIds = new RandomWindows(ids, 16, 4, new Generator(3));
        RandomWindows fromBytes = RandomWindows.ofBytes(bytes, 16, 4, new Generator(3));
        boolean high = false;
        for (int step = 0; step < 20; step++) {
            Batch a = fromIds.next(), b = fromBytes.next();
            assertArrayEquals(a.x().longData(), b.x().longData());
            assertArrayEquals(a.y().longData(), b.y().longData());
            for (long v : b.x().longData()) high |= v > 127;
        }
        assertTrue(high, "bytes above 127 are ids above 127, not negative");
        var e = assertThrows(IllegalArgumentException.class, () -> RandomWindows.ofBytes(new byte[10], 16, 1, new Generator(0)));
        assertTrue(e.getMessage().contains("10 tokens"), e.getMessage());
    }
}
