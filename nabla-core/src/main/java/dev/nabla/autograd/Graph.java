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

    /**
     * For a backward rule: whether its incoming gradient {@code gradOutput} is a buffer nobody else can see, which
     * the rule may overwrite (as scratch, or with an elementwise gradient computed from it) instead of allocating
     * one. False outside backward and whenever the gradient is shared (passed through by add or a view, given by
     * the caller of backward, a leaf's grad).
     */
    public static boolean disposable(Tensor gradOutput) {
        return Engine.disposable(gradOutput);
    }

    /**
     * A zeroed {@code float[n]}, as {@code new float[n]} gives, for the storage of a tensor an op makes. While a
     * backward pass runs on this thread it may be a gradient buffer the pass has finished with (a backward rule's
     * incoming gradient that nothing else references once the rule has returned): the gradients of one layer are
     * the sizes of the next one's, so a deep network's backward reuses a few buffers instead of allocating a new
     * one per op and leaving the collector a step's worth of garbage. Otherwise, while a {@link
     * dev.nabla.tensor.StoragePool} step is open on this thread, it is an array an earlier step gave back. Anywhere
     * else it is a new array.
     */
    public static float[] buffer(int n) {
        return Engine.buffer(n);
    }
}
