package dev.nabla.optim.schedule;

import dev.nabla.io.Json;
import dev.nabla.optim.Adam;
import dev.nabla.optim.OptimizerStateDict;
import dev.nabla.optim.SGD;
import dev.nabla.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScheduleTest {
    private static SGD optimizer() {
        SGD opt = new SGD(List.of(Tensor.zeros(2).requiresGrad(true)), 0.1);
        opt.addParamGroup(List.of(Tensor.zeros(3).requiresGrad(true)), Map.of("lr", 0.05));
        return opt;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> viaJson(Map<String, Object> m) {
        return (Map<String, Object>) Json.parse(Json.write(m));
    }

    /** Steps 7 times, saves, steps 10 more; a fresh optimizer + schedule restored from the save must follow the same lrs. */
    private static void roundTrip(Function<SGD, LRScheduler> make) {
        SGD a = optimizer();
        LRScheduler sa = make.apply(a);
        for (int k = 0; k < 7; k++) sa.step();
        OptimizerStateDict optState = a.stateDict();
        Map<String, Object> schedState = viaJson(sa.stateDict());
        List<double[]> expected = new ArrayList<>();
        for (int k = 0; k < 10; k++) { sa.step(); expected.add(sa.lastLr()); }

        SGD b = optimizer();
        LRScheduler sb = make.apply(b);
        b.loadStateDict(optState);
        sb.loadStateDict(schedState);
        for (int k = 0; k < 10; k++) {
            sb.step();
            assertArrayEquals(expected.get(k), sb.lastLr(), 0.0, sb.getClass().getSimpleName() + " step " + k);
        }
    }

    @Test
    void stateDictsRoundTrip() {
        roundTrip(o -> new StepLR(o, 3, 0.5));
        roundTrip(o -> new MultiStepLR(o, new int[] {2, 9, 12}, 0.5));
        roundTrip(o -> new ExponentialLR(o, 0.9));
        roundTrip(o -> new CosineAnnealingLR(o, 8, 0.001));
        roundTrip(o -> new LinearLR(o, 0.2, 1.0, 9));
        roundTrip(o -> new ConstantLR(o, 0.5, 9));
        roundTrip(o -> SequentialLR.withLinearWarmup(o, 0.1, 9, x -> new CosineAnnealingLR(x, 10)));
        roundTrip(o -> SequentialLR.withLinearWarmup(o, 0.1, 4, x -> new StepLR(x, 2, 0.5)));
    }

    @Test
    void plateauStateDictRoundTrips() {
        double[] metrics = {1, 0.9, 0.9, 0.9, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7};
        var options = ReduceLROnPlateau.Options.defaults().withPatience(1).withFactor(0.5).withCooldown(1);
        SGD a = optimizer();
        ReduceLROnPlateau ra = new ReduceLROnPlateau(a, options);
        assertEquals(Double.POSITIVE_INFINITY, ra.best());
        Map<String, Object> fresh = viaJson(ra.stateDict());   // best is infinite here: stored as a string
        for (int k = 0; k < 5; k++) ra.step(metrics[k]);
        OptimizerStateDict optState = a.stateDict();
        Map<String, Object> saved = viaJson(ra.stateDict());
        List<double[]> expected = new ArrayList<>();
        for (int k = 5; k < metrics.length; k++) { ra.step(metrics[k]); expected.add(ra.lastLr()); }
        assertTrue(expected.getLast()[0] < 0.1 * 0.5 * 0.5, "the lr was reduced several times: " + expected.getLast()[0]);

        SGD b = optimizer();
        ReduceLROnPlateau rb = new ReduceLROnPlateau(b, options);
        rb.loadStateDict(fresh);
        assertEquals(Double.POSITIVE_INFINITY, rb.best());
        b.loadStateDict(optState);
        rb.loadStateDict(saved);
        for (int k = 5; k < metrics.length; k++) {
            rb.step(metrics[k]);
            assertArrayEquals(expected.get(k - 5), rb.lastLr(), 0.0, "step " + k);
        }
        var other = new ReduceLROnPlateau(optimizer(), options.withMode(ReduceLROnPlateau.Mode.MAX));
        var x = assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(saved));
        assertTrue(x.getMessage().contains("saved mode = min differs"), x.getMessage());
    }

    @Test
    void plateauUsesPerGroupMinLrs() {
        SGD opt = optimizer();
        var r = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Options.defaults().withPatience(0).withFactor(0.1),
                new double[] {0.05, 0.0});
        r.step(1);
        r.step(1);
        assertArrayEquals(new double[] {0.05, 0.005}, r.lastLr(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau(opt, ReduceLROnPlateau.Options.defaults(), new double[] {1}));
    }

    @Test
    void schedulesDriveAnyOptimizerAndKeepInitialLr() {
        Adam adam = new Adam(List.of(Tensor.zeros(4).requiresGrad(true)), 0.01);
        var s = new StepLR(adam, 2, 0.5);
        s.step();
        s.step();
        assertEquals(0.005, adam.paramGroups().getFirst().lr(), 1e-15);
        assertEquals(0.01, adam.paramGroups().getFirst().initialLr().orElseThrow());
        assertEquals(0.01, ((Map<?, ?>) ((List<?>) adam.stateDict().json().get("param_groups")).getFirst()).get("initial_lr"));
        assertEquals(2, s.lastEpoch());
        assertArrayEquals(new double[] {0.01}, s.baseLrs());
    }

    @Test
    void validation() {
        SGD opt = optimizer();
        assertMessage("ReduceLROnPlateau: Factor should be < 1.0.", () -> ReduceLROnPlateau.Options.defaults().withFactor(1.0));
        assertMessage("ReduceLROnPlateau: mode median is unknown!", () -> ReduceLROnPlateau.Options.fromMap(Map.of("mode", "median")));
        assertMessage("ReduceLROnPlateau: threshold mode relative is unknown!",
                () -> ReduceLROnPlateau.Options.fromMap(Map.of("threshold_mode", "relative")));
        assertMessage("ReduceLROnPlateau: patience must be a whole number, got 2.5",
                () -> ReduceLROnPlateau.Options.fromMap(Map.of("patience", 2.5)));
        assertEquals(3, ReduceLROnPlateau.Options.fromMap(Map.of("cooldown", 3.0)).cooldown());
        assertMessage("ReduceLROnPlateau: expected 2 min_lrs, got 3",
                () -> new ReduceLROnPlateau(opt, ReduceLROnPlateau.Options.defaults(), new double[3]));
        assertMessage("LinearLR: Starting multiplicative factor expected to be greater than 0", () -> new LinearLR(opt, 0, 1, 5));
        assertMessage("LinearLR: Ending multiplicative factor expected to be between 0 and 1", () -> new LinearLR(opt, 0.5, 1.5, 5));
        assertMessage("ConstantLR: Constant multiplicative factor expected to be between 0 and 1", () -> new ConstantLR(opt, 2, 5));
        assertMessage("StepLR: step_size must be positive, got 0", () -> new StepLR(opt, 0));
        assertMessage("CosineAnnealingLR: T_max must be positive, got 0", () -> new CosineAnnealingLR(opt, 0));
        assertMessage("SequentialLR: Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points",
                () -> new SequentialLR(opt, List.of(new StepLR(opt, 2)), new int[] {3}));
        assertMessage("SequentialLR: Sequential Schedulers expects all schedulers to belong to the same optimizer",
                () -> new SequentialLR(opt, List.of(new StepLR(opt, 2), new StepLR(optimizer(), 2)), new int[] {3}));
        var step = new StepLR(optimizer(), 3, 0.5);
        Map<String, Object> state = new java.util.LinkedHashMap<>(step.stateDict());
        state.put("gamma", 0.25);
        assertMessage("StepLR: loadStateDict: saved gamma = 0.25 differs from this schedule's 0.5", () -> step.loadStateDict(state));
    }

    static void assertMessage(String prefix, org.junit.jupiter.api.function.Executable e) {
        var x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().startsWith(prefix), "message '" + x.getMessage() + "' should start with '" + prefix + "'");
    }
}
