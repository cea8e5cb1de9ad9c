package dev.nabla.optim;

import dev.nabla.optim.schedule.LRSchedule;
import dev.nabla.optim.schedule.LRScheduler;
import dev.nabla.optim.schedule.ReduceLROnPlateau;
import dev.nabla.tensor.Tensor;
import dev.nabla.testing.Oracle;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Replays PyTorch 1.13's optimizer trajectories, schedules and clipping from oracle/gen_optim.py. */
class OptimOracleTest {
    static final double ATOL = 1e-6, RTOL = 1e-6;
    static final Oracle ORACLE = Oracle.load("optim");

    private static Stream<Oracle.Case> cases(String op) {
        return ORACLE.cases().stream().filter(c -> c.op().equals(op));
    }

    static Tensor param(Oracle.Case c, int i) {
        return c.expected("in" + i).clone().requiresGrad(true);
    }

    @SuppressWarnings("unchecked")
    static Optimizer<?, ?> build(Oracle.Case c, List<Tensor> params) {
        Map<String, Object> options = (Map<String, Object>) c.args().get("options");
        List<List<Tensor>> groups = new ArrayList<>();
        List<Map<String, Object>> overrides = new ArrayList<>();
        if (c.args().get("groups") instanceof List<?> gs) {
            for (Object g : gs) {
                Map<String, Object> m = new java.util.LinkedHashMap<>((Map<String, Object>) g);
                List<Tensor> ps = new ArrayList<>();
                for (Object idx : (List<?>) m.remove("params")) ps.add(params.get(((Number) idx).intValue()));
                groups.add(ps);
                overrides.add(m);
            }
        } else {
            groups.add(params);
        }
        return Optimizers.build((String) c.args().get("optimizer"), options, groups, overrides);
    }

    /** Runs the case's steps on {@code opt}, checking the params after every step. */
    static void replay(Oracle.Case c, Optimizer<?, ?> opt, List<Tensor> params) {
        int steps = c.integer("steps");
        for (int k = 0; k < steps; k++) {
            for (int i = 0; i < params.size(); i++)
                params.get(i).setGrad(c.has("grad" + k + "." + i) ? c.expected("grad" + k + "." + i).clone() : null);
            opt.step();
            for (int i = 0; i < params.size(); i++)
                Oracle.assertClose(c.name() + " param " + i + " after step " + (k + 1), c.expected("param" + k + "." + i),
                        params.get(i), ATOL, RTOL);
        }
    }

    @TestFactory
    Stream<DynamicTest> optimizers() {
        return cases("optimizer").map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            List<Tensor> params = List.of(param(c, 0), param(c, 1));
            Optimizer<?, ?> opt = build(c, params);
            replay(c, opt, params);
            // the state matches PyTorch's state_dict(), names and values
            OptimizerStateDict sd = opt.stateDict();
            int expectedTensors = 0;
            for (String key : stateKeys(c)) {
                expectedTensors++;
                Tensor mine = sd.tensors().get(key);
                if (mine == null) fail(c.name() + ": state dict lacks " + key + "; it has " + sd.tensors().keySet());
                Oracle.assertClose(c.name() + " " + key, c.expected(key), mine, ATOL, RTOL);
            }
            assertEquals(expectedTensors, sd.tensors().size(), c.name() + ": state tensors " + sd.tensors().keySet());
            @SuppressWarnings("unchecked") Map<String, Map<String, Object>> scalars =
                    (Map<String, Map<String, Object>>) c.args().get("state_scalars");
            @SuppressWarnings("unchecked") Map<String, Map<String, Object>> mine =
                    (Map<String, Map<String, Object>>) sd.json().get("state");
            for (var e : scalars.entrySet())
                for (var s : e.getValue().entrySet())
                    assertEquals(((Number) s.getValue()).longValue(), ((Number) mine.get(e.getKey()).get(s.getKey())).longValue(),
                            c.name() + ": state " + e.getKey() + "." + s.getKey());
        }));
    }

    /** The state tensors PyTorch's state_dict() held after the last step, as "state.<index>.<name>". */
    private static List<String> stateKeys(Oracle.Case c) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 2; i++)
            for (String n : List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer", "square_avg", "grad_avg", "sum"))
                if (c.has("state." + i + "." + n)) keys.add("state." + i + "." + n);
        return keys;
    }

    @TestFactory
    Stream<DynamicTest> plainGradientDescentIsSgdPlain() {
        return cases("optimizer").filter(c -> c.name().equals("sgd_plain")).map(c -> DynamicTest.dynamicTest("GD " + c.name(), () -> {
            List<Tensor> params = List.of(param(c, 0), param(c, 1));
            double lr = ((Number) ((Map<?, ?>) c.args().get("options")).get("lr")).doubleValue();
            replay(c, GD.of(params, lr), params);
        }));
    }

    @TestFactory
    Stream<DynamicTest> schedules() {
        return cases("schedule").map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            SGD opt = new SGD(List.of(Tensor.zeros(2).requiresGrad(true)), 0.1);
            opt.addParamGroup(List.of(Tensor.zeros(3).requiresGrad(true)), Map.of("lr", 0.05));
            @SuppressWarnings("unchecked") Map<String, Object> options = (Map<String, Object>) c.args().get("options");
            String name = (String) c.args().get("schedule");
            List<?> expected = (List<?>) c.args().get("lrs");
            LRSchedule sched = name.equals("ReduceLROnPlateau")
                    ? new ReduceLROnPlateau(opt, ReduceLROnPlateau.Options.fromMap(options))
                    : Optimizers.schedule(opt, name, options);
            List<?> metrics = (List<?>) c.args().get("metrics");
            for (int k = 0; k < expected.size(); k++) {
                if (k > 0) {
                    opt.step();
                    if (sched instanceof ReduceLROnPlateau r) r.step(((Number) metrics.get(k - 1)).doubleValue());
                    else ((LRScheduler) sched).step();
                }
                List<?> want = (List<?>) expected.get(k);
                double[] last = sched.lastLr();
                for (int g = 0; g < want.size(); g++) {
                    double e = ((Number) want.get(g)).doubleValue();
                    double got = opt.paramGroups().get(g).lr();
                    assertTrue(Math.abs(got - e) <= 1e-12 * Math.abs(e) + 1e-15,
                            c.name() + " step " + k + " group " + g + ": lr " + got + ", PyTorch " + e);
                    assertEquals(got, last[g], 0.0, c.name() + ": lastLr differs from the group's lr");
                }
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> clipping() {
        return Stream.concat(cases("clip_grad_norm"), cases("clip_grad_value")).map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            List<Tensor> params = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Tensor p = Tensor.zerosLike(c.expected("in" + i)).requiresGrad(true);
                p.setGrad(c.expected("in" + i).clone());
                params.add(p);
            }
            if (c.op().equals("clip_grad_norm")) {
                Object nt = c.args().get("norm_type");
                double normType = nt instanceof Number n ? n.doubleValue() : Double.POSITIVE_INFINITY;
                double total = Clipping.clipGradNorm(params, c.num("max_norm"), normType);
                double want = c.expected("total").item();
                assertEquals(want, total, 1e-6 * Math.abs(want) + 1e-6, c.name() + " total norm");
            } else {
                Clipping.clipGradValue(params, c.num("clip_value"));
            }
            for (int i = 0; i < 2; i++)
                Oracle.assertClose(c.name() + " grad " + i, c.expected("out" + i), params.get(i).grad(), ATOL, RTOL);
        }));
    }
}
