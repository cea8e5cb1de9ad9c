package dev.nabla.autograd;

/**
 * A scope in which ops do not record the graph, as PyTorch's {@code torch.no_grad()}:
 * <pre>{@code try (var _ = NoGrad.enter()) { ... } }</pre>
 * Scopes nest; closing one restores what was in force when it was entered.
 */
public final class NoGrad implements AutoCloseable {
    private final boolean previous;
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private NoGrad(boolean enabled) {
        this.previous = GradMode.set(enabled);
    }

    /** Disables graph recording on this thread until {@link #close()}. */
    public static NoGrad enter() {
        return new NoGrad(false);
    }

    /** Re-enables graph recording inside an outer no-grad scope (PyTorch's {@code enable_grad}). */
    public static NoGrad enableGrad() {
        return new NoGrad(true);
    }

    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner)
            throw new IllegalStateException("a NoGrad scope must be closed on the thread that entered it");
        closed = true;
        GradMode.set(previous);
    }
}
