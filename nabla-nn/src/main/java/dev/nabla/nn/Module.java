package dev.nabla.nn;

import dev.nabla.autograd.NoGrad;
import dev.nabla.tensor.DType;
import dev.nabla.tensor.Shape;
import dev.nabla.tensor.StoragePool;
import dev.nabla.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A building block of a network, with PyTorch's {@code nn.Module} vocabulary: parameters, buffers and
 * child modules registered by name in the constructor, dotted names ({@code "0.weight"}), state dicts,
 * train/eval mode and {@code zeroGrad()}.
 *
 * <p>Registration is explicit: a subclass calls {@link #registerParameter}, {@link #registerBuffer} and
 * {@link #registerModule} in its constructor and keeps the returned references in its own fields. Names are
 * listed in registration order; {@link #namedParameters()} lists a module's own parameters first, then its
 * children's, as PyTorch does.
 *
 * <p>Single-input modules implement {@link #forward(Tensor)}. Modules with several inputs override
 * {@link #forward(Tensor...)} (losses, for instance, take {@code forward(input, target)}).
 */
public abstract class Module {
    private final LinkedHashMap<String, Tensor> parameters = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
    private final Set<String> nonPersistent = new HashSet<>();
    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    // ---------------------------------------------------------------- forward

    /** Applies the module to one input. */
    public abstract Tensor forward(Tensor input);

    /**
     * Applies the module to several inputs. The default accepts exactly one and calls {@link #forward(Tensor)};
     * multi-input modules override it.
     */
    public Tensor forward(Tensor... inputs) {
        if (inputs.length != 1)
            throw new IllegalArgumentException(name() + ": takes 1 input, got " + inputs.length);
        return forward(inputs[0]);
    }

    // ---------------------------------------------------------------- registration

    /**
     * Registers a parameter (a float32 leaf, marked as requiring grad) under {@code name}; returns it.
     * A null tensor registers nothing (as PyTorch's {@code bias=None}).
     */
    protected final Tensor registerParameter(String name, Tensor tensor) {
        checkName(name);
        if (tensor == null) return null;
        if (tensor.dtype() != DType.FLOAT32)
            throw new IllegalArgumentException(name() + ": parameter '" + name + "' must be float32, got " + tensor.dtype());
        if (!tensor.isLeaf())
            throw new IllegalArgumentException(name() + ": parameter '" + name + "' must be a leaf tensor (use detach())");
        tensor.requiresGrad(true);
        parameters.put(name, tensor);
        return tensor;
    }

    /** Registers a persistent buffer (saved in the state dict); returns it. A null tensor registers nothing. */
    protected final Tensor registerBuffer(String name, Tensor tensor) {
        return registerBuffer(name, tensor, true);
    }

    /** Registers a buffer: state that is not trained, saved in the state dict only when {@code persistent}. */
    protected final Tensor registerBuffer(String name, Tensor tensor, boolean persistent) {
        checkName(name);
        if (tensor == null) return null;
        buffers.put(name, tensor);
        if (!persistent) nonPersistent.add(name);
        return tensor;
    }

    /** Registers a child module; returns it. */
    protected final <M extends Module> M registerModule(String name, M child) {
        checkName(name);
        if (child == null) throw new IllegalArgumentException(name() + ": child module '" + name + "' is null");
        if (child == this) throw new IllegalArgumentException(name() + ": a module cannot be its own child");
        children.put(name, child);
        return child;
    }

    /** Replaces the tensor of a registered buffer (for buffers whose value is swapped rather than updated in place). */
    protected final void setBuffer(String name, Tensor tensor) {
        if (!buffers.containsKey(name)) throw new IllegalArgumentException(name() + ": no buffer named '" + name + "'");
        buffers.put(name, tensor);
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains("."))
            throw new IllegalArgumentException(name() + ": name must be non-empty and contain no '.', got '" + name + "'");
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException(name() + ": '" + name + "' is already registered");
    }

    // ---------------------------------------------------------------- traversal

    /** Parameters of this module and all descendants, each once, in {@link #namedParameters()} order. */
    public final List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /**
     * Parameters by dotted name: own parameters in registration order, then each child's (recursively) in
     * registration order. A tensor shared by several modules is listed once, under its first name.
     */
    public final LinkedHashMap<String, Tensor> namedParameters() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (var m : namedModules().entrySet())
            for (var e : m.getValue().parameters.entrySet())
                if (seen.add(e.getValue())) out.put(join(m.getKey(), e.getKey()), e.getValue());
        return out;
    }

    /** Buffers (persistent or not) of this module and all descendants. */
    public final List<Tensor> buffers() {
        return new ArrayList<>(namedBuffers().values());
    }

    /**
     * Keeps this module's state past the end of a {@link StoragePool} step: the parameters, their gradients
     * (PyTorch leaves the last ones in place after a step) and the buffers. A custom loop that opens a step per
     * batch calls this before closing it; everything else the step made goes back to the pool.
     */
    public final void keepIn(StoragePool.Step step) {
        for (Tensor p : parameters()) {
            step.keep(p);
            step.keep(p.grad());
        }
        step.keep(buffers());
    }

    /** Buffers by dotted name, in the same order as {@link #namedParameters()}. */
    public final LinkedHashMap<String, Tensor> namedBuffers() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (var m : namedModules().entrySet())
            for (var e : m.getValue().buffers.entrySet())
                if (seen.add(e.getValue())) out.put(join(m.getKey(), e.getKey()), e.getValue());
        return out;
    }

    /** The direct children. */
    public final List<Module> children() {
        return new ArrayList<>(children.values());
    }

    /** The direct children by name. */
    public final LinkedHashMap<String, Module> namedChildren() {
        return new LinkedHashMap<>(children);
    }

    /** This module and all its descendants, depth first, each once. */
    public final List<Module> modules() {
        return new ArrayList<>(namedModules().values());
    }

    /** This module (named "") and all descendants by dotted name, depth first, each once. */
    public final LinkedHashMap<String, Module> namedModules() {
        LinkedHashMap<String, Module> out = new LinkedHashMap<>();
        collect("", this, out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private static void collect(String prefix, Module m, Map<String, Module> out, Set<Module> seen) {
        if (!seen.add(m)) return;
        out.put(prefix, m);
        for (var e : m.children.entrySet()) collect(join(prefix, e.getKey()), e.getValue(), out, seen);
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    /** Calls {@code fn} on every descendant and then this module (PyTorch's {@code apply}); returns this. */
    public final Module apply(Consumer<Module> fn) {
        for (Module c : children.values()) c.apply(fn);
        fn.accept(this);
        return this;
    }

    // ---------------------------------------------------------------- modes and gradients

    /** Sets training mode on this module and all descendants; returns this. */
    public Module train(boolean on) {
        training = on;
        for (Module c : children.values()) c.train(on);
        return this;
    }

    public final Module train() { return train(true); }

    /** Evaluation mode (dropout off, batch norm uses running statistics); returns this. */
    public final Module eval() { return train(false); }

    public final boolean isTraining() { return training; }

    /** Drops the gradients of all parameters (PyTorch's default {@code set_to_none=True}). */
    public final void zeroGrad() {
        zeroGrad(true);
    }

    /** Drops the gradients ({@code setToNone}) or zeroes them in place, as PyTorch and {@code Optimizer.zeroGrad} do. */
    public final void zeroGrad(boolean setToNone) {
        try (var _ = NoGrad.enter()) {
            for (Tensor p : parameters()) {
                if (p.grad() == null) continue;
                if (setToNone) p.setGrad(null);
                else p.grad().zero_();
            }
        }
    }

    /** Total number of parameter elements (shared parameters counted once). */
    public final long numParameters() {
        long n = 0;
        for (Tensor p : parameters()) n += p.numel();
        return n;
    }

    // ---------------------------------------------------------------- state dicts

    /**
     * Parameters and persistent buffers by dotted name (PyTorch's {@code state_dict}): for each module, its
     * parameters then its buffers, then its children's entries. The tensors are detached views of the live
     * storage, not copies.
     */
    public final LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (var m : namedModules().entrySet()) {
            Module mod = m.getValue();
            for (var e : mod.parameters.entrySet()) out.put(join(m.getKey(), e.getKey()), e.getValue().detach());
            for (var e : mod.buffers.entrySet())
                if (!mod.nonPersistent.contains(e.getKey())) out.put(join(m.getKey(), e.getKey()), e.getValue().detach());
        }
        return out;
    }

    /** What {@link #loadStateDict} left out when not strict. */
    public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {}

    /**
     * Copies the values of {@code state} into this module's parameters and persistent buffers, in place (so
     * optimizers holding the tensors see the new values). All problems are collected first and reported in one
     * {@link StateDictException}: missing and unexpected keys when {@code strict}, and every shape mismatch
     * (always, listing both shapes). Nothing is copied when there is an error. int64 buffers accept int64 or
     * float32 values and vice versa (converted, as PyTorch's {@code copy_}).
     */
    public final LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        LinkedHashMap<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) { missing.add(e.getKey()); continue; }
            if (!Arrays.equals(src.shape(), e.getValue().shape()))
                mismatched.add("size mismatch for " + e.getKey() + ": copying a param with shape " + Shape.str(src.shape())
                        + " from checkpoint, the shape in current model is " + Shape.str(e.getValue().shape()) + ".");
        }
        for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        if (!mismatched.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()))) {
            StringBuilder sb = new StringBuilder("Error(s) in loading state_dict for " + name() + ":");
            if (strict && !unexpected.isEmpty()) sb.append("\n\tUnexpected key(s) in state_dict: ").append(quoted(unexpected)).append('.');
            if (strict && !missing.isEmpty()) sb.append("\n\tMissing key(s) in state_dict: ").append(quoted(missing)).append('.');
            for (String m : mismatched) sb.append("\n\t").append(m);
            throw new StateDictException(sb.toString(), strict ? missing : List.of(), strict ? unexpected : List.of(), mismatched);
        }
        try (var _ = NoGrad.enter()) {
            for (var e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src != null) copyInto(e.getValue(), src);
            }
        }
        return new LoadResult(List.copyOf(missing), List.copyOf(unexpected));
    }

    private static String quoted(List<String> keys) {
        StringBuilder sb = new StringBuilder();
        for (String k : keys) sb.append(sb.isEmpty() ? "" : ", ").append('"').append(k).append('"');
        return sb.toString();
    }

    /** Writes src's values into dst's storage (same shape), converting between float32 and int64. */
    static void copyInto(Tensor dst, Tensor src) {
        if (dst.dtype() == DType.FLOAT32) {
            dst.copy_(src.to(DType.FLOAT32));
            return;
        }
        long[] values = src.toLongArray(), storage = dst.longData();
        int[] shape = dst.shape(), strides = dst.strides(), idx = new int[shape.length];
        for (long v : values) {
            int p = dst.offset();
            for (int k = 0; k < shape.length; k++) p += idx[k] * strides[k];
            storage[p] = v;
            for (int k = shape.length - 1; k >= 0; k--) {
                if (++idx[k] < shape[k]) break;
                idx[k] = 0;
            }
        }
    }

    // ---------------------------------------------------------------- printing

    /** The class name, as in PyTorch's repr. */
    public String name() {
        return getClass().getSimpleName();
    }

    /** The constructor options shown inside the parentheses, e.g. {@code in_features=4, out_features=3, bias=True}. */
    protected String extraRepr() {
        return "";
    }

    /** PyTorch's module repr: {@code Name(extra)} or, with children, one indented line per child. */
    @Override
    public String toString() {
        String extra = extraRepr();
        if (children.isEmpty()) return name() + "(" + extra + ")";
        StringBuilder sb = new StringBuilder(name()).append("(\n");
        if (!extra.isEmpty()) for (String line : extra.split("\n")) sb.append("  ").append(line).append('\n');
        for (var e : children.entrySet())
            sb.append("  (").append(e.getKey()).append("): ").append(e.getValue().toString().replace("\n", "\n  ")).append('\n');
        return sb.append(')').toString();
    }

    /** Python's spelling of a boolean, for {@link #extraRepr()}. */
    protected static String py(boolean b) {
        return b ? "True" : "False";
    }

    /** Python's spelling of a float (1e-05, 0.1, 1.0), for {@link #extraRepr()}. */
    protected static String py(double v) {
        float f = (float) v;
        if (Float.isNaN(f)) return "nan";
        if (Float.isInfinite(f)) return f > 0 ? "inf" : "-inf";
        double a = Math.abs(f);
        String s = Float.toString(f);
        if (a != 0 && (a < 1e-4 || a >= 1e16)) {
            java.math.BigDecimal bd = new java.math.BigDecimal(s).stripTrailingZeros();
            int exp = bd.precision() - bd.scale() - 1;
            String digits = bd.unscaledValue().abs().toString();
            String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (f < 0 ? "-" : "") + mant + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
        }
        String plain = new java.math.BigDecimal(s).stripTrailingZeros().toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }

    /** A tuple as Python prints it: {@code (3, 3)}. */
    protected static String py(int[] values) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < values.length; i++) sb.append(i == 0 ? "" : ", ").append(values[i]);
        return sb.append(values.length == 1 ? ",)" : ")").toString();
    }
}
