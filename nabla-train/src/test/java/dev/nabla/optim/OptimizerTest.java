package dev.nabla.optim;

import dev.nabla.io.SafeTensors;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** State dicts, validation, and the step's handling of null, non-contiguous and offset tensors. */
class OptimizerTest {
    @TempDir Path dir;

    private static final Map<String, Function<List<Tensor>, Optimizer<?, ?>>> CONFIGS = Map.of(
            "SGD nesterov", ps -> new SGD(ps, new SGD.Options(0.05, 0.9, 0, 0.01, true, false)),
            "SGD dampening", ps -> new SGD(ps, new SGD.Options(0.05, 0.8, 0.2, 0, false, true)),
            "Adagrad", ps -> new Adagrad(ps, new Adagrad.Options(0.1, 0.05, 0.01, 0.2, 1e-10, false)),
            "RMSprop centered momentum", ps -> new RMSprop(ps, new RMSprop.Options(0.01, 0.9, 1e-8, 0.01, 0.5, true, false)),
            "Adam amsgrad", ps -> new Adam(ps, new Adam.Options(0.01).withAmsgrad(true).withWeightDecay(0.1)),
            "AdamW", ps -> new AdamW(ps, new AdamW.Options(0.01).withBetas(0.8, 0.95)));

    private static List<Tensor> params(long seed) {
        Generator gen = new Generator(seed);
        return List.of(Tensor.randn(gen, 3, 4).requiresGrad(true), Tensor.randn(gen, 5).requiresGrad(true));
    }

    private static List<List<Tensor>> grads(int steps) {
        Generator gen = new Generator(99);
        List<List<Tensor>> out = new ArrayList<>();
        for (int k = 0; k < steps; k++) out.add(List.of(Tensor.randn(gen, 3, 4), Tensor.randn(gen, 5)));
        return out;
    }

    private static void run(Optimizer<?, ?> opt, List<Tensor> params, List<List<Tensor>> grads, int from, int to) {
        for (int k = from; k < to; k++) {
            for (int i = 0; i < params.size(); i++) params.get(i).setGrad(k == 4 && i == 1 ? null : grads.get(k).get(i).clone());
            opt.step();
        }
    }

    @TestFactory
    Stream<DynamicTest> stateDictRoundTripThroughSafetensors() {
        return CONFIGS.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            List<List<Tensor>> grads = grads(8);
            List<Tensor> a = params(1);
            Optimizer<?, ?> optA = e.getValue().apply(a);
            run(optA, a, grads, 0, 3);
            OptimizerStateDict saved = optA.stateDict();
            Path file = dir.resolve("opt.safetensors");
            SafeTensors st = saved.toSafeTensors();
            SafeTensors.write(file, st.tensors(), st.metadata());
            List<float[]> savedParams = a.stream().map(Tensor::toFloatArray).toList();
            Map<String, float[]> savedState = new java.util.HashMap<>();
            saved.tensors().forEach((k, v) -> savedState.put(k, v.toFloatArray()));
            run(optA, a, grads, 3, 8);

            // the dict is a snapshot: continuing did not change it
            saved.tensors().forEach((k, v) -> assertArrayEquals(savedState.get(k), v.toFloatArray(), k + " changed after stateDict()"));

            List<Tensor> b = List.of(Tensor.of(savedParams.get(0), 3, 4).requiresGrad(true), Tensor.of(savedParams.get(1), 5).requiresGrad(true));
            Optimizer<?, ?> optB = e.getValue().apply(b);
            optB.loadStateDict(OptimizerStateDict.fromSafeTensors(SafeTensors.read(file)));
            assertEquals(saved.json(), optB.stateDict().json());
            run(optB, b, grads, 3, 8);
            for (int i = 0; i < 2; i++)
                assertArrayEquals(a.get(i).toFloatArray(), b.get(i).toFloatArray(), e.getKey() + ": param " + i + " after restore");
            assertEquals(optA.stateDict().json(), optB.stateDict().json());
        }));
    }

    @Test
    void loadStateDictRestoresHyperParametersAndReportsMismatches() {
        List<Tensor> p = params(2);
        Adam a = new Adam(p, 0.01);
        a.paramGroups().getFirst().setLr(0.003);
        p.forEach(t -> t.setGrad(Tensor.onesLike(t)));
        a.step();
        OptimizerStateDict sd = a.stateDict();
        Adam b = new Adam(params(2), 0.5);
        b.loadStateDict(sd);
        assertEquals(0.003, b.paramGroups().getFirst().lr());
        assertEquals(1L, b.state(b.paramGroups().getFirst().params().get(1)).step());

        Adam twoGroups = new Adam(List.of(p.get(0)), 0.01);
        twoGroups.addParamGroup(List.of(p.get(1)), Map.of("lr", 0.1));
        var x = assertThrows(IllegalArgumentException.class, () -> twoGroups.loadStateDict(sd));
        assertTrue(x.getMessage().contains("loaded state dict has a different number of parameter groups"), x.getMessage());

        Adam fewer = new Adam(List.of(p.get(0)), 0.01);
        x = assertThrows(IllegalArgumentException.class, () -> fewer.loadStateDict(sd));
        assertTrue(x.getMessage().contains("doesn't match the size of optimizer's group"), x.getMessage());

        Adam otherShapes = new Adam(List.of(Tensor.zeros(2, 2), Tensor.zeros(5)), 0.01);
        x = assertThrows(IllegalArgumentException.class, () -> otherShapes.loadStateDict(sd));
        assertTrue(x.getMessage().contains("state.0.exp_avg has shape [3, 4], the parameter [2, 2]"), x.getMessage());
        assertTrue(x.getMessage().contains("state.0.exp_avg_sq"), "all problems reported at once: " + x.getMessage());
        assertNull(otherShapes.state(otherShapes.paramGroups().getFirst().params().get(1)), "a failed load changes nothing");

        SGD sgd = new SGD(params(2), 0.1);
        x = assertThrows(IllegalArgumentException.class, () -> sgd.loadStateDict(sd));
        assertTrue(x.getMessage().startsWith("SGD: loadStateDict: the state dict was saved by Adam"), x.getMessage());

        Adam amsgrad = new Adam(params(2), new Adam.Options(0.01).withAmsgrad(true));
        Map<String, Object> json = new java.util.LinkedHashMap<>(sd.json());
        @SuppressWarnings("unchecked") Map<String, Object> g0 = new java.util.LinkedHashMap<>(
                (Map<String, Object>) ((List<?>) json.get("param_groups")).getFirst());
        g0.put("amsgrad", true);
        json.put("param_groups", List.of(g0));
        x = assertThrows(IllegalArgumentException.class, () -> amsgrad.loadStateDict(new OptimizerStateDict(sd.tensors(), json)));
        assertTrue(x.getMessage().contains("missing tensor 'max_exp_avg_sq'"), x.getMessage());
    }

    @Test
    void stateDictLayoutFollowsPyTorch() {
        List<Tensor> p = params(3);
        SGD sgd = new SGD(List.of(p.get(1)), SGD.Options.momentum(0.1, 0.9));
        sgd.addParamGroup(List.of(p.get(0)), Map.of("lr", 0.01, "nesterov", true));
        p.forEach(t -> t.setGrad(Tensor.onesLike(t)));
        sgd.step();
        OptimizerStateDict sd = sgd.stateDict();
        assertEquals(List.of("state.0.momentum_buffer", "state.1.momentum_buffer"), List.copyOf(sd.tensors().keySet()));
        assertArrayEquals(new int[] {3, 4}, sd.tensors().get("state.1.momentum_buffer").shape());
        List<?> groups = (List<?>) sd.json().get("param_groups");
        assertEquals(Map.of("lr", 0.01, "momentum", 0.9, "dampening", 0.0, "weight_decay", 0.0, "nesterov", true,
                "maximize", false, "params", List.of(1)), groups.get(1));
    }

    @Test
    void validationMessagesAreTorchs() {
        List<Tensor> p = params(4);
        assertMessage("SGD: Invalid learning rate: -1.0", () -> new SGD.Options(-1));
        assertMessage("SGD: Invalid momentum value: -0.5", () -> SGD.Options.momentum(0.1, -0.5));
        assertMessage("SGD: Invalid weight_decay value: -0.1", () -> new SGD.Options(0.1).withWeightDecay(-0.1));
        assertMessage("SGD: Nesterov momentum requires a momentum and zero dampening", () -> new SGD.Options(0.1, 0, 0, 0, true, false));
        assertMessage("SGD: Nesterov momentum requires a momentum and zero dampening", () -> new SGD.Options(0.1, 0.9, 0.1, 0, true, false));
        assertMessage("Adam: Invalid beta parameter at index 0: 1.0", () -> new Adam.Options(0.1).withBetas(1.0, 0.9));
        assertMessage("Adam: Invalid beta parameter at index 1: -0.1", () -> new Adam.Options(0.1).withBetas(0.9, -0.1));
        assertMessage("Adam: Invalid epsilon value: -1.0E-8", () -> new Adam.Options(0.1, 0.9, 0.999, -1e-8, 0, false, false));
        assertMessage("AdamW: Invalid weight_decay value: -0.01", () -> new AdamW.Options(0.1).withWeightDecay(-0.01));
        assertMessage("AdamW: Invalid learning rate: NaN", () -> new AdamW.Options(Double.NaN));
        assertMessage("Adagrad: Invalid lr_decay value: -1.0", () -> new Adagrad.Options(0.1, -1, 0, 0, 1e-10, false));
        assertMessage("Adagrad: Invalid initial_accumulator_value value: -1.0", () -> new Adagrad.Options(0.1, 0, 0, -1, 1e-10, false));
        assertMessage("RMSprop: Invalid alpha value: -0.9", () -> new RMSprop.Options(0.1, -0.9, 1e-8, 0, 0, false, false));
        assertMessage("RMSprop: Invalid epsilon value: -1.0", () -> new RMSprop.Options(0.1, 0.9, -1, 0, 0, false, false));
        assertMessage("SGD: optimizer got an empty parameter list", () -> new SGD(List.of(), 0.1));
        assertMessage("SGD: unknown hyper-parameter(s) [momentun]", () -> new SGD(p, 0.1).addParamGroup(List.of(Tensor.zeros(1)), Map.of("momentun", 0.9)));
        assertMessage("Adam: betas must be a pair of numbers", () -> Adam.Options.fromMap(Map.of("betas", List.of(0.9)), Adam.Options.defaults()));
        SGD sgd = new SGD(List.of(p.get(0)), 0.1);
        assertMessage("SGD: some parameters appear in more than one parameter group", () -> sgd.addParamGroup(List.of(p.get(0)), new SGD.Options(0.2)));
        assertMessage("SGD: optimizer contains a parameter group with duplicate parameters", () -> new SGD(List.of(p.get(1), p.get(1)), 0.1));
        assertMessage("Adam: parameter 0 of shape [4, 3] has strides [1, 4] and is not contiguous", () -> new Adam(List.of(Tensor.zeros(3, 4).t()), 0.1));
        Tensor nonLeaf = p.get(1).mul(2f);
        assertMessage("Adam: can't optimize a non-leaf Tensor", () -> new Adam(List.of(nonLeaf), 0.1));
        assertMessage("Adam: parameter 0 is int64; only float32 tensors can be optimized", () -> new Adam(List.of(Tensor.ofLongs(new long[] {1, 2})), 0.1));
        assertMessage("SGD: Invalid learning rate: -0.5", () -> sgd.paramGroups().getFirst().setLr(-0.5));
        assertEquals(0.1, sgd.paramGroups().getFirst().lr(), "a refused lr leaves the group as it was");
    }

    static void assertMessage(String prefix, org.junit.jupiter.api.function.Executable e) {
        var x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().startsWith(prefix), "message '" + x.getMessage() + "' should start with '" + prefix + "'");
    }

    @Test
    void nullGradsAreSkippedAndZeroGradClearsOrZeroes() {
        List<Tensor> p = params(5);
        float[] before1 = p.get(1).toFloatArray();
        Adam adam = new Adam(p, 0.1);
        p.get(0).setGrad(Tensor.onesLike(p.get(0)));
        adam.step();
        assertArrayEquals(before1, p.get(1).toFloatArray());
        assertNull(adam.state(p.get(1)));
        assertEquals(1, adam.state(p.get(0)).step());
        float[] before0 = p.get(0).toFloatArray();
        adam.zeroGrad(false);
        assertNotNull(p.get(0).grad());
        assertArrayEquals(new float[12], p.get(0).grad().toFloatArray());
        adam.zeroGrad();
        assertNull(p.get(0).grad());
        adam.step();
        assertArrayEquals(before0, p.get(0).toFloatArray());
        assertEquals(1, adam.state(p.get(0)).step(), "no gradient, no step");
    }

    @Test
    void nonContiguousGradsAndOffsetParamsGiveTheSameUpdate() {
        Generator gen = new Generator(6);
        Tensor g = Tensor.randn(gen, 3, 4);
        Tensor w = Tensor.randn(gen, 4, 3);
        // reference: contiguous parameter, contiguous gradient
        Tensor ref = Tensor.of(w.toFloatArray(), 4, 3).requiresGrad(true);
        RMSprop a = new RMSprop(List.of(ref), new RMSprop.Options(0.01, 0.9, 1e-8, 0.1, 0.9, true, false));
        // a view at offset 7 of a flat buffer, with a transposed (non-contiguous) gradient
        Tensor flat = Tensor.zeros(30);
        Tensor view = flat.narrow(0, 7, 12).view(4, 3);
        System.arraycopy(w.toFloatArray(), 0, flat.data(), 7, 12);
        view.requiresGrad(true);
        RMSprop b = new RMSprop(List.of(view), new RMSprop.Options(0.01, 0.9, 1e-8, 0.1, 0.9, true, false));
        for (int k = 0; k < 3; k++) {
            ref.setGrad(Tensor.of(g.t().toFloatArray(), 4, 3));
            view.setGrad(g.t());
            assertFalse(view.grad().isContiguous());
            a.step();
            b.step();
        }
        assertArrayEquals(ref.toFloatArray(), view.toFloatArray());
        for (int i = 0; i < 30; i++) if (i < 7 || i >= 19) assertEquals(0f, flat.data()[i], "element " + i + " outside the view");
    }

    @Test
    void largeParametersSplitAcrossThreadsMatchSmallPieces() {
        int n = 200_003;
        Generator gen = new Generator(8);
        Tensor big = Tensor.randn(gen, n).requiresGrad(true);
        Tensor grad = Tensor.randn(gen, n);
        List<Tensor> pieces = new ArrayList<>();
        for (int from = 0; from < n; from += 1000) {
            int len = Math.min(1000, n - from);
            Tensor piece = Tensor.of(big.narrow(0, from, len).toFloatArray(), len).requiresGrad(true);
            piece.setGrad(Tensor.of(grad.narrow(0, from, len).toFloatArray(), len));
            pieces.add(piece);
        }
        big.setGrad(grad);
        AdamW one = new AdamW(List.of(big), new AdamW.Options(0.01).withAmsgrad(true));
        AdamW many = new AdamW(pieces, new AdamW.Options(0.01).withAmsgrad(true));
        for (int k = 0; k < 2; k++) { one.step(); many.step(); }
        float[] joined = new float[n];
        int at = 0;
        for (Tensor t : pieces) { System.arraycopy(t.toFloatArray(), 0, joined, at, t.numel()); at += t.numel(); }
        assertArrayEquals(joined, big.toFloatArray());
    }

    /**
     * The Adam/AdamW kernel runs whole vectors and a scalar tail; every element must get exactly the bits of
     * PyTorch's per-element rule written out here in float arithmetic (1003 elements: both paths, at an offset).
     */
    @TestFactory
    Stream<DynamicTest> adamKernelMatchesTheScalarRuleBitForBit() {
        record Case(String name, double wd, boolean decoupled, boolean amsgrad, boolean maximize) {}
        return Stream.of(new Case("plain", 0, false, false, false), new Case("l2", 0.1, false, false, false),
                new Case("amsgrad maximize", 0.05, false, true, true), new Case("decoupled amsgrad", 0.01, true, true, false))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> {
                    int n = 1003, off = 5;
                    Generator gen = new Generator(21);
                    float[] flat = new float[off + n];
                    System.arraycopy(Tensor.randn(gen, n).toFloatArray(), 0, flat, off, n);
                    Tensor p = Tensor.of(flat, off + n).narrow(0, off, n).requiresGrad(true);
                    double lr = 0.01, beta1 = 0.8, beta2 = 0.95, eps = 1e-6;
                    Optimizer<?, ?> opt = c.decoupled()
                            ? new AdamW(List.of(p), new AdamW.Options(lr, beta1, beta2, eps, c.wd(), c.amsgrad(), c.maximize()))
                            : new Adam(List.of(p), new Adam.Options(lr, beta1, beta2, eps, c.wd(), c.amsgrad(), c.maximize()));
                    float[] w = p.toFloatArray(), m = new float[n], v = new float[n], vmax = new float[n];
                    for (int t = 1; t <= 3; t++) {
                        float[] g = Tensor.randn(gen, n).toFloatArray();
                        p.setGrad(Tensor.of(g.clone(), n));
                        opt.step();
                        float negStep = (float) -(lr / (1 - Math.pow(beta1, t)));
                        float bc2 = (float) Math.sqrt(1 - Math.pow(beta2, t));
                        for (int i = 0; i < n; i++) {
                            float d = c.maximize() ? -g[i] : g[i];
                            float x = w[i];
                            if (c.decoupled()) x *= (float) (1 - lr * c.wd());
                            else d += (float) c.wd() * x;
                            m[i] = m[i] * (float) beta1 + (float) (1 - beta1) * d;
                            v[i] = v[i] * (float) beta2 + (float) (1 - beta2) * d * d;
                            float vi = v[i];
                            if (c.amsgrad()) vi = vmax[i] = Math.max(vmax[i], vi);
                            w[i] = x + negStep * (m[i] / ((float) Math.sqrt(vi) / bc2 + (float) eps));
                        }
                        assertArrayEquals(w, p.toFloatArray(), "step " + t);
                    }
                    for (int i = 0; i < off; i++) assertEquals(0f, flat[i]);
                }));
    }

    @Test
    void learningRateChangesTakeEffect() {
        Tensor p = Tensor.of(new float[] {1f, -2f}).requiresGrad(true);
        SGD sgd = GD.of(List.of(p), 0.5);
        p.setGrad(Tensor.of(new float[] {1f, 1f}));
        sgd.step();
        assertArrayEquals(new float[] {0.5f, -2.5f}, p.toFloatArray());
        sgd.paramGroups().getFirst().setLr(0);
        sgd.step();
        assertArrayEquals(new float[] {0.5f, -2.5f}, p.toFloatArray());
    }
}
