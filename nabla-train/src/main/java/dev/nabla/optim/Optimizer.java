package dev.nabla.optim;

import dev.nabla.autograd.NoGrad;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The common machinery of all optimizers, as PyTorch's {@code torch.optim.Optimizer}: parameter groups,
 * per-parameter state, {@link #step()}, {@link #zeroGrad()} and state dicts. A subclass supplies only the
 * per-parameter update, a function of (param, grad, state, hyper-parameters) that writes the parameter and
 * the state's buffers in place in one pass over the arrays and returns the state for the next step.
 *
 * <p>Parameters must be contiguous float32 leaves (views into a larger flat buffer are fine: the update
 * honours their offset). Gradients may be any layout; a non-contiguous gradient is copied first.
 * Parameters whose gradient is null are skipped, and their state is left untouched.
 *
 * @param <O> the options record (hyper-parameters of one group)
 * @param <S> the per-parameter state record
 */
public abstract class Optimizer<O extends OptimizerOptions, S> {
    private final String name;
    private final O defaults;
    private final List<ParamGroup<O>> groups = new ArrayList<>();
    private final Map<Tensor, S> state = new IdentityHashMap<>();

    /** One group holding {@code params} with the {@code defaults}. */
    protected Optimizer(String name, Iterable<Tensor> params, O defaults) {
        this.name = name;
        this.defaults = defaults;
        addParamGroup(params, defaults);
    }

    /** The optimizer's name as in PyTorch ({@code "Adam"}); error messages start with it. */
    public final String name() { return name; }

    /** The options new groups start from. */
    public final O defaults() { return defaults; }

    /** The groups, in order (the list is unmodifiable; each group's options can be changed). */
    public final List<ParamGroup<O>> paramGroups() { return Collections.unmodifiableList(groups); }

    /** Adds a group with its own options. */
    public final ParamGroup<O> addParamGroup(Iterable<Tensor> params, O options) {
        List<Tensor> list = new ArrayList<>();
        for (Tensor p : params) list.add(p);
        if (list.isEmpty()) throw new IllegalArgumentException(name + ": optimizer got an empty parameter list");
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < list.size(); i++) {
            Tensor p = list.get(i);
            if (p == null) throw new IllegalArgumentException(name + ": parameter " + i + " of the group is null");
            if (p.dtype() != DType.FLOAT32)
                throw new IllegalArgumentException(name + ": parameter " + i + " is " + p.dtype() + "; only float32 tensors can be optimized");
            if (!p.isLeaf()) throw new IllegalArgumentException(name + ": can't optimize a non-leaf Tensor (parameter " + i + ")");
            if (!p.isContiguous())
                throw new IllegalArgumentException(name + ": parameter " + i + " of shape " + Shape.str(p.shape())
                        + " has strides " + Shape.str(p.strides()) + " and is not contiguous; optimizers update the "
                        + "parameter storage in place and need contiguous parameters (pass a contiguous copy)");
            if (!seen.add(p))
                throw new IllegalArgumentException(name + ": optimizer contains a parameter group with duplicate parameters (parameter " + i + ")");
        }
        for (ParamGroup<O> g : groups)
            for (Tensor p : g.params())
                if (seen.contains(p)) throw new IllegalArgumentException(name + ": some parameters appear in more than one parameter group");
        ParamGroup<O> group = new ParamGroup<>(list, options);
        groups.add(group);
        for (Tensor p : list) {
            S s = eagerState(p, options);
            if (s != null) state.put(p, s);
        }
        return group;
    }

    /**
     * Adds a group whose options are the defaults overridden by {@code overrides} (PyTorch names, e.g.
     * {@code Map.of("lr", 0.01, "momentum", 0.5)}), as a PyTorch group dict.
     */
    public final ParamGroup<O> addParamGroup(Iterable<Tensor> params, Map<String, ?> overrides) {
        return addParamGroup(params, parseOptions(overrides, defaults));
    }

    /** Options from a map of PyTorch names; missing entries come from {@code base}. */
    public abstract O parseOptions(Map<String, ?> map, O base);

    /** The state of one parameter, or null before its first update. */
    public final S state(Tensor param) { return state.get(param); }

    // ---------------------------------------------------------------- the step

    /** Updates every parameter that has a gradient, in place, without recording a graph. */
    public final void step() {
        try (var _ = NoGrad.enter()) {
            int index = 0;
            for (ParamGroup<O> group : groups) {
                O options = group.options();
                for (Tensor p : group.params()) {
                    Tensor g = p.grad();
                    if (g != null) {
                        if (g.dtype() != DType.FLOAT32)
                            throw new IllegalStateException(name + ": the gradient of parameter " + index + " is " + g.dtype());
                        if (g.numel() != p.numel())
                            throw new IllegalStateException(name + ": the gradient of parameter " + index + " has shape "
                                    + Shape.str(g.shape()) + ", the parameter " + Shape.str(p.shape()));
                        if (!g.isContiguous()) g = Tensor.of(g.toFloatArray(), g.shape());
                        S s = state.get(p);
                        if (s == null) s = initState(p, options);
                        s = update(p.data(), p.offset(), g.data(), g.offset(), p.numel(), s, options);
                        state.put(p, s);
                    }
                    index++;
                }
            }
        }
    }

    /**
     * The update of one parameter: reads {@code n} gradient values from {@code g[gOff..]}, writes the
     * parameter {@code p[pOff..]} and the state's buffers in place, and returns the state for the next step.
     */
    protected abstract S update(float[] p, int pOff, float[] g, int gOff, int n, S state, O options);

    /** The state of a parameter before its first update. */
    protected abstract S initState(Tensor param, O options);

    /** State created when a parameter joins the optimizer (PyTorch's Adagrad does this), else null. */
    protected S eagerState(Tensor param, O options) { return null; }

    // ---------------------------------------------------------------- gradients

    /** Sets every gradient to null (PyTorch 2's {@code zero_grad()} default, {@code set_to_none=True}). */
    public final void zeroGrad() { zeroGrad(true); }

    /** With {@code setToNone} false, fills the existing gradients with zeros instead. */
    public final void zeroGrad(boolean setToNone) {
        try (var _ = NoGrad.enter()) {
            for (ParamGroup<O> group : groups)
                for (Tensor p : group.params()) {
                    if (p.grad() == null) continue;
                    if (setToNone) p.setGrad(null);
                    else p.grad().zero_();
                }
        }
    }

    // ---------------------------------------------------------------- state dicts

    /** The state's named entries: {@code float[]} buffers (as long as the parameter) and {@code Number} scalars. */
    protected abstract Map<String, Object> encodeState(S state);

    /**
     * A state from the entries {@link #encodeState} wrote (buffers already copied and checked to be
     * {@code numel} long); throws IllegalArgumentException naming what is missing.
     */
    protected abstract S decodeState(Map<String, Object> entries, int numel, O options);

    /** A snapshot of the state and the groups' hyper-parameters; see {@link OptimizerStateDict}. */
    public final OptimizerStateDict stateDict() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, Object> perParam = new LinkedHashMap<>();
        List<Object> groupList = new ArrayList<>();
        int index = 0;
        for (ParamGroup<O> group : groups) {
            Map<String, Object> g = new LinkedHashMap<>(group.options().toMap());
            if (group.initialLr().isPresent()) g.put("initial_lr", group.initialLr().getAsDouble());
            List<Object> ids = new ArrayList<>();
            for (Tensor p : group.params()) {
                ids.add(index);
                S s = state.get(p);
                if (s != null) {
                    Map<String, Object> scalars = new LinkedHashMap<>();
                    for (var e : encodeState(s).entrySet()) {
                        if (e.getValue() instanceof float[] buf)
                            tensors.put("state." + index + "." + e.getKey(), Tensor.of(buf.clone(), p.shape()));
                        else scalars.put(e.getKey(), e.getValue());
                    }
                    perParam.put(Integer.toString(index), scalars);
                }
                index++;
            }
            g.put("params", ids);
            groupList.add(g);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("optimizer", name);
        json.put("state", perParam);
        json.put("param_groups", groupList);
        return new OptimizerStateDict(tensors, json);
    }

    /**
     * Restores a {@link #stateDict()}: the groups' hyper-parameters and every parameter's state (copied, so
     * the dict stays valid). The groups must have the same sizes; every problem found is reported at once.
     */
    public final void loadStateDict(OptimizerStateDict dict) {
        Map<String, Object> json = dict.json();
        String what = name + ": loadStateDict: ";
        if (json.get("optimizer") instanceof String other && !other.equals(name))
            throw new IllegalArgumentException(what + "the state dict was saved by " + other + ", not " + name);
        if (!(json.get("param_groups") instanceof List<?> saved))
            throw new IllegalArgumentException(what + "the state dict has no param_groups list");
        if (saved.size() != groups.size())
            throw new IllegalArgumentException(what + "loaded state dict has a different number of parameter groups ("
                    + saved.size() + " saved, " + groups.size() + " here)");
        List<O> options = new ArrayList<>();
        List<Double> initialLrs = new ArrayList<>();
        for (int k = 0; k < saved.size(); k++) {
            if (!(saved.get(k) instanceof Map<?, ?> sg) || !(sg.get("params") instanceof List<?> ids))
                throw new IllegalArgumentException(what + "param_groups[" + k + "] is not a group with a params list");
            if (ids.size() != groups.get(k).params().size())
                throw new IllegalArgumentException(what + "loaded state dict contains a parameter group that doesn't match "
                        + "the size of optimizer's group (group " + k + ": " + ids.size() + " saved, "
                        + groups.get(k).params().size() + " here)");
            @SuppressWarnings("unchecked") Map<String, ?> m = (Map<String, ?>) sg;
            options.add(parseOptions(m, defaults));
            initialLrs.add(m.get("initial_lr") instanceof Number n ? n.doubleValue() : null);
        }
        Map<?, ?> savedState = json.get("state") instanceof Map<?, ?> ss ? ss : Map.of();
        Map<String, Map<String, Object>> entries = new TreeMap<>();
        for (var e : dict.tensors().entrySet()) {
            String[] parts = e.getKey().split("\\.", 3);
            if (parts.length != 3 || !parts[0].equals("state"))
                throw new IllegalArgumentException(what + "unexpected tensor '" + e.getKey() + "' (expected state.<index>.<name>)");
            entries.computeIfAbsent(parts[1], x -> new LinkedHashMap<>()).put(parts[2], e.getValue());
        }
        for (var e : savedState.entrySet())
            if (e.getValue() instanceof Map<?, ?> scalars)
                for (var s : scalars.entrySet())
                    entries.computeIfAbsent(String.valueOf(e.getKey()), x -> new LinkedHashMap<>()).put((String) s.getKey(), s.getValue());
        // decode everything first, so a failed load leaves the optimizer as it was
        List<String> problems = new ArrayList<>();
        Map<Tensor, S> restored = new IdentityHashMap<>();
        Set<String> used = new java.util.HashSet<>();
        int index = 0;
        for (int k = 0; k < groups.size(); k++) {
            for (Tensor p : groups.get(k).params()) {
                String key = Integer.toString(index);
                Map<String, Object> es = entries.get(key);
                if (es != null) {
                    used.add(key);
                    Map<String, Object> decoded = new LinkedHashMap<>();
                    for (var e : es.entrySet()) {
                        if (e.getValue() instanceof Tensor t) {
                            if (t.dtype() != DType.FLOAT32 || t.numel() != p.numel())
                                problems.add("state." + index + "." + e.getKey() + " has shape " + Shape.str(t.shape())
                                        + ", the parameter " + Shape.str(p.shape()));
                            else decoded.put(e.getKey(), t.toFloatArray());
                        } else decoded.put(e.getKey(), e.getValue());
                    }
                    try {
                        restored.put(p, decodeState(decoded, p.numel(), options.get(k)));
                    } catch (IllegalArgumentException x) {
                        problems.add("state of parameter " + index + ": " + x.getMessage());
                    }
                }
                index++;
            }
        }
        for (String key : entries.keySet())
            if (!used.contains(key)) problems.add("state for parameter " + key + ", which the optimizer does not have (it has " + index + ")");
        if (!problems.isEmpty()) throw new IllegalArgumentException(what + String.join("; ", problems));
        for (int k = 0; k < groups.size(); k++) {
            groups.get(k).setOptions(options.get(k));
            if (initialLrs.get(k) != null) groups.get(k).setInitialLr(initialLrs.get(k));
            else groups.get(k).clearInitialLr();
        }
        state.clear();
        state.putAll(restored);
    }

    // ---------------------------------------------------------------- helpers for subclasses

    /** A buffer entry of a decoded state, or an error naming it. */
    protected static float[] buffer(Map<String, Object> entries, String key) {
        if (!(entries.get(key) instanceof float[] b)) throw new IllegalArgumentException("missing tensor '" + key + "'");
        return b;
    }

    /** An integer entry of a decoded state (such as {@code step}), or an error naming it. */
    protected static long count(Map<String, Object> entries, String key) {
        if (!(entries.get(key) instanceof Number n)) throw new IllegalArgumentException("missing scalar '" + key + "'");
        return n.longValue();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(name).append(" (");
        for (int k = 0; k < groups.size(); k++)
            b.append("\n  group ").append(k).append(": ").append(groups.get(k).params().size()).append(" params, ")
                    .append(groups.get(k).options());
        return b.append("\n)").toString();
    }
}
