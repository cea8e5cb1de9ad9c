package dev.nabla.nn;

import dev.nabla.nn.layers.BatchNorm2d;
import dev.nabla.nn.layers.Conv2d;
import dev.nabla.nn.layers.Dropout;
import dev.nabla.nn.layers.Flatten;
import dev.nabla.nn.layers.LayerNorm;
import dev.nabla.nn.layers.Linear;
import dev.nabla.nn.layers.ReLU;
import dev.nabla.nn.layers.Sequential;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Generator;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModuleTest {
    private final Generator gen = new Generator(42);

    private Sequential net() {
        return new Sequential(new Linear(4, 3, gen), new ReLU(), new Conv2d(1, 2, 3, gen), new BatchNorm2d(2));
    }

    /** A module with a buffer that is not persistent, own parameters registered around a child. */
    static final class Block extends Module {
        final Tensor scale, shift;
        final Linear inner;

        Block(Generator gen) {
            scale = registerParameter("scale", Tensor.ones(3));
            inner = registerModule("inner", new Linear(3, 3, false, gen));
            shift = registerParameter("shift", Tensor.zeros(3));
            registerBuffer("steps", Tensor.zeros(1));
            registerBuffer("cache", Tensor.zeros(2), false);
        }

        @Override
        public Tensor forward(Tensor input) {
            return input.mul(scale).add(shift).matmul(inner.weight().t()); // matmul: testable without the linear op
        }
    }

    @Test
    void stateDictNamesFollowPyTorch() {
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias", "3.running_mean",
                "3.running_var", "3.num_batches_tracked"), List.copyOf(net().stateDict().keySet()));
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias"),
                List.copyOf(net().namedParameters().keySet()));
        assertEquals(List.of("3.running_mean", "3.running_var", "3.num_batches_tracked"),
                List.copyOf(net().namedBuffers().keySet()));
        assertEquals(DType.INT64, net().stateDict().get("3.num_batches_tracked").dtype());
        assertArrayEquals(new int[] {2, 1, 3, 3}, net().stateDict().get("2.weight").shape());
    }

    @Test
    void ownParametersComeBeforeChildrenAndNonPersistentBuffersStayOut() {
        Sequential s = new Sequential(new Block(gen), new Block(gen));
        assertEquals(List.of("0.scale", "0.shift", "0.inner.weight", "1.scale", "1.shift", "1.inner.weight"),
                List.copyOf(s.namedParameters().keySet()));
        assertEquals(List.of("0.steps", "0.cache", "1.steps", "1.cache"), List.copyOf(s.namedBuffers().keySet()));
        assertEquals(List.of("0.scale", "0.shift", "0.steps", "0.inner.weight", "1.scale", "1.shift", "1.steps",
                "1.inner.weight"), List.copyOf(s.stateDict().keySet()));
        assertEquals(List.of("", "0", "0.inner", "1", "1.inner"), List.copyOf(s.namedModules().keySet()));
        assertEquals(2, s.children().size());
        assertEquals(List.of("0", "1"), List.copyOf(s.namedChildren().keySet()));
        assertEquals(2 * (3 + 3 + 9), s.numParameters());
    }

    @Test
    void sharedModulesAreListedOnceInParametersButStateDictKeepsBothNames() {
        Linear shared = new Linear(2, 2, gen);
        Sequential s = new Sequential(shared, new ReLU(), shared);
        assertEquals(List.of("0.weight", "0.bias"), List.copyOf(s.namedParameters().keySet()));
        assertEquals(6, s.numParameters());
        assertEquals(2, s.parameters().size());
    }

    @Test
    void stateDictSharesStorageAndIsDetached() {
        Linear l = new Linear(3, 2, gen);
        Tensor w = l.stateDict().get("weight");
        assertTrue(w.sharesStorageWith(l.weight()));
        assertFalse(w.requiresGrad());
    }

    @Test
    void loadStateDictCopiesInPlace() {
        Sequential a = net(), b = new Sequential(new Linear(4, 3, new Generator(1)), new ReLU(),
                new Conv2d(1, 2, 3, new Generator(2)), new BatchNorm2d(2));
        Tensor before = ((Linear) b.get(0)).weight();
        LinkedHashMap<String, Tensor> sd = a.stateDict();
        sd.put("3.num_batches_tracked", Tensor.ofLongs(new long[] {5}));
        Module.LoadResult r = b.loadStateDict(sd, true);
        assertEquals(List.of(), r.missingKeys());
        assertSame(before, ((Linear) b.get(0)).weight(), "the parameter tensor is kept, its values replaced");
        assertArrayEquals(((Linear) a.get(0)).weight().toFloatArray(), before.toFloatArray());
        assertTrue(before.requiresGrad());
        assertEquals(5, ((BatchNorm2d) b.get(3)).numBatchesTracked());
    }

    @Test
    void loadStateDictReportsEveryProblemAtOnce() {
        Sequential s = net();
        Map<String, Tensor> sd = new HashMap<>(s.stateDict());
        sd.remove("0.bias");
        sd.remove("3.running_var");
        sd.put("0.weight", Tensor.zeros(4, 3));
        sd.put("2.bias", Tensor.zeros(5));
        sd.put("9.weight", Tensor.zeros(1));
        StateDictException e = assertThrows(StateDictException.class, () -> s.loadStateDict(sd, true));
        assertEquals(List.of("0.bias", "3.running_var"), e.missingKeys());
        assertEquals(List.of("9.weight"), e.unexpectedKeys());
        assertEquals(2, e.sizeMismatches().size());
        String m = e.getMessage();
        assertTrue(m.startsWith("Error(s) in loading state_dict for Sequential:"), m);
        assertTrue(m.contains("Missing key(s) in state_dict: \"0.bias\", \"3.running_var\"."), m);
        assertTrue(m.contains("Unexpected key(s) in state_dict: \"9.weight\"."), m);
        assertTrue(m.contains("size mismatch for 0.weight: copying a param with shape [4, 3] from checkpoint, "
                + "the shape in current model is [3, 4]."), m);
        assertTrue(m.contains("size mismatch for 2.bias: copying a param with shape [5] from checkpoint, "
                + "the shape in current model is [2]."), m);
        float[] untouched = ((Linear) s.get(0)).weight().toFloatArray();
        assertFalse(allZero(untouched), "nothing is copied when loading fails");
    }

    @Test
    void nonStrictLoadReturnsMissingAndUnexpectedButStillRejectsShapes() {
        Linear l = new Linear(3, 2, gen);
        Map<String, Tensor> sd = Map.of("weight", Tensor.ones(2, 3), "extra", Tensor.zeros(1));
        Module.LoadResult r = l.loadStateDict(sd, false);
        assertEquals(List.of("bias"), r.missingKeys());
        assertEquals(List.of("extra"), r.unexpectedKeys());
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, l.weight().toFloatArray());
        StateDictException e = assertThrows(StateDictException.class,
                () -> l.loadStateDict(Map.of("weight", Tensor.ones(3, 2)), false));
        assertEquals(List.of(), e.missingKeys());
        assertEquals(1, e.sizeMismatches().size());
    }

    @Test
    void trainAndEvalReachEveryDescendant() {
        Sequential s = new Sequential(new Sequential(new Dropout(0.5f)), new BatchNorm2d(2));
        assertTrue(s.isTraining());
        s.eval();
        for (Module m : s.modules()) assertFalse(m.isTraining(), m.name());
        s.train();
        for (Module m : s.modules()) assertTrue(m.isTraining(), m.name());
    }

    @Test
    void zeroGradDropsOrZeroesGradients() {
        Block b = new Block(gen);
        b.forward(Tensor.ones(2, 3)).sum().backward();
        for (Tensor p : b.parameters()) assertNotNull(p.grad());
        java.util.List<Tensor> grads = b.parameters().stream().map(Tensor::grad).toList();
        b.zeroGrad(false);
        for (Tensor p : b.parameters()) assertTrue(allZero(p.grad().toFloatArray()));
        for (int i = 0; i < grads.size(); i++)
            assertSame(grads.get(i), b.parameters().get(i).grad(), "zeroed in place, not replaced");
        b.zeroGrad();
        for (Tensor p : b.parameters()) assertNull(p.grad());
    }

    @Test
    void registrationIsChecked() {
        class Bad extends Module {
            Bad(String first, String second) {
                registerParameter(first, Tensor.zeros(1));
                registerBuffer(second, Tensor.zeros(1));
            }

            @Override
            public Tensor forward(Tensor input) { return input; }
        }
        assertThrows(IllegalArgumentException.class, () -> new Bad("a", "a"));
        assertThrows(IllegalArgumentException.class, () -> new Bad("a.b", "c"));
        assertThrows(IllegalArgumentException.class, () -> new Bad("", "c"));
        assertEquals(List.of("a"), List.copyOf(new Bad("a", "b").namedParameters().keySet()));
    }

    @Test
    void singleInputModulesRejectSeveralInputs() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReLU().forward(Tensor.zeros(1), Tensor.zeros(1)));
        assertTrue(e.getMessage().startsWith("ReLU: takes 1 input, got 2"), e.getMessage());
    }

    @Test
    void reprLooksLikePyTorch() {
        Sequential s = new Sequential(new Linear(4, 3, gen), new ReLU(), new Sequential(new Flatten(), new LayerNorm(6)),
                new BatchNorm2d(2), new Conv2d(3, 8, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1},
                new int[] {1, 1}, 1, false, gen));
        assertEquals("""
                Sequential(
                  (0): Linear(in_features=4, out_features=3, bias=True)
                  (1): ReLU()
                  (2): Sequential(
                    (0): Flatten(start_dim=1, end_dim=-1)
                    (1): LayerNorm((6,), eps=1e-05, elementwise_affine=True)
                  )
                  (3): BatchNorm2d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
                  (4): Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)
                )""", s.toString());
        assertEquals("Dropout(p=0.25, inplace=False)", new Dropout(0.25f).toString());
    }

    @Test
    void applyVisitsEveryModule() {
        Sequential s = new Sequential(new Dropout(0.5f), new Sequential(new Dropout(0.1f)));
        Generator g = new Generator(3);
        s.apply(m -> { if (m instanceof Dropout d) d.setGenerator(g); });
        assertSame(g, ((Dropout) s.get(0)).generator());
        assertSame(g, ((Dropout) ((Sequential) s.get(1)).get(0)).generator());
    }

    private static boolean allZero(float[] v) {
        for (float x : v) if (x != 0) return false;
        return true;
    }
}
