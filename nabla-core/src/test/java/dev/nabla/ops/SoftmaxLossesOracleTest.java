package dev.nabla.ops;

import dev.nabla.tensor.DType;
import dev.nabla.tensor.Tensor;
import dev.nabla.testing.Oracle;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** softmax family, extrema, cross_entropy and mse_loss against PyTorch (oracle/gen_softmax_losses.py). */
class SoftmaxLossesOracleTest {
    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        return Oracle.load("softmax_losses").tests(1e-5, 1e-4, (c, in) -> {
            Tensor out = switch (c.op()) {
                case "softmax" -> in[0].softmax(c.integer("dim"));
                case "softmax_t" -> in[0].t().softmax(c.integer("dim"));
                case "log_softmax" -> in[0].logSoftmax(c.integer("dim"));
                case "logsumexp" -> in[0].logsumexp(c.ints("dims"), c.flag("keepdim"));
                case "max_all" -> in[0].max();
                case "min_all" -> in[0].min();
                case "argmax_all" -> in[0].argmax();
                case "max" -> in[0].max(c.integer("dim"), c.flag("keepdim"));
                case "min" -> in[0].min(c.integer("dim"), c.flag("keepdim"));
                case "argmax" -> in[0].argmax(c.integer("dim"), c.flag("keepdim"));
                case "argmin" -> in[0].argmin(c.integer("dim"), c.flag("keepdim"));
                case "cross_entropy" -> Functional.crossEntropy(in[0], in[1], reduction(c), (float) c.num("label_smoothing"),
                        (long) c.num("ignore_index"));
                case "mse" -> Functional.mse(in[0], in[1], reduction(c));
                default -> throw new IllegalArgumentException("unknown op " + c.op());
            };
            // Index results must also have PyTorch's dtype, not merely equal values.
            assertEquals(c.expected("out").dtype(), out.dtype(), c.name() + ": dtype");
            return out;
        });
    }

    private static Reduction reduction(Oracle.Case c) {
        return Reduction.valueOf(((String) c.args().get("reduction")).toUpperCase(Locale.ROOT));
    }

    @TestFactory
    Stream<DynamicTest> indexResultsAreInt64() {
        return Stream.of("argmax", "argmin").map(op -> DynamicTest.dynamicTest(op, () -> {
            Tensor x = Tensor.of(new float[] {1, 5, 5, 0}, 2, 2);
            Tensor out = op.equals("argmax") ? x.argmax(1, false) : x.argmin(1, false);
            assertEquals(DType.INT64, out.dtype());
        }));
    }
}
