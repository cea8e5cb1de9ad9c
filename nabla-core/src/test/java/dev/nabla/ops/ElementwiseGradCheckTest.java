package dev.nabla.ops;

import dev.nabla.autograd.GradCheck;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

/**
 * Finite-difference checks of every elementwise op, reduction and matmul over random shapes, with
 * broadcasting and non-contiguous (transposed, sliced) inputs.
 */
class ElementwiseGradCheckTest {
    private static final Generator SHAPES = new Generator(42);

    /** A random shape of rank 1..3 with sizes 1..4. */
    static int[] randomShape(Generator g) {
        int rank = 1 + (int) g.nextLong(3);
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) s[i] = 1 + (int) g.nextLong(4);
        return s;
    }

    /** The same shape with some dims set to 1, so it broadcasts against the original. */
    static int[] broadcastable(Generator g, int[] shape) {
        int drop = (int) g.nextLong(shape.length + 1);
        int[] s = java.util.Arrays.copyOfRange(shape, drop, shape.length);
        for (int i = 0; i < s.length; i++) if (g.nextLong(2) == 0) s[i] = 1;
        return s;
    }

    /** A leaf whose values are read through a transposed (non-contiguous) view when rank >= 2. */
    static Tensor leaf(Generator g, int[] shape, boolean positive) {
        Tensor t;
        if (shape.length >= 2) {
            int[] swapped = shape.clone();
            swapped[0] = shape[shape.length - 1];
            swapped[shape.length - 1] = shape[0];
            t = Tensor.randn(g, swapped).transpose(0, shape.length - 1).detach();
        } else t = Tensor.randn(g, shape);
        if (positive) t = t.abs().add(0.5f).detach();
        return t.requiresGrad(true);
    }

    private static void checkBinary(Function<Tensor[], Tensor> f, boolean positiveB) {
        int[] a = randomShape(SHAPES);
        int[] b = broadcastable(SHAPES, a);
        GradCheck.check(f, leaf(SHAPES, a, positiveB), leaf(SHAPES, b, positiveB));
        GradCheck.check(f, leaf(SHAPES, b, positiveB), leaf(SHAPES, a, positiveB)); // broadcast on the left too
    }

    @RepeatedTest(5) void add() { checkBinary(t -> t[0].add(t[1]), false); }
    @RepeatedTest(5) void sub() { checkBinary(t -> t[0].sub(t[1]), false); }
    @RepeatedTest(5) void mul() { checkBinary(t -> t[0].mul(t[1]), false); }
    @RepeatedTest(5) void div() { checkBinary(t -> t[0].div(t[1]), true); }
    @RepeatedTest(5) void pow() { checkBinary(t -> t[0].pow(t[1]), true); }
    @RepeatedTest(5) void maximum() { checkBinary(t -> t[0].maximum(t[1]), false); }
    @RepeatedTest(5) void minimum() { checkBinary(t -> t[0].minimum(t[1]), false); }

    private static void checkUnary(Function<Tensor, Tensor> f, boolean positive) {
        GradCheck.check(t -> f.apply(t[0]), leaf(SHAPES, randomShape(SHAPES), positive));
    }

    @RepeatedTest(3) void neg() { checkUnary(Tensor::neg, false); }
    @RepeatedTest(3) void exp() { checkUnary(Tensor::exp, false); }
    @RepeatedTest(3) void log() { checkUnary(Tensor::log, true); }
    @RepeatedTest(3) void sqrt() { checkUnary(Tensor::sqrt, true); }
    @RepeatedTest(3) void abs() { checkUnary(Tensor::abs, true); }
    @RepeatedTest(3) void relu() { checkUnary(Tensor::relu, false); }
    @RepeatedTest(3) void leakyRelu() { checkUnary(t -> t.leakyRelu(0.2f), false); }
    @RepeatedTest(3) void gelu() { checkUnary(Tensor::gelu, false); }
    @RepeatedTest(3) void geluTanh() { checkUnary(Tensor::geluTanh, false); }
    @RepeatedTest(3) void sigmoid() { checkUnary(Tensor::sigmoid, false); }
    @RepeatedTest(3) void tanh() { checkUnary(Tensor::tanh, false); }
    @RepeatedTest(3) void clamp() { checkUnary(t -> t.clamp(-0.5f, 0.5f), false); }
    @RepeatedTest(3) void powScalar() { checkUnary(t -> t.pow(3f), false); }

    @RepeatedTest(3)
    void whereAndMaskedFill() {
        int[] s = randomShape(SHAPES);
        Tensor cond = Tensor.rand(SHAPES, broadcastable(SHAPES, s)).gt(0.5f);
        GradCheck.check(t -> Tensor.where(cond, t[0], t[1]), leaf(SHAPES, s, false), leaf(SHAPES, broadcastable(SHAPES, s), false));
        Tensor mask = Tensor.rand(SHAPES, broadcastable(SHAPES, s)).gt(0.5f);
        GradCheck.check(t -> t[0].maskedFill(mask, 3f), leaf(SHAPES, s, false));
    }

    @RepeatedTest(5)
    void reductions() {
        int[] s = randomShape(SHAPES);
        int dim = (int) SHAPES.nextLong(s.length);
        GradCheck.check(t -> t[0].sum(), leaf(SHAPES, s, false));
        GradCheck.check(t -> t[0].sum(new int[] {dim}, true), leaf(SHAPES, s, false));
        GradCheck.check(t -> t[0].mean(dim), leaf(SHAPES, s, false));
        if (s[dim] > 1) GradCheck.check(t -> t[0].var(new int[] {dim}, true, false), leaf(SHAPES, s, false));
    }

    @RepeatedTest(5)
    void matmul() {
        int m = 1 + (int) SHAPES.nextLong(5), k = 1 + (int) SHAPES.nextLong(5), n = 1 + (int) SHAPES.nextLong(5);
        GradCheck.check(t -> t[0].matmul(t[1]), leaf(SHAPES, new int[] {m, k}, false), leaf(SHAPES, new int[] {k, n}, false));
        GradCheck.check(t -> t[0].matmul(t[1]), leaf(SHAPES, new int[] {2, 1, m, k}, false), leaf(SHAPES, new int[] {3, k, n}, false));
        GradCheck.check(t -> t[0].matmul(t[1]), leaf(SHAPES, new int[] {k}, false), leaf(SHAPES, new int[] {2, k, n}, false));
    }

    @Test
    void viewsPassGradientsThrough() {
        Tensor x = Tensor.randn(SHAPES, 3, 4, 5).requiresGrad(true);
        GradCheck.check(t -> t[0].permute(2, 0, 1).reshape(5, 12).slice(1, 1, 11, 3), x);
        GradCheck.check(t -> t[0].narrow(1, 1, 2).select(2, 3).unsqueeze(0).squeeze(0), x);
        GradCheck.check(t -> t[0].select(0, 1).unsqueeze(1).expand(4, 3, 5).flatten(), x);
        GradCheck.check(t -> t[0].transpose(0, 2).contiguous().view(-1), x);
    }
}
