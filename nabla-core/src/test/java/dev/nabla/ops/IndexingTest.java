package dev.nabla.ops;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Unit tests of indexing and joining: large (parallel) paths, int64 inputs, views, PyTorch's edge rules, errors. */
class IndexingTest {
    private static final Generator G = new Generator(5);

    // ------------------------------------------------------------------ values beyond the oracle

    @Test
    void largeEmbeddingMatchesAPlainLoop() { // big enough for the parallel forward and backward
        int vocab = 300, dimD = 48, n = 4000;
        Tensor w = Tensor.randn(G, vocab, dimD).requiresGrad(true);
        Tensor ids = Tensor.randint(G, 0, vocab, 40, n / 40);
        Tensor out = Functional.embedding(ids, w);
        assertArrayEquals(new int[] {40, n / 40, dimD}, out.shape());
        Tensor g = Tensor.randn(G, out.shape());
        out.backward(g);
        long[] id = ids.toLongArray();
        float[] wv = w.toFloatArray(), ov = out.toFloatArray(), gv = g.toFloatArray();
        double[] expect = new double[vocab * dimD];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < dimD; j++) {
                assertEquals(wv[(int) id[i] * dimD + j], ov[i * dimD + j]);
                expect[(int) id[i] * dimD + j] += gv[i * dimD + j];
            }
        float[] gw = w.grad().toFloatArray();
        for (int k = 0; k < gw.length; k++) assertEquals(expect[k], gw[k], 1e-4);
    }

    @Test
    void largeIndexSelectGradientAccumulatesRepeats() { // many outer rows: the parallel backward
        Tensor x = Tensor.randn(G, 400, 10, 20).requiresGrad(true);
        Tensor index = Tensor.ofLongs(new long[] {3, 3, 9, 0, 3}, 5);
        Tensor y = x.indexSelect(1, index);
        y.sum().backward();
        float[] g = x.grad().toFloatArray();
        for (int o = 0; o < 400; o++)
            for (int r = 0; r < 10; r++) {
                float want = r == 3 ? 3 : r == 9 || r == 0 ? 1 : 0;
                for (int c = 0; c < 20; c++) assertEquals(want, g[(o * 10 + r) * 20 + c]);
            }
        assertEquals(x.get(7, 9, 4), y.get(7, 2, 4));
    }

    @Test
    void int64InputsAreSupportedWithoutGradients() {
        Tensor labels = Tensor.ofLongs(new long[] {10, 11, 12, 13, 14, 15}, 2, 3);
        Tensor sel = labels.indexSelect(1, Tensor.ofLongs(new long[] {2, 0}, 2));
        assertEquals(DType.INT64, sel.dtype());
        assertArrayEquals(new long[] {12, 10, 15, 13}, sel.toLongArray());
        Tensor gat = labels.gather(1, Tensor.ofLongs(new long[] {1, 1, 0, 2}, 2, 2));
        assertArrayEquals(new long[] {11, 11, 13, 15}, gat.toLongArray());
        Tensor cat = Tensor.cat(List.of(labels, labels.t().contiguous().reshape(2, 3).t().t()), 0);
        assertEquals(DType.INT64, cat.dtype());
        assertArrayEquals(new long[] {10, 11, 12, 13, 14, 15, 10, 13, 11, 14, 12, 15}, cat.toLongArray());
        Tensor st = Tensor.stack(List.of(labels.t(), labels.t()), 2);
        assertArrayEquals(new int[] {3, 2, 2}, st.shape());
        assertEquals(14, st.getLong(1, 1, 0));
    }

    @Test
    void scatterAddAccumulatesAndLeavesTheInputAlone() {
        Tensor x = Tensor.zeros(2, 3);
        Tensor idx = Tensor.ofLongs(new long[] {0, 0, 2, 2}, 1, 4);
        Tensor src = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4);
        Tensor y = x.scatterAdd(1, idx, src);
        assertArrayEquals(new float[] {3, 0, 7, 0, 0, 0}, y.toFloatArray());
        assertArrayEquals(new float[6], x.toFloatArray());
    }

    @Test
    void oneHotValues() {
        Tensor h = Functional.oneHot(Tensor.ofLongs(new long[] {2, 0, 1}, 3), -1);
        assertEquals(DType.FLOAT32, h.dtype());
        assertArrayEquals(new int[] {3, 3}, h.shape());
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0, 0, 1, 0}, h.toFloatArray());
        assertArrayEquals(new int[] {0, 4}, Functional.oneHot(Tensor.zeros(DType.INT64, 0), 4).shape());
        assertArrayEquals(new int[] {2}, Functional.oneHot(Tensor.ofLongs(new long[] {1}), 2).shape()); // 0-d indices
    }

    @Test
    void gatherAndIndexSelectOnNonContiguousIndexAndInput() {
        Tensor x = Tensor.arange(12).reshape(3, 4).t();                         // [4, 3], strided
        Tensor idx = Tensor.ofLongs(new long[] {9, 2, 9, 0, 9, 1}, 6).slice(0, 1, 6, 2); // [2, 0, 1], strided
        assertArrayEquals(new float[] {2, 6, 10, 0, 4, 8, 1, 5, 9}, x.indexSelect(0, idx).toFloatArray());
        // out[r, 0] = x[r, idx[r]] = 4 * idx[r] + r
        assertArrayEquals(new float[] {8, 1, 6}, x.gather(1, idx.reshape(3, 1)).toFloatArray());
    }

    // ------------------------------------------------------------------ joining rules

    @Test
    void splitAndChunkAreViewsWithPyTorchSizes() {
        Tensor x = Tensor.arange(10);
        assertEquals(List.of(3, 3, 3, 1), sizes(x.chunk(4, 0)));
        assertEquals(List.of(2, 2, 2, 2, 2), sizes(x.chunk(6, 0)));     // fewer pieces than asked
        assertEquals(List.of(1, 1, 1, 1, 1), sizes(Tensor.arange(5).chunk(10, 0)));
        assertEquals(List.of(4, 4, 2), sizes(x.split(4, -1)));
        assertEquals(List.of(10), sizes(x.split(20, 0)));
        assertEquals(List.of(0, 0, 0), sizes(Tensor.zeros(0).chunk(3, 0)));
        assertEquals(List.of(0), sizes(Tensor.zeros(0).split(0, 0)));
        for (Tensor piece : x.chunk(3, 0)) assertTrue(piece.sharesStorageWith(x));
        Tensor m = Tensor.arange(12).reshape(3, 4);
        List<Tensor> cols = m.split(3, 1);
        assertArrayEquals(new float[] {3, 7, 11}, cols.get(1).toFloatArray());
        assertThrows(UnsupportedOperationException.class, () -> cols.add(m));
    }

    private static List<Integer> sizes(List<Tensor> pieces) {
        List<Integer> out = new ArrayList<>();
        for (Tensor t : pieces) out.add(t.size(0));
        return out;
    }

    @Test
    void catSkipsLegacyEmptyTensorsAndSnapshotsItsList() {
        Tensor a = Tensor.ones(2, 3).requiresGrad(true);
        Tensor empty = Tensor.zeros(0).requiresGrad(true);
        List<Tensor> list = new ArrayList<>(List.of(empty, a, empty));
        Tensor y = Tensor.cat(list, 1);
        list.clear();
        assertArrayEquals(new int[] {2, 3}, y.shape());
        y.sum().backward();
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, a.grad().toFloatArray());
        assertArrayEquals(new int[] {0}, Tensor.cat(List.of(Tensor.zeros(0), Tensor.zeros(0)), 0).shape());
    }

    @Test
    void stackAtTheEndAndOfScalars() {
        Tensor s = Tensor.stack(List.of(Tensor.scalar(1), Tensor.scalar(2), Tensor.scalar(3)), 0);
        assertArrayEquals(new float[] {1, 2, 3}, s.toFloatArray());
        Tensor a = Tensor.arange(6).reshape(2, 3), b = a.mul(10f);
        Tensor last = Tensor.stack(List.of(a, b), 2);
        assertArrayEquals(new int[] {2, 3, 2}, last.shape());
        assertArrayEquals(new float[] {0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50}, last.toFloatArray());
        assertArrayEquals(last.toFloatArray(), Tensor.stack(List.of(a, b), -1).toFloatArray());
    }

    // ------------------------------------------------------------------ errors

    /** Runs {@code call}, which must throw IllegalArgumentException whose message has every fragment. */
    private static void fails(Executable call, String... fragments) {
        var e = assertThrows(IllegalArgumentException.class, call);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
    }

    @Test
    void indexSelectErrors() {
        Tensor x = Tensor.zeros(3, 4);
        fails(() -> x.indexSelect(1, Tensor.ofLongs(new long[] {0, 4}, 2)), "index_select:", "index 4", "dim 1", "size 4");
        fails(() -> x.indexSelect(0, Tensor.ofLongs(new long[] {-1}, 1)), "index_select:", "index -1", "dim 0", "size 3", "negative");
        fails(() -> x.indexSelect(0, Tensor.of(new float[] {0}, 1)), "index_select:", "int64", "float32");
        fails(() -> x.indexSelect(0, Tensor.ofLongs(new long[] {0, 0}, 1, 2)), "index_select:", "1-D", "[1, 2]");
        fails(() -> x.indexSelect(2, Tensor.ofLongs(new long[] {0}, 1)), "index_select:", "dim 2");
    }

    @Test
    void gatherAndScatterErrors() {
        Tensor x = Tensor.zeros(3, 4);
        fails(() -> x.gather(1, Tensor.ofLongs(new long[] {0, 7}, 1, 2)), "gather:", "index 7", "dim 1", "size 4");
        fails(() -> x.gather(0, Tensor.ofLongs(new long[] {-2}, 1, 1)), "gather:", "index -2", "dim 0", "negative");
        fails(() -> x.gather(0, Tensor.ofLongs(new long[] {0}, 1)), "gather:", "same number of dims", "[1]", "[3, 4]");
        fails(() -> x.gather(0, Tensor.zeros(DType.INT64, 1, 5)), "gather:", "[1, 5]", "dim 1");
        fails(() -> x.gather(0, Tensor.zeros(1, 1)), "gather:", "int64");
        Tensor idx = Tensor.zeros(DType.INT64, 2, 2);
        fails(() -> x.scatterAdd(0, idx, Tensor.zeros(2, 1)), "scatter_add:", "src", "[2, 1]");
        fails(() -> x.scatterAdd(1, Tensor.ofLongs(new long[] {4}, 1, 1), Tensor.zeros(1, 1)), "scatter_add:", "index 4", "dim 1", "size 4");
        fails(() -> x.scatterAdd(0, idx, Tensor.zeros(DType.INT64, 2, 2)), "scatter_add:", "float32");
    }

    @Test
    void embeddingAndOneHotErrors() {
        Tensor w = Tensor.zeros(5, 2);
        fails(() -> Functional.embedding(Tensor.ofLongs(new long[] {1, 5}, 2), w), "embedding:", "index 5", "dim 0", "size 5");
        fails(() -> Functional.embedding(Tensor.ofLongs(new long[] {-1}, 1), w), "embedding:", "index -1", "negative");
        fails(() -> Functional.embedding(Tensor.of(new float[] {1}, 1), w), "embedding:", "int64");
        fails(() -> Functional.embedding(Tensor.ofLongs(new long[] {1}, 1), Tensor.zeros(5)), "embedding:", "2-D", "[5]");
        fails(() -> Functional.oneHot(Tensor.ofLongs(new long[] {1, -1}, 2), 3), "one_hot:", "non-negative", "-1");
        fails(() -> Functional.oneHot(Tensor.ofLongs(new long[] {3}, 1), 3), "one_hot:", "3", "num_classes 3");
        fails(() -> Functional.oneHot(Tensor.zeros(DType.INT64, 0), -1), "one_hot:", "empty");
        fails(() -> Functional.oneHot(Tensor.of(new float[] {1}, 1), 3), "one_hot:", "int64");
    }

    @Test
    void joiningErrorsNameThePosition() {
        Tensor a = Tensor.zeros(2, 3);
        fails(() -> Tensor.cat(List.of(), 0), "cat:", "non-empty");
        fails(() -> Tensor.cat(List.of(a, a, Tensor.zeros(2, 3, 1)), 0), "cat:", "tensor 2", "[2, 3, 1]");
        fails(() -> Tensor.cat(List.of(a, Tensor.zeros(DType.INT64, 2, 3)), 0), "cat:", "tensor 1", "int64");
        fails(() -> Tensor.cat(List.of(a, Tensor.zeros(3, 3)), 1), "cat:", "tensor 1", "[3, 3]", "dim 0");
        fails(() -> Tensor.cat(Arrays.asList(a, null), 0), "cat:", "tensor 1", "null");
        fails(() -> Tensor.cat(List.of(Tensor.scalar(1)), 0), "cat:", "zero-dimensional");
        fails(() -> Tensor.cat(List.of(a), 2), "cat:", "dim 2");
        fails(() -> Tensor.stack(List.of(a, a, Tensor.zeros(3, 2)), 0), "stack:", "tensor 2", "[3, 2]");
        fails(() -> Tensor.stack(List.of(a), 3), "stack:", "dim 3", "[-3, 2]");
        fails(() -> Tensor.stack(List.of(a), -4), "stack:", "dim -4");
        fails(() -> Tensor.stack(List.of(a, Tensor.zeros(DType.INT64, 2, 3)), 0), "stack:", "tensor 1", "int64");
        fails(() -> a.split(0, 1), "split:", "0", "size 3");
        fails(() -> a.split(-2, 0), "split:", "-2");
        fails(() -> a.chunk(0, 0), "chunk:", "0");
        fails(() -> a.chunk(2, 2), "chunk:", "dim 2");
    }
}
