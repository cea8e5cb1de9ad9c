package dev.nabla.ops;

import dev.nabla.tensor.Tensor;
import dev.nabla.testing.Oracle;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

/** Elementwise ops, views, reductions and matmul against PyTorch (oracle/gen_elementwise.py). */
class ElementwiseOracleTest {
    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        return Oracle.load("elementwise").tests(1e-5, 1e-4, (c, in) -> switch (c.op()) {
            case "add" -> in[0].add(in[1]);
            case "sub" -> in[0].sub(in[1]);
            case "mul" -> in[0].mul(in[1]);
            case "div" -> in[0].div(in[1]);
            case "maximum" -> in[0].maximum(in[1]);
            case "minimum" -> in[0].minimum(in[1]);
            case "pow" -> in[0].pow(in[1]);
            case "neg" -> in[0].neg();
            case "exp" -> in[0].exp();
            case "log" -> in[0].log();
            case "sqrt" -> in[0].sqrt();
            case "abs" -> in[0].abs();
            case "relu" -> in[0].relu();
            case "sigmoid" -> in[0].sigmoid();
            case "tanh" -> in[0].tanh();
            case "gelu" -> in[0].gelu();
            case "gelu_tanh" -> in[0].geluTanh();
            case "leaky_relu" -> in[0].leakyRelu((float) c.num("negative_slope"));
            case "clamp" -> in[0].clamp((float) c.num("min"), (float) c.num("max"));
            case "pow_scalar" -> in[0].pow((float) c.num("exponent"));
            case "where" -> Tensor.where(in[0].detach(), in[1], in[2]);
            case "masked_fill" -> in[0].maskedFill(in[1].detach(), (float) c.num("value"));
            case "sum" -> c.flag("all") ? in[0].sum() : in[0].sum(c.ints("dims"), c.flag("keepdim"));
            case "mean" -> c.flag("all") ? in[0].mean() : in[0].mean(c.ints("dims"), c.flag("keepdim"));
            case "var" -> in[0].var(c.ints("dims"), c.flag("unbiased"), c.flag("keepdim"));
            case "matmul" -> in[0].matmul(in[1]);
            case "permute_reshape" -> in[0].permute(c.ints("perm")).reshape(c.ints("shape"));
            case "slice" -> in[0].slice(c.integer("dim"), c.integer("start"), c.integer("end"), c.integer("step"));
            case "expand_mul" -> in[0].expand(c.ints("shape")).mul(in[1]);
            default -> throw new IllegalArgumentException("unknown op " + c.op());
        });
    }
}
