package dev.nabla.autograd;

import dev.nabla.tensor.Tensor;

/**
 * One recorded op in the graph: its name (for errors and debugging), its inputs and its gradient rule.
 * The inputs and the rule (with the activations it captured) are dropped after backward, so a
 * training loop holds no memory from earlier steps.
 */
public final class Node {
    private final String op;
    private Tensor[] inputs;
    private Backward backward;

    Node(String op, Tensor[] inputs, Backward backward) {
        this.op = op;
        this.inputs = inputs;
        this.backward = backward;
    }

    /** The op's name, as PyTorch would print it in a grad_fn ("mul", "matmul", ...). */
    public String op() {
        return op;
    }

    /** The recorded inputs; empty after the graph was released. */
    public Tensor[] inputs() {
        return inputs == null ? new Tensor[0] : inputs.clone();
    }

    Tensor[] inputsRaw() {
        return inputs;
    }

    Backward backward() {
        return backward;
    }

    boolean released() {
        return backward == null;
    }

    void release() {
        inputs = null;
        backward = null;
    }

    @Override
    public String toString() {
        return op + "Backward";
    }
}
