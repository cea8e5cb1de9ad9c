package dev.nabla.optim;

import dev.nabla.optim.schedule.ConstantLR;
import dev.nabla.optim.schedule.CosineAnnealingLR;
import dev.nabla.optim.schedule.ExponentialLR;
import dev.nabla.optim.schedule.LRScheduler;
import dev.nabla.optim.schedule.LinearLR;
import dev.nabla.optim.schedule.MultiStepLR;
import dev.nabla.optim.schedule.SequentialLR;
import dev.nabla.optim.schedule.StepLR;
import dev.nabla.tensor.Tensor;

import java.util.List;
import java.util.Map;

/** Test helper: builds optimizers and schedules from the names and PyTorch keyword maps the fixture records. */
public final class Optimizers {
    private Optimizers() {}

    /** An optimizer over {@code groups} (the first gets {@code overrides.get(0)}, ...) with defaults from {@code options}. */
    public static Optimizer<?, ?> build(String name, Map<String, ?> options, List<List<Tensor>> groups,
                                        List<? extends Map<String, ?>> overrides) {
        double lr = ((Number) options.get("lr")).doubleValue();
        Optimizer<?, ?> opt = switch (name) {
            case "SGD" -> new SGD(groups.getFirst(), SGD.Options.fromMap(options, new SGD.Options(lr)));
            case "Adagrad" -> new Adagrad(groups.getFirst(), Adagrad.Options.fromMap(options, new Adagrad.Options(lr)));
            case "RMSprop" -> new RMSprop(groups.getFirst(), RMSprop.Options.fromMap(options, new RMSprop.Options(lr)));
            case "Adam" -> new Adam(groups.getFirst(), Adam.Options.fromMap(options, new Adam.Options(lr)));
            case "AdamW" -> new AdamW(groups.getFirst(), AdamW.Options.fromMap(options, new AdamW.Options(lr)));
            default -> throw new IllegalArgumentException("unknown optimizer " + name);
        };
        configure(opt, groups, overrides);
        return opt;
    }

    private static <O extends OptimizerOptions> void configure(Optimizer<O, ?> opt, List<List<Tensor>> groups,
                                                               List<? extends Map<String, ?>> overrides) {
        if (overrides.isEmpty()) return;
        opt.paramGroups().getFirst().setOptions(opt.parseOptions(overrides.getFirst(), opt.defaults()));
        for (int k = 1; k < groups.size(); k++) opt.addParamGroup(groups.get(k), overrides.get(k));
    }

    /** An epoch schedule by PyTorch class name ("Warmup" = SequentialLR.withLinearWarmup). */
    @SuppressWarnings("unchecked")
    public static LRScheduler schedule(Optimizer<?, ?> opt, String name, Map<String, ?> o) {
        return switch (name) {
            case "ConstantLR" -> new ConstantLR(opt, num(o, "factor"), (int) num(o, "total_iters"));
            case "StepLR" -> new StepLR(opt, (int) num(o, "step_size"), num(o, "gamma"));
            case "MultiStepLR" -> new MultiStepLR(opt,
                    ((List<?>) o.get("milestones")).stream().mapToInt(x -> ((Number) x).intValue()).toArray(), num(o, "gamma"));
            case "ExponentialLR" -> new ExponentialLR(opt, num(o, "gamma"));
            case "CosineAnnealingLR" -> new CosineAnnealingLR(opt, (int) num(o, "T_max"), num(o, "eta_min"));
            case "LinearLR" -> new LinearLR(opt, num(o, "start_factor"), num(o, "end_factor"), (int) num(o, "total_iters"));
            case "Warmup" -> {
                Map<String, ?> after = (Map<String, ?>) o.get("after");
                yield SequentialLR.withLinearWarmup(opt, num(o, "start_factor"), (int) num(o, "total_iters"),
                        x -> schedule(x, (String) after.get("schedule"), (Map<String, ?>) after.get("options")));
            }
            default -> throw new IllegalArgumentException("unknown schedule " + name);
        };
    }

    static double num(Map<String, ?> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }
}
