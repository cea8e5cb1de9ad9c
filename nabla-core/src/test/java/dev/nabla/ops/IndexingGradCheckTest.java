package dev.nabla.ops;

import dev.nabla.autograd.GradCheck;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Finite-difference checks of the indexing and joining ops over random shapes, dims and indices, with
 * contiguous and non-contiguous (transposed or strided) inputs.
 */
class IndexingGradCheckTest {
    private static final Generator G = new Generator(7);

    private static int between(int lo, int hi) { // inclusive
        return lo + (int) G.nextLong(hi - lo + 1);
    }

    private static int[] randomShape(int minRank, int maxRank, int maxSize) {
        int[] s = new int[between(minRank, maxRank)];
        for (int i = 0; i < s.length; i++) s[i] = between(1, maxSize);
        return s;
    }

    /**
     * A leaf of the given shape: contiguous, a transposed view, or every other element of a wider tensor,
     * chosen at random.
     */
    private static Tensor leaf(int[] shape) {
        int kind = (int) G.nextLong(3);
        Tensor t;
        if (kind == 1 && shape.length >= 2) {
            int[] swapped = shape.clone();
            swapped[0] = shape[shape.length - 1];
            swapped[shape.length - 1] = shape[0];
            t = Tensor.randn(G, swapped).transpose(0, shape.length - 1).detach();
        } else if (kind == 2 && shape.length >= 1) {
            int[] wide = shape.clone();
            wide[shape.length - 1] = 2 * shape[shape.length - 1];
            t = Tensor.randn(G, wide).slice(-1, 0, wide[shape.length - 1], 2).detach();
            assertFalse(t.isContiguous() && t.numel() > 1 && shape[shape.length - 1] > 1);
        } else t = Tensor.randn(G, shape);
        return t.requiresGrad(true);
    }

    /** int64 indices in [0, bound) of the given shape; sometimes a strided view. */
    private static Tensor indices(int[] shape, int bound) {
        if (shape.length >= 1 && G.nextLong(2) == 0) {
            int[] wide = shape.clone();
            wide[shape.length - 1] *= 2;
            return Tensor.randint(G, 0, bound, wide).slice(-1, 1, wide[shape.length - 1], 2);
        }
        return Tensor.randint(G, 0, bound, shape);
    }

    @RepeatedTest(8)
    void indexSelect() {
        int[] s = randomShape(1, 3, 4);
        int dim = between(-s.length, s.length - 1);
        int d = dim < 0 ? dim + s.length : dim;
        Tensor index = indices(new int[] {between(1, 6)}, s[d]);
        GradCheck.check(t -> t[0].indexSelect(dim, index), leaf(s));
    }

    @RepeatedTest(8)
    void gather() {
        int[] s = randomShape(1, 3, 4);
        int d = between(0, s.length - 1);
        int[] is = s.clone();
        for (int i = 0; i < is.length; i++) is[i] = i == d ? between(1, 6) : between(1, s[i]);
        Tensor index = indices(is, s[d]);
        GradCheck.check(t -> t[0].gather(d, index), leaf(s));
    }

    @RepeatedTest(8)
    void scatterAdd() {
        int[] s = randomShape(1, 3, 4);
        int d = between(0, s.length - 1);
        int[] is = s.clone(), ss = new int[s.length];
        for (int i = 0; i < is.length; i++) {
            is[i] = i == d ? between(1, 6) : between(1, s[i]);
            ss[i] = is[i] + between(0, 1); // src may be larger than index: only its leading block is used
        }
        Tensor index = indices(is, s[d]);
        GradCheck.check(t -> t[0].scatterAdd(d, index, t[1]), leaf(s), leaf(ss));
    }

    @RepeatedTest(8)
    void embedding() {
        int vocab = between(1, 6), dimD = between(1, 5);
        Tensor index = indices(randomShape(0, 3, 4), vocab);
        GradCheck.check(t -> Functional.embedding(index, t[0]), leaf(new int[] {vocab, dimD}));
    }

    @RepeatedTest(8)
    void cat() {
        int[] s = randomShape(1, 3, 3);
        int dim = between(-s.length, s.length - 1);
        int d = dim < 0 ? dim + s.length : dim;
        int n = between(1, 3);
        Tensor[] in = new Tensor[n];
        for (int i = 0; i < n; i++) {
            int[] si = s.clone();
            si[d] = between(0, 3);
            in[i] = leaf(si);
        }
        GradCheck.check(t -> Tensor.cat(List.of(t), dim), in);
    }

    @RepeatedTest(8)
    void stack() {
        int[] s = randomShape(0, 3, 3);
        int dim = between(-s.length - 1, s.length);
        int n = between(1, 3);
        Tensor[] in = new Tensor[n];
        for (int i = 0; i < n; i++) in[i] = leaf(s);
        GradCheck.check(t -> Tensor.stack(List.of(t), dim), in);
    }

    /** Each piece times a different constant, joined back: the views' gradients must land in place. */
    private static Tensor scaledCat(List<Tensor> pieces, int dim) {
        List<Tensor> out = new ArrayList<>();
        for (int k = 0; k < pieces.size(); k++) out.add(pieces.get(k).mul(k + 1f).add(k));
        return Tensor.cat(out, dim);
    }

    @RepeatedTest(8)
    void splitAndChunk() {
        int[] s = randomShape(1, 3, 6);
        int dim = between(-s.length, s.length - 1);
        int size = between(1, 4), chunks = between(1, 5);
        GradCheck.check(t -> scaledCat(t[0].split(size, dim), dim), leaf(s));
        GradCheck.check(t -> scaledCat(t[0].chunk(chunks, dim), dim), leaf(s));
    }

    @RepeatedTest(4)
    void dropout() {
        int[] s = randomShape(1, 3, 5);
        float p = (float) (0.1 + 0.8 * G.nextDouble());
        long seed = G.nextLong();
        // a fresh generator with the same seed on every evaluation, so the mask is the same
        GradCheck.check(t -> Functional.dropout(t[0], p, true, new Generator(seed)), leaf(s));
    }

    @Test
    void chainedIndexingOps() {
        Tensor w = Tensor.randn(G, 5, 3).requiresGrad(true);
        Tensor ids = Tensor.ofLongs(new long[] {4, 0, 4, 2}, 2, 2);
        Tensor pick = Tensor.ofLongs(new long[] {2, 0, 1, 1, 0, 2, 2, 2}, 2, 2, 2);
        GradCheck.check(t -> {
            Tensor e = Functional.embedding(ids, t[0]);          // [2, 2, 3]
            Tensor g = e.gather(2, pick);                         // [2, 2, 2]
            List<Tensor> halves = g.chunk(2, 0);
            return Tensor.stack(List.of(halves.get(1), halves.get(0).mul(3f)), -1)
                    .indexSelect(1, Tensor.ofLongs(new long[] {1, 1, 0}, 3));
        }, w);
    }
}
