package dev.nabla.ops;

import dev.nabla.tensor.Tensor;
import dev.nabla.testing.Oracle;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** Indexing and joining ops against PyTorch (oracle/gen_indexing.py). */
class IndexingOracleTest {
    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        return Oracle.load("indexing").tests(1e-6, 1e-5, (c, in) -> switch (c.op()) {
            case "index_select" -> in[0].indexSelect(c.integer("dim"), in[1]);
            case "index_select_t" -> in[0].t().indexSelect(c.integer("dim"), in[1]);
            case "gather" -> in[0].gather(c.integer("dim"), in[1]);
            case "gather_t" -> in[0].t().gather(c.integer("dim"), in[1]);
            case "scatter_add" -> in[0].scatterAdd(c.integer("dim"), in[1], in[2]);
            case "embedding" -> Functional.embedding(in[0], in[1]);
            case "one_hot" -> Functional.oneHot(in[0], c.integer("num_classes"));
            case "cat" -> Tensor.cat(Arrays.asList(in), c.integer("dim"));
            case "stack" -> Tensor.stack(Arrays.asList(in), c.integer("dim"));
            case "split_scale_cat" -> scaledCat(in[0].split(c.integer("split_size"), c.integer("dim")), c.integer("dim"));
            case "chunk_scale_cat" -> scaledCat(in[0].chunk(c.integer("chunks"), c.integer("dim")), c.integer("dim"));
            case "chunk_scale_stack" -> Tensor.stack(scaled(in[0].chunk(c.integer("chunks"), c.integer("dim"))), 0);
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        });
    }

    /** Piece k times k+1. */
    private static List<Tensor> scaled(List<Tensor> pieces) {
        List<Tensor> out = new ArrayList<>();
        for (int k = 0; k < pieces.size(); k++) out.add(pieces.get(k).mul(k + 1f));
        return out;
    }

    private static Tensor scaledCat(List<Tensor> pieces, int dim) {
        return Tensor.cat(scaled(pieces), dim);
    }
}
