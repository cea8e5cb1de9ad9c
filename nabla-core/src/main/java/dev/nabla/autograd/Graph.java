package dev.nabla.autograd;

import dev.nabla.tensor.Tensor;

/** How ops put themselves on the tape. Every differentiable op ends with {@link #record}. */
public final class Graph {
    private Graph() {}

    /**
     * Attaches {@code backward} to {@code out} when grad mode is on and any input requires grad;
     * otherwise returns {@code out} untouched. Returns {@code out}.
     */
    public static Tensor record(String op, Tensor out, Backward backward, Tensor... inputs) {
        if (!GradMode.isEnabled()) return out;
        boolean needed = false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad()) { needed = true; break; }
        if (!needed) return out;
        Engine.attach(out, new Node(op, inputs, backward));
        return out;
    }

    /** True when an op on these inputs would be recorded: lets ops skip saving activations otherwise. */
    public static boolean needed(Tensor... inputs) {
        if (!GradMode.isEnabled()) return false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad()) return true;
        return false;
    }
}
