package dev.nabla.optim;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Reads hyper-parameters by PyTorch name from JSON-like maps, with the defaults filled in. */
final class Hyper {
    /** Group keys PyTorch keeps that carry no hyper-parameter Nabla uses; ignored when read. */
    private static final Set<String> IGNORED = Set.of("params", "initial_lr", "foreach", "capturable",
            "differentiable", "fused");

    private final String optimizer;
    private final Map<String, Object> map;

    Hyper(String optimizer, Map<String, ?> map, Set<String> known) {
        this.optimizer = optimizer;
        @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) map;
        this.map = m;
        Set<String> unknown = new TreeSet<>();
        for (String k : map.keySet()) if (!known.contains(k) && !IGNORED.contains(k)) unknown.add(k);
        if (!unknown.isEmpty())
            throw new IllegalArgumentException(optimizer + ": unknown hyper-parameter(s) " + unknown + "; "
                    + optimizer + " takes " + new TreeSet<>(known));
    }

    double num(String key, double dflt) {
        Object v = map.get(key);
        if (v == null) return dflt;
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException(optimizer + ": " + key + " must be a number, got " + v);
    }

    boolean flag(String key, boolean dflt) {
        Object v = map.get(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException(optimizer + ": " + key + " must be true or false, got " + v);
    }

    /** A pair such as {@code betas}: a list of two numbers (or a double[2]). */
    double[] pair(String key, double a, double b) {
        Object v = map.get(key);
        if (v == null) return new double[] {a, b};
        if (v instanceof double[] d && d.length == 2) return d.clone();
        if (v instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Number x && l.get(1) instanceof Number y)
            return new double[] {x.doubleValue(), y.doubleValue()};
        throw new IllegalArgumentException(optimizer + ": " + key + " must be a pair of numbers, got " + v);
    }
}
